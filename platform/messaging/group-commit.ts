/**
 * Work that arrives while a batch is being done waits, and is done together in the next batch
 * (a group commit): each caller's promise settles with its batch, and batches run one at a time.
 * The first item after a quiet spell goes at once, so a lone message waits for nothing.
 *
 * A batch that fails is done again an item at a time, so one bad item fails only its own
 * caller: a message redelivered with others must not use up their deliveries.
 */
export class GroupCommit<T> {
  private waiting: { item: T; settle: (err?: unknown) => void }[] = [];
  private running = false;

  constructor(
    private readonly work: (items: T[]) => Promise<void>,
    private readonly maxBatch: number,
  ) {}

  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, settle: (err) => (err === undefined ? resolve() : reject(err)) });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting.length) {
        const batch = this.waiting.splice(0, this.maxBatch);
        try {
          await this.work(batch.map((b) => b.item));
          batch.forEach((b) => b.settle());
        } catch (err) {
          if (batch.length === 1) batch[0].settle(err ?? new Error("the batch failed"));
          else for (const b of batch) await this.alone(b);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async alone(entry: { item: T; settle: (err?: unknown) => void }): Promise<void> {
    try {
      await this.work([entry.item]);
      entry.settle();
    } catch (err) {
      entry.settle(err ?? new Error("the item failed"));
    }
  }
}
