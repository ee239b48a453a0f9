import type { IncomingMessage } from "node:http";
import { clientIp } from "../../services/api/client-ip";

const request = (remote: string, forwarded?: string) =>
  ({
    socket: { remoteAddress: remote },
    headers: forwarded === undefined ? {} : { "x-forwarded-for": forwarded },
  }) as unknown as IncomingMessage;

describe("the client's address", () => {
  test("When no proxy is trusted, then the socket address counts and X-Forwarded-For is ignored", () => {
    expect(clientIp(request("::ffff:192.0.2.1", "6.6.6.6"), 0)).toBe("192.0.2.1");
  });

  test("When one proxy is trusted, then the address it appended counts, not what the client wrote", () => {
    expect(clientIp(request("10.0.0.2", "6.6.6.6, 198.51.100.7"), 1)).toBe("198.51.100.7");
    expect(clientIp(request("10.0.0.2", "6.6.6.6, 198.51.100.7, 10.0.0.9"), 2)).toBe(
      "198.51.100.7",
    );
  });

  test("When the header is missing or shorter than the trusted chain, then the socket address counts", () => {
    expect(clientIp(request("10.0.0.2"), 1)).toBe("10.0.0.2");
    expect(clientIp(request("10.0.0.2", "198.51.100.7"), 2)).toBe("10.0.0.2");
  });
});
