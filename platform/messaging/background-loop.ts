import type { LoggerInstance } from "moleculer";

/**
 * A periodic job that never overlaps itself, can be woken early, and finishes its current
 * pass before a node stops.
 */
export class BackgroundLoop {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  /** Nothing runs before `start()`: a wake-up then is kept for the start. */
  private stopped = true;
  private wokenEarly = false;
  /** Woken while a pass ran: what woke it may have come after the pass read its work. */
  private wokenDuringPass = false;
  /** Bumped by every start asked for and every stop, so a late `startWhen` starts nothing. */
  private starts = 0;

  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly pass: () => Promise<void>,
    private readonly logger: LoggerInstance,
  ) {}

  /**
   * Starts once `ready` settles (a node's channels connected), unless stopped before: a pass
   * that publishes never runs ahead of what it publishes through.
   */
  startWhen(ready: Promise<unknown>): void {
    const generation = ++this.starts;
    void ready.then(() => {
      if (generation === this.starts) this.start();
    });
  }

  start(): void {
    this.stopped = false;
    this.schedule(this.wokenEarly ? 0 : this.intervalMs);
    this.wokenEarly = false;
  }

  /** Run soon (after the current pass, if one is running); before `start()`, at the start. */
  wake(): void {
    if (this.stopped) this.wokenEarly = true;
    else if (this.running) this.wokenDuringPass = true;
    else this.schedule(0);
  }

  private schedule(delay: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.run(), delay);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    if (this.running || this.stopped) return;
    this.wokenDuringPass = false;
    this.running = this.pass().catch((err) =>
      this.logger.warn(`${this.name} pass failed:`, (err as Error).message),
    );
    await this.running;
    this.running = undefined;
    if (!this.stopped) this.schedule(this.wokenDuringPass ? 0 : this.intervalMs);
  }

  async stop(): Promise<void> {
    this.starts++;
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
