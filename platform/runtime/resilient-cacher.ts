import { FAIL_FAST_REDIS } from "./redis";
import { Cachers, type ServiceBroker } from "moleculer";

type CacherInternals = {
  client: { on(event: string, listener: () => void): void };
  logger: { warn(...a: unknown[]): void; info(...a: unknown[]): void };
};

/**
 * Moleculer's Redis cacher fails the call when Redis is away. This one serves the call
 * uncached instead: a failed read is a miss, a failed write or clean is logged. Its client
 * fails fast rather than queue commands. When Redis comes back it is emptied of this prefix,
 * since cleans may have been missed meanwhile and would leave stale entries.
 */
export class ResilientRedisCacher extends Cachers.Redis {
  private degraded = false;

  constructor(url: string, prefix: string, ttl: number) {
    const u = new URL(url);
    super({
      prefix,
      ttl,
      redis: {
        host: u.hostname,
        port: Number(u.port || 6379),
        username: u.username || undefined,
        password: u.password ? decodeURIComponent(u.password) : undefined,
        db: Number(u.pathname.slice(1) || 0),
        tls: u.protocol === "rediss:" ? {} : undefined,
        ...FAIL_FAST_REDIS,
      },
    } as never);
  }

  override init(broker: ServiceBroker): void {
    super.init(broker);
    const self = this as unknown as CacherInternals;
    self.client.on("ready", () => {
      if (!this.degraded) return;
      this.degraded = false;
      self.logger.info("Redis is back: emptying the cache, which may hold entries a clean missed.");
      void super.clean("**").catch(() => undefined);
    });
  }

  private degrade(err: unknown): void {
    if (!this.degraded)
      (this as unknown as CacherInternals).logger.warn(
        "Cache unavailable, serving uncached:",
        (err as Error).message,
      );
    this.degraded = true;
  }

  override get(key: string) {
    return super.get(key).catch((err: unknown) => {
      this.degrade(err);
      return null;
    });
  }

  override set(key: string, data: unknown, ttl?: number) {
    return super.set(key, data, ttl).catch((err: unknown) => this.degrade(err));
  }

  override del(keys: string | string[]) {
    return super.del(keys).catch((err: unknown) => this.degrade(err));
  }

  override clean(match?: string | string[]) {
    return super.clean(match).catch((err: unknown) => this.degrade(err));
  }
}
