/**
 * Whether each DataSync's sink is taking deliveries, for its status condition and the
 * back-off agents are told to wait before resending (doubling to 30 s while it fails).
 */
import { type DataSync, refOf } from '../../api/kinds/data-sync.js';

export interface SinkCondition {
  ready: boolean;
  message: string;
  since: string;
}

export class SinkHealth {
  readonly #state = new Map<string, { failures: number; condition: SinkCondition }>();
  readonly #now: () => Date;
  /** Called when a DataSync's condition flips. */
  onChange: (ref: string) => void = () => {};

  constructor(now: () => Date = () => new Date()) {
    this.#now = now;
  }

  succeeded(ds: DataSync): void {
    const ref = refOf(ds);
    const previous = this.#state.get(ref);
    if (previous?.failures === 0) return;
    this.#state.set(ref, {
      failures: 0,
      condition: { ready: true, message: 'delivering', since: this.#now().toISOString() },
    });
    this.onChange(ref);
  }

  /** Records a failure; returns how long agents should wait before resending (ms). */
  failed(ds: DataSync, err: unknown): number {
    const ref = refOf(ds);
    const previous = this.#state.get(ref);
    const failures = (previous?.failures ?? 0) + 1;
    const message = (err as Error).message ?? String(err);
    const flipped = previous?.condition.ready !== false || previous.condition.message !== message;
    this.#state.set(ref, {
      failures,
      condition: {
        ready: false,
        message,
        since: flipped ? this.#now().toISOString() : (previous?.condition.since ?? ''),
      },
    });
    if (flipped) this.onChange(ref);
    return Math.min(30_000, 250 * 2 ** Math.min(failures, 7));
  }

  condition(ref: string): SinkCondition | undefined {
    return this.#state.get(ref)?.condition;
  }
}
