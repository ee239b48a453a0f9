import { createHmac } from "node:crypto";
import {
  retryDelayMs,
  signatureOf,
  signedHeaders,
  verdictOf,
  verifySignature,
} from "../../services/notifications/webhook-signing";
import { isPrivateAddress, targetProblem } from "../../services/notifications/webhook-target";

describe("webhook signatures", () => {
  const secret = "whsec_test-secret-value";
  const body = '{"id":"e1","type":"orders.confirmed","ts":"2026-01-01T00:00:00Z","data":{}}';

  test("When a delivery is signed, then the signature is HMAC-SHA256 of '<timestamp>.<raw body>' as DESIGN §4 says", () => {
    const now = Date.parse("2026-11-21T12:00:00Z");
    const headers = signedHeaders(secret, "orders.confirmed", body, now);
    const timestamp = String(now / 1000);
    expect(headers["x-bazaar-timestamp"]).toBe(timestamp);
    expect(headers["x-bazaar-event"]).toBe("orders.confirmed");
    const expected = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
    expect(headers["x-bazaar-signature"]).toBe(`sha256=${expected}`);
  });

  test("When a receiver verifies, then a changed body, another secret or an old timestamp fail", () => {
    const now = Date.now();
    const h = signedHeaders(secret, "orders.confirmed", body, now);
    const given = { timestamp: h["x-bazaar-timestamp"], signature: h["x-bazaar-signature"] };
    expect(verifySignature(secret, given, body, 300, now)).toBe(true);
    expect(verifySignature(secret, given, body + " ", 300, now)).toBe(false);
    expect(verifySignature("whsec_other-secret-value", given, body, 300, now)).toBe(false);
    expect(verifySignature(secret, given, body, 300, now + 301_000)).toBe(false);
    expect(
      verifySignature(
        secret,
        { ...given, signature: signatureOf(secret, 1, body) },
        body,
        300,
        now,
      ),
    ).toBe(false);
  });

  test("When retries back off, then each wait lies between half and all of base × 2^(n-1), capped at an hour", () => {
    expect(retryDelayMs(1, 1000, () => 0)).toBe(500);
    expect(retryDelayMs(1, 1000, () => 1)).toBe(1000);
    expect(retryDelayMs(4, 1000, () => 1)).toBe(8000);
    expect(retryDelayMs(30, 1000, () => 1)).toBe(3_600_000);
  });

  test("When a receiver answers, then 2xx is delivered, 408/429/5xx and no answer are retried, other 4xx final", () => {
    expect(verdictOf(200)).toBe("delivered");
    expect(verdictOf(204)).toBe("delivered");
    expect([undefined, 408, 429, 500, 503].map(verdictOf)).toEqual(Array(5).fill("retry"));
    expect([301, 400, 401, 404, 410].map(verdictOf)).toEqual(Array(5).fill("failed"));
  });
});

describe("webhook targets", () => {
  test.each([
    "127.0.0.1",
    "10.1.2.3",
    "172.20.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "::1",
    "fd00::1",
    "::ffff:10.0.0.1",
    "0.0.0.0",
  ])("When the target is %s, then it is private", (address) =>
    expect(isPrivateAddress(address)).toBe(true),
  );

  test.each(["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "8.8.8.8"])(
    "When the target is %s, then it is public",
    (address) => expect(isPrivateAddress(address)).toBe(false),
  );

  test("When a URL targets the inside, then it is refused unless private targets are allowed", async () => {
    expect(await targetProblem("http://127.0.0.1:8080/hook", false)).toBe("private");
    expect(await targetProblem("http://[::1]/hook", false)).toBe("private");
    expect(await targetProblem("http://localhost/hook", false)).toBe("private");
    expect(await targetProblem("http://127.0.0.1:8080/hook", true)).toBeNull();
    expect(await targetProblem("https://93.184.216.34/hook", false)).toBeNull();
    expect(await targetProblem("ftp://93.184.216.34/x", true)).toBe("scheme");
    expect(await targetProblem("https://user:pw@93.184.216.34/x", true)).toBe("credentials");
    expect(await targetProblem("https://no-such-host.invalid/x", false)).toBe("unresolvable");
  });
});
