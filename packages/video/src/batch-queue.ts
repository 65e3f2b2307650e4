/**
 * The hand-off between an epoch's producer and its consumer: at most
 * `capacity` items wait, so decoding runs ahead of training by a bounded
 * amount. The consumer closes it to stop early; the producer ends it when
 * it has nothing more.
 */
export class BatchQueue<T> {
  private readonly items: T[] = [];
  private waiters: (() => void)[] = [];
  private closedFlag = false;
  private ended = false;

  constructor(private readonly capacity: number) {}

  /** True once the consumer stopped: the producer should stop too. */
  get closed(): boolean {
    return this.closedFlag;
  }

  /** Waits for room, then adds `item`; false (item dropped) if the consumer stopped meanwhile. */
  async put(item: T): Promise<boolean> {
    while (this.items.length >= this.capacity && !this.closedFlag) await this.changed();
    if (this.closedFlag) return false;
    this.items.push(item);
    this.notify();
    return true;
  }

  /** Waits for an item; undefined once the producer ended and nothing is left. */
  async take(): Promise<T | undefined> {
    while (this.items.length === 0 && !this.ended) await this.changed();
    const item = this.items.shift();
    this.notify();
    return item;
  }

  /** The producer is done (finished or failed). */
  end(): void {
    this.ended = true;
    this.notify();
  }

  /** The consumer stopped: drops what is queued and wakes a producer waiting for room. */
  close(): void {
    this.closedFlag = true;
    this.items.length = 0;
    this.notify();
  }

  private changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
