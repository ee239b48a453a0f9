import Redis from "ioredis";
import { addHealthCheck } from "./health";

/**
 * Fail fast while Redis is away (no offline queue, one retry a command), so a request gets a
 * 503 at once instead of hanging; keep reconnecting in the background. Every client of ours
 * (services' own, the cacher's) takes these.
 */
export const FAIL_FAST_REDIS = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  connectTimeout: 2000,
  retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
} as const;

export function createRedis(url: string, connectionName: string): Redis {
  return new Redis(url, { connectionName, ...FAIL_FAST_REDIS });
}

/** Wait for the first connection, but never block start-up on it: readiness reports the rest. */
function waitUntilReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === "ready") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off("ready", done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    redis.once("ready", done);
  });
}

/**
 * A service's own Redis client: reported as `redis` in its health, and its first connection
 * awaited briefly (`ready`) so the service does not start by answering 503s.
 */
export function serviceRedis(service: object, url: string, name: string) {
  const redis = createRedis(url, name);
  addHealthCheck(service, "redis", async () => {
    if (redis.status !== "ready") throw new Error(`redis is ${redis.status}`);
  });
  return { redis, ready: waitUntilReady(redis, 5000) };
}
