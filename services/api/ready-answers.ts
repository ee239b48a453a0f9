import { createHash } from "node:crypto";
import { LRUCache } from "lru-cache";
import { ID_PATTERN } from "../../platform/actions/ids";

/**
 * A read's answer as it is sent: its JSON, its length in bytes, and the entity tag a client
 * revalidates with. The JSON stays a string: Node writes a string body and the headers in one
 * write, a Buffer in two (a writev).
 */
export interface ReadyAnswer {
  body: string;
  length: number;
  etag: string;
}

/** Who an answer was made for: an admin sees what nobody else does (an inactive product). */
export type Audience = "admin" | "public";

/** The reads the gateway answers itself once it holds their answer: one product, by id. */
const PRODUCT_PATH = /^\/api\/v1\/products\/([^/?#]{1,64})$/;

/** The product id a URL reads, when it is a plain product read (no query, a valid id). */
export function productReadOf(url: string | undefined): string | undefined {
  if (url === undefined || url.length > 100) return undefined;
  const id = PRODUCT_PATH.exec(url)?.[1];
  return id !== undefined && ID_PATTERN.test(id) ? id : undefined;
}

/** The entity tag of a body: strong, since the bytes are exactly the ones sent. */
export function entityTag(body: string): string {
  return `"${createHash("sha1").update(body).digest("base64url")}"`;
}

/** Whether a client's `If-None-Match` names the tag (a list, or `*`). */
export function matchesTag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch || ifNoneMatch.length > 1000) return false;
  if (ifNoneMatch.trim() === "*") return true;
  return ifNoneMatch.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag);
}

/**
 * Answers of cached reads, serialised once and sent as they are: the read's action, its
 * context, its validation and its serialisation are each skipped while the answer holds.
 *
 * An answer goes when its product changes (the catalog broadcasts every change, stock moves
 * included) and after `ttlMs` at most, the bound the catalog's own cache keeps when a broadcast
 * is lost. A read asked before a change and answered after it is not kept: `ticket()` is taken
 * before the read, and any change since voids it.
 */
export class ReadyAnswers {
  private readonly answers?: LRUCache<string, ReadyAnswer>;
  private changes = 0;

  /** `max` 0 holds nothing: every read is routed. */
  constructor(max: number, ttlMs: number) {
    if (max > 0) this.answers = new LRUCache({ max, ttl: ttlMs });
  }

  get(id: string, audience: Audience): ReadyAnswer | undefined {
    return this.answers?.get(`${audience}:${id}`);
  }

  /** Taken before a read is asked for; `keep` takes its answer only if nothing changed since. */
  ticket(): number {
    return this.changes;
  }

  keep(ticket: number, id: string, audience: Audience, data: unknown): ReadyAnswer | undefined {
    if (!this.answers || ticket !== this.changes) return undefined;
    const body = JSON.stringify(data);
    const answer = { body, length: Buffer.byteLength(body), etag: entityTag(body) };
    this.answers.set(`${audience}:${id}`, answer);
    return answer;
  }

  /** These products changed (none named: any may have). */
  changed(ids: readonly string[]): void {
    this.changes++;
    if (ids.length === 0) return this.answers?.clear();
    for (const id of ids) {
      this.answers?.delete(`public:${id}`);
      this.answers?.delete(`admin:${id}`);
    }
  }
}
