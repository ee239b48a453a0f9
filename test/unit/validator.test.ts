import { hardenedEngine, RuleError } from "../../platform/actions/validator";
import { ID_PATTERN, idRule } from "../../platform/actions/ids";

type Problem = { type: string; field: string };
const problems = (result: true | Problem[]) => (result === true ? [] : result);

describe("the hardened validator", () => {
  const engine = hardenedEngine();
  const login = engine.compile({
    $$strict: true,
    email: { type: "email", normalize: true, max: 254 },
    code: { type: "string", max: 8, pattern: /^(a+)+$/ },
  });

  test("When an e-mail is far too long, then only its length is reported: no pattern ran over it", () => {
    // A backtracking pattern over this value froze the event loop for seconds.
    const found = problems(login({ email: "a@".repeat(15_000), code: "a" }) as true | Problem[]);
    expect(found.map((p) => p.type)).toEqual(["emailMax"]);
  });

  test("When a string is longer than its max, then the pattern is not tried", () => {
    const found = problems(
      login({ email: "a@b.co", code: "a".repeat(40) + "!" }) as true | Problem[],
    );
    expect(found.map((p) => p.type)).toEqual(["stringMax"]);
  });

  test("When a rule has a pattern but no max length, then it refuses to compile", () => {
    expect(() => engine.compile({ x: { type: "string", pattern: /^a$/ } })).toThrow(RuleError);
  });

  test("When an e-mail rule names no max, then it is bounded at 254 all the same", () => {
    const check = engine.compile({ email: { type: "email" } });
    const found = problems(check({ email: `${"a".repeat(250)}@b.co` }) as true | Problem[]);
    expect(found.map((p) => p.type)).toEqual(["emailMax"]);
  });

  test.each(["a\u0000b@shop.test", "ann\u202e@shop.test", "ann\u200b@shop.test", "a b@shop.test"])(
    "When an e-mail holds an invisible or control character (%j), then it is refused",
    (email) => {
      const found = problems(login({ email, code: "a" }) as true | Problem[]);
      expect(found.map((p) => p.type)).toContain("emailCharacters");
    },
  );

  test("When an optional field is null, then it is refused unless the rule says nullable", () => {
    const check = engine.compile({
      items: { type: "array", optional: true, items: "string" },
      note: { type: "string", max: 10, optional: true, nullable: true },
    });
    expect(problems(check({ items: null }) as true | Problem[])).toEqual([
      expect.objectContaining({ type: "notNullable", field: "items" }),
    ]);
    expect(check({ note: null })).toBe(true);
    expect(check({})).toBe(true);
  });
});

describe("what a refusal says", () => {
  const engine = hardenedEngine();
  test("When a value is refused, then the message says what was expected and what was given", () => {
    const check = engine.compile({
      status: { type: "enum", values: ["active", "paused"] },
      count: { type: "number", integer: true, min: 1, max: 5 },
      channels: { type: "array", items: { type: "enum", values: ["inbox", "email"] } },
    });
    const messages = (check({ status: "on", count: 9, channels: ["sms"] }) as Problem[]).map(
      (p) => (p as Problem & { message: string }).message,
    );
    expect(messages).toEqual([
      "The 'status' field must be one of: active, paused; it was 'on'.",
      "The 'count' field must be at most 5; it was 9.",
      "The 'channels[0]' field must be one of: inbox, email; it was 'sms'.",
    ]);
  });
});

describe("ids", () => {
  test.each(["ord_3f2a", "0b6c7a1e-2f7d-4c55-9a57-0c1f6b9f7a10", "LAMP-01", "a"])(
    "When an id is %s, then it is accepted",
    (id) => expect(ID_PATTERN.test(id)).toBe(true),
  );

  test.each([
    "__proto__",
    "__proto__.toString",
    "constructor",
    "prototype",
    "a.b",
    "",
    "-x",
    "_x",
    "a".repeat(65),
    "a/b",
    "a\u0000",
  ])("When an id is %j, then it is refused", (id) => {
    const check = hardenedEngine().compile({ id: idRule });
    expect(check({ id })).not.toBe(true);
  });
});
