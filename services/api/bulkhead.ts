import { tooManyRequests, unavailable } from "../../platform/actions/errors";

/**
 * Requests a gateway holds at once, in all and by client address: past either limit, an answer
 * at once (503 for the node, 429 for one client) rather than a queue that grows until every
 * request times out. Counted from when the headers are in, before the body: one client sending
 * slow bodies holds its own share, not everyone's.
 */
export class Bulkhead {
  private inFlight = 0;
  private readonly byClient = new Map<string, number>();

  constructor(
    private readonly limit: number,
    private readonly perClient: number,
  ) {}

  /**
   * Takes a place for `client`, or says why not; `release` gives it back once answered. An
   * `exempt` request (a health probe) is counted but never turned away.
   */
  admit(client: string, exempt = false): { release(): void } {
    if (!exempt && this.inFlight >= this.limit) throw unavailable("Too many requests in flight");
    const ofClient = this.byClient.get(client) ?? 0;
    if (!exempt && ofClient >= this.perClient)
      throw tooManyRequests(1, "Too many requests in flight");
    this.byClient.set(client, ofClient + 1);
    this.inFlight++;
    return new Place(this, client);
  }

  /** @internal */
  leave(client: string): void {
    this.inFlight--;
    const left = (this.byClient.get(client) ?? 1) - 1;
    if (left > 0) this.byClient.set(client, left);
    else this.byClient.delete(client);
  }
}

/** A request's place, given back once; a class, so a request makes no closure for it. */
class Place {
  private released = false;

  constructor(
    private readonly bulkhead: Bulkhead,
    private readonly client: string,
  ) {}

  release(): void {
    if (this.released) return;
    this.released = true;
    this.bulkhead.leave(this.client);
  }
}
