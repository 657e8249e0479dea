/**
 * Group commit for stream writes: appends that arrive in the same turn of the event
 * loop share one SQLite transaction (one fsync) and one witness update, and each
 * app hears back only after both are on disk. A write refused for lack of room rolls
 * back alone (a savepoint), and is counted.
 */
import { EdgewiseError } from '../../api/errors.js';
import { type Capacity, makeRoom } from './eviction.js';
import { type AppendResult, charge, type StreamStore } from './store.js';
import type { Witness, WitnessMap } from './witness.js';

interface Request {
  name: string;
  payloads: Buffer[];
  resolve(result: AppendResult): void;
  reject(err: unknown): void;
}

export class StreamWriter {
  readonly #store: StreamStore;
  readonly #capacity: Capacity;
  readonly #witness: Witness;
  readonly #now: () => number;
  readonly #onWritten: (names: string[]) => void;
  #queue: Request[] = [];
  #scheduled = false;
  #closed = false;

  constructor(options: {
    store: StreamStore;
    capacity: Capacity;
    witness: Witness;
    now: () => number;
    onWritten: (names: string[]) => void;
  }) {
    this.#store = options.store;
    this.#capacity = options.capacity;
    this.#witness = options.witness;
    this.#now = options.now;
    this.#onWritten = options.onWritten;
  }

  /** Resolves once the records are durable (SQLite and witness); rejects if refused. */
  append(name: string, payloads: Buffer[]): Promise<AppendResult> {
    if (this.#closed) return Promise.reject(new EdgewiseError('EW_UNAVAILABLE', 'the agent is stopping'));
    return new Promise((resolve, reject) => {
      this.#queue.push({ name, payloads, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return;
    const store = this.#store;
    const outcomes: ({ ok: AppendResult } | { err: unknown })[] = [];
    const now = this.#now();
    try {
      store.db.transaction(() => {
        store.epochs.current();
        for (const req of batch) {
          const id = store.ensure(req.name);
          const bytes = req.payloads.reduce((n, p) => n + charge(p), 0);
          try {
            outcomes.push({
              ok: store.db.transaction(() => {
                makeRoom(store, id, req.name, bytes, this.#capacity);
                return store.append(id, req.payloads, now);
              })(),
            });
          } catch (err) {
            if (!EdgewiseError.is(err)) throw err;
            if (err.code === 'EW_TOO_MANY_REQUESTS') store.add(id, 'rejected', req.payloads.length);
            outcomes.push({ err });
          }
        }
      })();
    } catch (err) {
      store.forgetAll();
      store.epochs.rolledBack();
      const failure = new EdgewiseError(
        'EW_UNAVAILABLE',
        `could not store the records: ${(err as Error).message}`,
        undefined,
        { cause: err },
      );
      for (const req of batch) req.reject(failure);
      return;
    }
    const marks: WitnessMap = {};
    for (const [i, outcome] of outcomes.entries()) {
      if ('ok' in outcome)
        marks[(batch[i] as Request).name] = { epoch: outcome.ok.epoch, seq: outcome.ok.last };
    }
    try {
      if (Object.keys(marks).length > 0) this.#witness.record(marks);
    } catch (err) {
      const failure = new EdgewiseError(
        'EW_UNAVAILABLE',
        `could not record the write: ${(err as Error).message}`,
      );
      for (const req of batch) req.reject(failure);
      return;
    }
    batch.forEach((req, i) => {
      const outcome = outcomes[i] as { ok: AppendResult } | { err: unknown };
      if ('ok' in outcome) req.resolve(outcome.ok);
      else req.reject(outcome.err);
    });
    this.#onWritten(Object.keys(marks));
  }

  /** Refuses new writes and finishes the queued ones. */
  close(): void {
    this.#closed = true;
    if (this.#queue.length > 0) this.#flush();
  }
}
