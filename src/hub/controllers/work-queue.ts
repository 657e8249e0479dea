/**
 * A keyed work queue as client-go's: a key waiting is queued once however often it
 * is added; a key added while being processed runs again afterwards; failures retry
 * with exponential back-off.
 */
import type { Logger } from 'pino';

export interface WorkQueueOptions {
  /** Parallel workers. @default 1 */
  concurrency?: number;
  /** First retry delay after a failure. @default 100 ms */
  baseDelayMs?: number;
  /** Longest retry delay. @default 30 s */
  maxDelayMs?: number;
}

export class WorkQueue {
  readonly #pending: string[] = [];
  readonly #queued = new Set<string>();
  readonly #active = new Set<string>();
  readonly #dirty = new Set<string>();
  readonly #failures = new Map<string, number>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #handler: (key: string) => Promise<void>;
  readonly #log: Logger;
  readonly #options: Required<WorkQueueOptions>;
  #running = 0;
  #closed = false;
  /** Work waits until run(): keys queued while informers fill their caches must not act on half a view. */
  #started = false;
  #idleWaiters: (() => void)[] = [];

  constructor(handler: (key: string) => Promise<void>, logger: Logger, options: WorkQueueOptions = {}) {
    this.#handler = handler;
    this.#log = logger;
    this.#options = { concurrency: 1, baseDelayMs: 100, maxDelayMs: 30_000, ...options };
  }

  /** Starts processing; call once the informers the handler reads from have synced. */
  run(): void {
    this.#started = true;
    this.#pump();
  }

  add(key: string): void {
    if (this.#closed) return;
    if (this.#active.has(key)) {
      this.#dirty.add(key);
      return;
    }
    if (this.#queued.has(key)) return;
    this.#queued.add(key);
    this.#pending.push(key);
    this.#pump();
  }

  addAfter(key: string, delayMs: number): void {
    if (this.#closed) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.#timers.add(timer);
  }

  /** Resolves when nothing is queued or running (tests and shutdown). */
  idle(): Promise<void> {
    if ((this.#pending.length === 0 || !this.#started) && this.#running === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  close(): void {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#pending.length = 0;
    this.#queued.clear();
  }

  #pump(): void {
    while (
      this.#started &&
      !this.#closed &&
      this.#running < this.#options.concurrency &&
      this.#pending.length > 0
    ) {
      const key = this.#pending.shift() as string;
      this.#queued.delete(key);
      this.#active.add(key);
      this.#running++;
      void this.#process(key);
    }
    if ((this.#pending.length === 0 || !this.#started) && this.#running === 0) {
      for (const w of this.#idleWaiters.splice(0)) w();
    }
  }

  async #process(key: string): Promise<void> {
    try {
      await this.#handler(key);
      this.#failures.delete(key);
    } catch (err) {
      const failures = (this.#failures.get(key) ?? 0) + 1;
      this.#failures.set(key, failures);
      const delay = Math.min(this.#options.maxDelayMs, this.#options.baseDelayMs * 2 ** (failures - 1));
      this.#log.warn(
        { key, failures, err: err instanceof Error ? err.message : String(err) },
        `retrying in ${delay} ms`,
      );
      this.addAfter(key, delay);
    } finally {
      this.#active.delete(key);
      this.#running--;
      if (this.#dirty.delete(key)) this.add(key);
      this.#pump();
    }
  }
}
