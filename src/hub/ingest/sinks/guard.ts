/**
 * A per-delivery tripwire: rejects when the deadline passes or when the connection the
 * delivery uses is lost, whichever comes first. `release()` detaches both, so a
 * long-lived connection does not collect one listener per batch it ever carried.
 */
import { DeadlineError } from './errors.js';

export class Guard {
  /** Never resolves; rejects with DeadlineError or the connection's loss reason. */
  readonly tripped: Promise<never>;
  #reject!: (reason: unknown) => void;
  readonly #timer: NodeJS.Timeout;
  readonly #watched: { signal: AbortSignal; listener: () => void }[] = [];

  constructor(ms: number) {
    this.tripped = new Promise<never>((_, reject) => {
      this.#reject = reject;
    });
    // Callers race against `tripped`; after a delivery settles nobody awaits it.
    this.tripped.catch(() => {});
    this.#timer = setTimeout(() => this.#reject(new DeadlineError(ms)), ms);
  }

  /** Also trips when `signal` aborts (the connection was lost), with its reason. */
  watch(signal: AbortSignal): void {
    if (signal.aborted) {
      this.#reject(signal.reason);
      return;
    }
    const listener = () => this.#reject(signal.reason);
    signal.addEventListener('abort', listener, { once: true });
    this.#watched.push({ signal, listener });
  }

  /** Races `work` against the tripwire. */
  run<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.tripped]);
  }

  release(): void {
    clearTimeout(this.#timer);
    for (const { signal, listener } of this.#watched) signal.removeEventListener('abort', listener);
    this.#watched.length = 0;
  }
}
