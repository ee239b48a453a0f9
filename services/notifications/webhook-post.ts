import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import type { VettedTarget } from "./webhook-target";

export interface PostResult {
  status?: number;
  error?: string;
  durationMs: number;
}

/** A lookup that answers the addresses the target was vetted at, whatever name it is asked. */
function pinnedLookup(target: VettedTarget): LookupFunction {
  return (_host, options, callback) => {
    const { addresses } = target;
    if ((options as { all?: boolean }).all) return callback(null, addresses);
    callback(null, addresses[0].address, addresses[0].family);
  };
}

/**
 * POSTs a body to a vetted target, connecting to its vetted addresses (TLS still checks the
 * certificate against the URL's host name). Redirects are not followed; the answer's body is
 * read and dropped.
 */
export function postToTarget(
  target: VettedTarget,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<PostResult> {
  const started = Date.now();
  const client = target.url.protocol === "https:" ? https : http;
  return new Promise((resolve) => {
    const done = (result: Omit<PostResult, "durationMs">) =>
      resolve({ ...result, durationMs: Date.now() - started });
    const req = client.request(target.url, {
      method: "POST",
      headers: { ...headers, "Content-Length": Buffer.byteLength(body) },
      lookup: pinnedLookup(target),
      timeout: timeoutMs,
      agent: false,
    });
    const deadline = setTimeout(() => req.destroy(new Error("timeout")), timeoutMs);
    req.on("response", (res) => {
      res.on("data", () => undefined);
      res.on("end", () => {
        clearTimeout(deadline);
        done({ status: res.statusCode });
      });
      res.on("error", () => undefined);
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (err) => {
      clearTimeout(deadline);
      done({ error: err.message === "timeout" ? "timeout" : "network error" });
    });
    req.end(body);
  });
}
