import type Redis from "ioredis";
import type { Repository } from "../../platform/data/repository";
import { unavailable } from "../../platform/actions/errors";
import type { Cart } from "../../contracts/cart";
import { CartDoc } from "./model";

export type { Cart };

/** One cart a user; a cart untouched for the TTL is gone. Prices are never kept here. */
export interface CartStore {
  get(userId: string): Promise<Cart>;
  setItem(userId: string, productId: string, quantity: number): Promise<Cart>;
  removeItem(userId: string, productId: string): Promise<Cart>;
  clear(userId: string): Promise<void>;
}

function toCart(lines: Record<string, number>, updatedAt: string | null): Cart {
  const items = Object.entries(lines)
    .map(([productId, quantity]) => ({ productId, quantity: Number(quantity) }))
    .sort((a, b) => a.productId.localeCompare(b.productId));
  return { items, updatedAt: items.length ? updatedAt : null };
}

/** The embedded store: a document a user; expiry is checked on read and swept. */
export class RepositoryCartStore implements CartStore {
  constructor(
    private readonly carts: Repository<CartDoc>,
    private readonly ttlMs: number,
  ) {}

  async get(userId: string): Promise<Cart> {
    const doc = await this.carts.findOne({
      id: userId,
      expiresAt: { $gt: new Date().toISOString() },
    });
    return doc ? toCart(doc.items ?? {}, doc.updatedAt) : toCart({}, null);
  }

  private touch(): Record<string, string> {
    const now = Date.now();
    return {
      updatedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + this.ttlMs).toISOString(),
    };
  }

  async setItem(userId: string, productId: string, quantity: number): Promise<Cart> {
    await this.dropIfExpired(userId);
    await this.carts.upsert(
      { id: userId },
      { $set: { [`items.${productId}`]: quantity, ...this.touch() } },
    );
    return this.get(userId);
  }

  async removeItem(userId: string, productId: string): Promise<Cart> {
    await this.carts.updateOne(
      { id: userId },
      { $unset: { [`items.${productId}`]: true }, $set: this.touch() },
    );
    return this.get(userId);
  }

  async clear(userId: string): Promise<void> {
    await this.carts.deleteOne({ id: userId });
  }

  private async dropIfExpired(userId: string): Promise<void> {
    await this.carts.deleteOne({ id: userId, expiresAt: { $lte: new Date().toISOString() } });
  }

  /** Removes expired carts; the read check already hides them. */
  sweep(): Promise<number> {
    return this.carts.deleteMany({ expiresAt: { $lte: new Date().toISOString() } });
  }
}

const UPDATED_AT = "__updatedAt";

/** The cluster store: a Redis hash a cart, its TTL renewed on every change. */
export class RedisCartStore implements CartStore {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
    private readonly prefix = "bazaar:cart:",
  ) {}

  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch {
      throw unavailable("Cart store unavailable");
    }
  }

  async get(userId: string): Promise<Cart> {
    const hash = await this.run(() => this.redis.hgetall(this.prefix + userId));
    const { [UPDATED_AT]: updatedAt = null, ...lines } = hash;
    return toCart(
      Object.fromEntries(Object.entries(lines).map(([k, v]) => [k, Number(v)])),
      updatedAt,
    );
  }

  private async write(
    userId: string,
    change: (m: ReturnType<Redis["multi"]>) => void,
  ): Promise<Cart> {
    const key = this.prefix + userId;
    await this.run(() => {
      const multi = this.redis.multi();
      change(multi);
      multi.hset(key, UPDATED_AT, new Date().toISOString()).expire(key, this.ttlSeconds);
      return multi.exec();
    });
    return this.get(userId);
  }

  setItem(userId: string, productId: string, quantity: number): Promise<Cart> {
    return this.write(userId, (m) => m.hset(this.prefix + userId, productId, String(quantity)));
  }

  async removeItem(userId: string, productId: string): Promise<Cart> {
    const removed = await this.run(() => this.redis.hdel(this.prefix + userId, productId));
    if (removed)
      await this.run(() =>
        this.redis.hset(this.prefix + userId, UPDATED_AT, new Date().toISOString()),
      );
    return this.get(userId);
  }

  async clear(userId: string): Promise<void> {
    await this.run(() => this.redis.del(this.prefix + userId));
  }
}
