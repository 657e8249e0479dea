/** Caps how many guests of one workload run at once; the rest wait in a bounded queue. */

export class Limiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly max: number,
    readonly maxQueue: number,
  ) {}

  /**
   * Calls `start` now if a slot is free, else once one is (in arrival order); returns
   * false, without calling it, when the queue is full. Callbacks, not promises: this
   * sits on every request's path.
   */
  enter(start: () => void): boolean {
    if (this.running < this.max) {
      this.running++;
      start();
      return true;
    }
    if (this.waiting.length >= this.maxQueue) return false;
    this.waiting.push(start);
    return true;
  }

  /** Gives back a slot taken by enter(); call once per slot. */
  release(): void {
    const next = this.waiting.shift();
    // Hand the slot straight to the next waiter; `running` stays the same.
    if (next) next();
    else this.running--;
  }
}
