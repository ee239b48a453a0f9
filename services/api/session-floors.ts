import type { TokenSubject } from "../../platform/actions/jwt";
import type { SessionsEnded } from "../../contracts/users";
export type { SessionsEnded };

/** One user's sessions ended, as `users.sessionsEnded` and the `users.sessions.ended` event say. */

const PAGE = 1000;
/** Rows written in the same moment may commit out of order: read a little behind. */
const OVERLAP_MS = 2000;

/**
 * The lowest session version each user's tokens may carry, held in memory on every gateway so a
 * token check reads no database. Filled from the users service by polling (events may be lost)
 * and by its broadcast (the poll is the bound, the event the common case). Until the first load
 * succeeds no token is taken: a gateway that cannot know which sessions ended fails closed.
 */
export class SessionFloors {
  private readonly floors = new Map<string, { version: number; endedAt: string }>();
  private since: string;
  private readonly tokenTtlMs: number;
  loaded = false;

  /** Tokens live at most `tokenTtlSeconds`: sessions ended before that need no floor. */
  constructor(tokenTtlSeconds: number, now = Date.now()) {
    this.tokenTtlMs = tokenTtlSeconds * 1000;
    this.since = new Date(now - this.tokenTtlMs).toISOString();
  }

  record(ended: SessionsEnded): void {
    if ((this.floors.get(ended.userId)?.version ?? 0) < ended.sessionVersion)
      this.floors.set(ended.userId, { version: ended.sessionVersion, endedAt: ended.endedAt });
  }

  accepts(subject: TokenSubject): boolean {
    return (subject.sessionVersion ?? 0) >= (this.floors.get(subject.id)?.version ?? 0);
  }

  /** How many users' floors are held: those whose sessions ended within a token's life. */
  get size(): number {
    return this.floors.size;
  }

  /**
   * A floor older than a token's life guards nothing (every token issued before it has expired),
   * so it goes: a gateway that runs for months holds only the last hour's password changes.
   */
  private forgetBefore(cutoff: string): void {
    for (const [userId, floor] of this.floors)
      if (floor.endedAt < cutoff) this.floors.delete(userId);
  }

  /** Reads what ended since the last read, by the users node's own clock, a little behind. */
  async refresh(fetch: (since: string) => Promise<SessionsEnded[]>): Promise<void> {
    let newest = this.since;
    for (let from = this.since; ;) {
      const rows = await fetch(from);
      rows.forEach((row) => this.record(row));
      const last = rows.at(-1)?.endedAt;
      if (last && last > newest) newest = last;
      if (rows.length < PAGE || !last) break;
      from = last;
    }
    const behind = new Date(Date.parse(newest) - OVERLAP_MS).toISOString();
    if (behind > this.since) this.since = behind;
    // By the users node's clock, as every endedAt is.
    this.forgetBefore(new Date(Date.parse(newest) - this.tokenTtlMs).toISOString());
    this.loaded = true;
  }
}
