import { actionTraceTags, REDACTED, redactSecrets } from "../../platform/observability/trace-tags";

describe("what a span records of a call", () => {
  test("When params hold secrets at any depth, then each is replaced and the rest is kept", () => {
    const params = {
      email: "a@example.com",
      password: "hunter22",
      currentPassword: "old-one",
      payment: { token: "tok_visa" },
      items: [{ productId: "p1", quantity: 2 }],
      webhook: { secret: "s".repeat(20), url: "https://example.com/hook" },
      key: "bz_live_abc",
      "x-api-key": "bz_live_def",
    };
    expect(redactSecrets(params)).toEqual({
      email: "a@example.com",
      password: REDACTED,
      currentPassword: REDACTED,
      payment: { token: REDACTED },
      items: [{ productId: "p1", quantity: 2 }],
      webhook: { secret: REDACTED, url: "https://example.com/hook" },
      key: REDACTED,
      "x-api-key": REDACTED,
    });
    expect(params.password).toBe("hunter22");
  });

  test("When the call ends, then its answer is not recorded; when it starts, its params are", () => {
    expect(actionTraceTags({ params: { id: "p1" } })).toEqual({ params: { id: "p1" } });
    expect(actionTraceTags({ params: { id: "p1" } }, { token: "jwt" })).toEqual({});
    expect(redactSecrets("plain")).toBe("plain");
  });
});
