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

/** A write's `Idempotency-Key`, and the SHA-256 of the body it came with. */
export interface Idempotency {
  key: string;
  bodySha256: string;
}

/** A write's answer; `replayed` when it repeats an earlier write's under the same key. */
export interface WriteResult extends AppendResult {
  replayed?: boolean;
}

/** How long an idempotency key is remembered: a client retries within minutes, not days. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

interface Request {
  name: string;
  payloads: Buffer[];
  idempotency: Idempotency | undefined;
  resolve(result: WriteResult): void;
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

  /**
   * Resolves once the records are durable (SQLite and witness); rejects if refused.
   * With an idempotency key already used for this stream, nothing is written: the
   * earlier write's answer comes back (`replayed`), or EW_IDEMPOTENCY_KEY_REUSED if
   * that write had another body.
   */
  append(name: string, payloads: Buffer[], idempotency?: Idempotency): Promise<WriteResult> {
    if (this.#closed) return Promise.reject(new EdgewiseError('EW_UNAVAILABLE', 'the agent is stopping'));
    return new Promise((resolve, reject) => {
      this.#queue.push({ name, payloads, idempotency, resolve, reject });
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
    const outcomes: Outcome[] = [];
    const now = this.#now();
    try {
      store.db.transaction(() => {
        store.epochs.current();
        for (const req of batch) {
          const id = store.ensure(req.name);
          const idem = req.idempotency;
          // Looked up inside the transaction, so a retry that lands in the same batch
          // as its original finds it too.
          const earlier = idem && store.recall(id, idem.key);
          if (idem && earlier) {
            outcomes.push(replay(req.name, idem, earlier));
            continue;
          }
          const bytes = req.payloads.reduce((n, p) => n + charge(p), 0);
          try {
            outcomes.push({
              ok: store.db.transaction(() => {
                makeRoom(store, id, req.name, bytes, this.#capacity);
                const result = store.append(id, req.payloads, now);
                if (idem) store.remember(id, idem.key, idem.bodySha256, result, now);
                return result;
              })(),
            });
          } catch (err) {
            if (!EdgewiseError.is(err)) throw err;
            if (err.code === 'EW_TOO_MANY_REQUESTS') store.add(id, 'rejected', req.payloads.length);
            outcomes.push({ err });
          }
        }
        store.forgetKeysBefore(now - IDEMPOTENCY_TTL_MS);
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
      if ('ok' in outcome && !outcome.ok.replayed)
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
      const outcome = outcomes[i] as Outcome;
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

type Outcome = { ok: WriteResult } | { err: unknown };

function replay(name: string, idem: Idempotency, earlier: AppendResult & { bodySha256: string }): Outcome {
  if (earlier.bodySha256 !== idem.bodySha256)
    return {
      err: new EdgewiseError(
        'EW_IDEMPOTENCY_KEY_REUSED',
        `Idempotency-Key "${idem.key}" was used for another write to stream ${name}, with a different body`,
      ),
    };
  return { ok: { epoch: earlier.epoch, first: earlier.first, last: earlier.last, replayed: true } };
}
