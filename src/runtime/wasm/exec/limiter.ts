/** Caps how many guests of one workload run at once; the rest wait in a bounded queue. */

export class Limiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly max: number,
    readonly maxQueue: number,
  ) {}

  /** Resolves with a release function, or undefined when the queue is full. */
  acquire(): Promise<(() => void) | undefined> {
    if (this.running < this.max) {
      this.running++;
      return Promise.resolve(this.releaser());
    }
    if (this.waiting.length >= this.maxQueue) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.waiting.push(() => resolve(this.releaser()));
    });
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.waiting.shift();
      // Hand the slot straight to the next waiter; `running` stays the same.
      if (next) next();
      else this.running--;
    };
  }
}
