/**
 * What the sinks that hold a connection share: connect lazily on the first delivery,
 * bound each delivery by a deadline, drop the connection when it is lost or when a
 * delivery on it fails, and reconnect on the next delivery.
 *
 * Reconnecting on demand rather than in a background loop is deliberate: the hub
 * already retries an unacknowledged batch with its own backoff, and a client-side
 * offline queue (NATS and MQTT clients keep one) could publish a failed batch's
 * messages later, after the hub has moved on. A failed delivery therefore leaves
 * nothing behind: its connection is closed, with whatever the client still buffered.
 */
import type { EdgewiseError } from '../../../api/errors.js';
import type { Sink, SinkRecord } from '../sink.js';
import { ConnectionLostError, unavailable } from './errors.js';
import { Guard } from './guard.js';

interface Live<C> {
  readonly conn: C;
  /** Aborts, with the reason, when the connection is lost. */
  readonly lost: AbortSignal;
  disposed: boolean;
}

interface Slot<C> {
  readonly promise: Promise<Live<C>>;
  live?: Live<C>;
}

/** Called by a sink's `connect` when the connection it opened is gone. */
export type OnLost = (cause: Error) => void;

export abstract class ConnectedSink<C, Prepared> implements Sink {
  abstract readonly name: string;
  #slot: Slot<C> | undefined;
  readonly #inflight = new Set<Promise<unknown>>();
  readonly #disposing = new Set<Promise<void>>();
  #closed = false;

  constructor(private readonly timeoutMs: number) {}

  /** Turns a batch into what `send` publishes; throws (EW_INVALID, …) before anything is sent. */
  protected abstract prepare(batch: readonly SinkRecord[]): Prepared;
  /** Opens a connection; calls `onLost` whenever it later closes or breaks. */
  protected abstract connect(onLost: OnLost): Promise<C>;
  /** Publishes and resolves once the server has confirmed everything. */
  protected abstract send(conn: C, prepared: Prepared): Promise<void>;
  protected abstract disconnect(conn: C): Promise<void>;
  /** Maps anything `connect` or `send` threw to an EdgewiseError (see errors.ts). */
  protected abstract classify(err: unknown): EdgewiseError;

  async deliver(batch: readonly SinkRecord[]): Promise<void> {
    if (this.#closed) throw unavailable(this.name, 'the sink is closed');
    if (batch.length === 0) return;
    const prepared = this.prepare(batch);
    const run = this.#run(prepared);
    const settled = run.then(
      () => {},
      () => {},
    );
    this.#inflight.add(settled);
    try {
      await run;
    } finally {
      this.#inflight.delete(settled);
    }
  }

  /**
   * Waits for deliveries in flight (each bounded by `timeoutMs`), then closes the
   * connection. Deliveries after `close` fail with EW_UNAVAILABLE.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#inflight);
    const slot = this.#slot;
    this.#slot = undefined;
    const live = await slot?.promise.catch(() => undefined);
    if (live) this.#dispose(live);
    // Disposing a late connection can start more disposal; wait until none is left.
    while (this.#disposing.size > 0) await Promise.all(this.#disposing);
  }

  async #run(prepared: Prepared): Promise<void> {
    const guard = new Guard(this.timeoutMs);
    let live: Live<C> | undefined;
    try {
      live = await guard.run(this.#connection());
      guard.watch(live.lost);
      await guard.run(this.send(live.conn, prepared));
    } catch (err) {
      if (live) this.#discard(live);
      throw this.classify(err);
    } finally {
      guard.release();
    }
  }

  #connection(): Promise<Live<C>> {
    if (this.#closed) return Promise.reject(unavailable(this.name, 'the sink is closed'));
    if (this.#slot) return this.#slot.promise;
    const slot: Slot<C> = { promise: this.#open(() => slot) };
    this.#slot = slot;
    // A failed attempt frees the slot so the next delivery tries again.
    slot.promise.catch(() => {
      if (this.#slot === slot) this.#slot = undefined;
    });
    return slot.promise;
  }

  async #open(slot: () => Slot<C>): Promise<Live<C>> {
    const lost = new AbortController();
    const attempt = this.connect((cause) => lost.abort(cause));
    // Bounded on its own, not only by the delivery waiting for it: a server that accepts
    // the socket but never answers the handshake would otherwise hold the slot forever.
    const guard = new Guard(this.timeoutMs);
    let conn: C;
    try {
      conn = await guard.run(attempt);
    } catch (err) {
      // The client may still connect after we stopped waiting; close that connection too.
      this.#background(
        attempt.then(
          (late) => this.#dispose({ conn: late, lost: lost.signal, disposed: false }),
          () => {},
        ),
      );
      throw err;
    } finally {
      guard.release();
    }
    const live: Live<C> = { conn, lost: lost.signal, disposed: false };
    if (lost.signal.aborted) {
      this.#dispose(live);
      throw lost.signal.reason ?? new ConnectionLostError();
    }
    slot().live = live;
    lost.signal.addEventListener('abort', () => this.#discard(live), { once: true });
    if (this.#closed) {
      // close() ran while we were connecting and may already have looked at the slot.
      this.#discard(live);
      throw unavailable(this.name, 'the sink is closed');
    }
    return live;
  }

  /** Forgets a connection so the next delivery opens a new one, and closes it. */
  #discard(live: Live<C>): void {
    if (this.#slot?.live === live) this.#slot = undefined;
    this.#dispose(live);
  }

  #dispose(live: Live<C>): void {
    if (live.disposed) return;
    live.disposed = true;
    this.#background(this.disconnect(live.conn));
  }

  /**
   * Work close() waits for: closing connections. Bounded, because a client closing a
   * connection whose socket is half dead can wait forever for the server's goodbye.
   */
  #background(work: Promise<unknown>): void {
    const guard = new Guard(this.timeoutMs);
    const done = guard
      .run(work)
      .then(
        () => {},
        () => {
          // Closing an already broken connection may fail; the socket is gone either way.
        },
      )
      .finally(() => guard.release());
    this.#disposing.add(done);
    void done.then(() => this.#disposing.delete(done));
  }
}
