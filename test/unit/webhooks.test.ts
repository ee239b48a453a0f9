import { createHmac } from "node:crypto";
import {
  retryDelayMs,
  signatureOf,
  signedHeaders,
  verdictOf,
  verifySignature,
} from "../../services/notifications/webhook-signing";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { postToTarget } from "../../services/notifications/webhook-post";
import {
  isPrivateAddress,
  isProblem,
  vetTarget,
} from "../../services/notifications/webhook-target";

/** What vetting a URL says: its problem, or "ok". */
async function verdict(url: string, allowPrivate: boolean): Promise<string> {
  const vetted = await vetTarget(url, allowPrivate);
  return isProblem(vetted) ? vetted : "ok";
}

describe("webhook signatures", () => {
  const secret = "whsec_test-secret-value";
  const body = '{"id":"e1","type":"orders.confirmed","ts":"2026-01-01T00:00:00Z","data":{}}';

  test("When a delivery is signed, then the signature is HMAC-SHA256 of '<timestamp>.<raw body>' as architecture §4 says", () => {
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
    "::ffff:7f00:1",
    "0.0.0.0",
    "::127.0.0.1",
    "64:ff9b::7f00:1",
    "64:ff9b:1::a00:1",
    "2002:7f00:1::1",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "240.0.0.1",
    "255.255.255.255",
    "198.51.100.7",
  ])("When the target is %s, then it is private", (address) =>
    expect(isPrivateAddress(address)).toBe(true),
  );

  test.each(["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "8.8.8.8"])(
    "When the target is %s, then it is public",
    (address) => expect(isPrivateAddress(address)).toBe(false),
  );

  test("When a URL targets the inside, then it is refused unless private targets are allowed", async () => {
    expect(await verdict("http://127.0.0.1:8080/hook", false)).toBe("private");
    expect(await verdict("http://[::1]/hook", false)).toBe("private");
    expect(await verdict("http://[::127.0.0.1]/hook", false)).toBe("private");
    expect(await verdict("http://localhost/hook", false)).toBe("private");
    expect(await verdict("http://127.0.0.1:8080/hook", true)).toBe("ok");
    expect(await verdict("https://93.184.216.34/hook", false)).toBe("ok");
    expect(await verdict("ftp://93.184.216.34/x", true)).toBe("scheme");
    expect(await verdict("https://user:pw@93.184.216.34/x", true)).toBe("credentials");
    expect(await verdict("https://no-such-host.invalid/x", false)).toBe("unresolvable");
  });

  test.each(["http://a b/", "http://example.com:99999/", "http://[::1/", "not a url"])(
    "When the URL %s cannot be parsed, then it is refused as a URL, not a crash",
    async (url) => expect(await verdict(url, true)).toBe("url"),
  );

  test("When a name resolves to a private address, then vetting refuses it", async () => {
    const resolve = async () => [{ address: "10.0.0.5", family: 4 }];
    expect(await vetTarget("https://looks-public.example/x", false, resolve)).toBe("private");
  });

  describe("a delivery to a vetted target", () => {
    let server: Server;
    let port: number;
    const hits: string[] = [];
    beforeAll(async () => {
      server = createServer((req, res) => {
        hits.push(String(req.headers.host));
        req.resume().on("end", () => res.writeHead(204).end());
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    test("When the post is sent, then it connects to the vetted address, never looking the name up again", async () => {
      // The name resolves nowhere: only the address vetted for it can be reached.
      const target = {
        url: new URL(`http://webhook-target.invalid:${port}/hook`),
        addresses: [{ address: "127.0.0.1", family: 4 }],
      };
      const result = await postToTarget(target, { "Content-Type": "application/json" }, "{}", 2000);
      expect(result.status).toBe(204);
      expect(hits).toContain(`webhook-target.invalid:${port}`);
    });
  });
});
