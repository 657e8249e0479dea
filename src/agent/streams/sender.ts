/**
 * Moves backlogs up the link. Flow control: at most `window` batches in flight for
 * the node and `perStream` per stream, each at most `batchBytes`; nothing is written
 * while the socket holds more than `maxBufferedBytes` unsent, so control messages
 * (acks of desired state, heartbeats, status) never queue behind more than that.
 * Priority is strict: a stream sends only while no stream of higher priority has
 * batches in flight or records to send (round robin among equals). The hub acknowledges each batch once the sink has it; only then is
 * anything trimmed. A refusal rewinds the stream to what was acknowledged.
 */
import type { Logger } from 'pino';
import type { StreamAckMessage, StreamNackMessage } from '../../api/link-protocol.js';
import type { LinkClient } from '../link/client.js';
import { compose, type Position } from './batcher.js';
import type { StreamConfigs } from './config.js';
import type { EgressPolicies } from './egress.js';
import type { StreamStore } from './store.js';

export interface SenderOptions {
  /** @default 500 */
  batchRecords: number;
  /** @default 256 KiB */
  batchBytes: number;
  /** Batches in flight for the node. @default 8 */
  window: number;
  /** Batches in flight per stream. @default 4 */
  perStream: number;
  /** Stop writing while the link's socket has this much queued. @default 512 KiB */
  maxBufferedBytes: number;
}

export const DEFAULT_SENDER: SenderOptions = {
  batchRecords: 500,
  batchBytes: 256 * 1024,
  window: 8,
  perStream: 4,
  maxBufferedBytes: 512 * 1024,
};

interface StreamState {
  cursor: Position;
  inflight: number;
  blockedUntil: number;
  lastSent: number;
  /** Why the stream is not sending (policy held, sink down, unrouted), for reports. */
  held?: string;
}

export interface SenderDeps {
  store: StreamStore;
  configs: StreamConfigs;
  egress: EgressPolicies;
  link: LinkClient;
  node: string;
  logger: Logger;
  onChange: () => void;
  onCorrupt: (stream: string, seq: number, epoch: string, why: string) => void;
}

interface Flight {
  stream: number;
  priority: number;
  redacted: number;
}

export class StreamSender {
  readonly stats = { batches: 0, records: 0, nacks: 0 };
  readonly #o: SenderOptions;
  readonly #d: SenderDeps;
  readonly #streams = new Map<number, StreamState>();
  readonly #flights = new Map<number, Flight>();
  #nextId = 1;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = 0;
  #closed = false;

  constructor(deps: SenderDeps, options: Partial<SenderOptions> = {}) {
    this.#d = deps;
    this.#o = { ...DEFAULT_SENDER, ...options };
  }

  /** A new link: whatever was in flight on the old one is resent from the acknowledged position. */
  reset(): void {
    this.#flights.clear();
    this.#streams.clear();
    this.pump();
  }

  heldReason(stream: number): string | undefined {
    return this.#streams.get(stream)?.held;
  }

  #state(id: number): StreamState {
    let st = this.#streams.get(id);
    if (!st) {
      const row = this.#d.store.row(id);
      st = {
        cursor: { epoch: row.acked_epoch, seq: row.acked_seq },
        inflight: 0,
        blockedUntil: 0,
        lastSent: 0,
      };
      this.#streams.set(id, st);
    }
    return st;
  }

  pump(): void {
    const { store, configs, egress, link } = this.#d;
    if (this.#closed || !link.connected) return;
    configs.refresh();
    const now = Date.now();
    const candidates = store
      .all()
      .map((row) => ({ row, config: configs.of(row.name), st: this.#state(row.id) }))
      .filter(({ row, st }) => {
        const c = st.cursor;
        return row.epoch > c.epoch || (row.epoch === c.epoch && row.next_seq - 1 > c.seq);
      })
      .sort((a, b) => b.config.priority - a.config.priority || a.st.lastSent - b.st.lastSent);
    let wake = Number.POSITIVE_INFINITY;
    // Strict priority: while a stream has batches in flight or more to send, streams of
    // lower priority wait (equal priorities share the link round robin).
    let floor = Number.NEGATIVE_INFINITY;
    for (const f of this.#flights.values()) floor = Math.max(floor, f.priority);
    for (const { row, config, st } of candidates) {
      if (config.priority < floor) break;
      if (!config.ref) {
        st.held = 'no DataSync routes this stream; its records stay on the node';
        continue;
      }
      if (st.blockedUntil > now) {
        wake = Math.min(wake, st.blockedUntil);
        continue;
      }
      if (st.held?.startsWith('no DataSync')) st.held = undefined;
      const evaluator = egress.evaluator(config);
      if (evaluator.hold) {
        st.held = evaluator.hold;
        wake = Math.min(wake, now + 2000);
        continue;
      }
      while (st.inflight < this.#o.perStream && this.#flights.size < this.#o.window) {
        if (link.bufferedAmount > this.#o.maxBufferedBytes) {
          // The socket is full: control messages go first; look again shortly.
          this.#schedule(now + 10);
          return;
        }
        const composed = compose(store, {
          id: row.id,
          config,
          evaluator,
          node: this.#d.node,
          cursor: st.cursor,
          acked: { epoch: store.row(row.id).acked_epoch, seq: store.row(row.id).acked_seq },
          mayChangeEpoch: st.inflight === 0,
          limits: { records: this.#o.batchRecords, bytes: this.#o.batchBytes },
          logger: this.#d.logger,
          onCorrupt: (seq, epoch, why) => this.#d.onCorrupt(row.name, seq, epoch, why),
        });
        if (!composed) break;
        floor = Math.max(floor, config.priority);
        if ('wait' in composed) break;
        const id = this.#nextId++;
        if (!link.send({ ...composed.message, id })) return;
        this.#flights.set(id, { stream: row.id, priority: config.priority, redacted: composed.redacted });
        st.cursor = composed.last;
        st.held = undefined;
        st.inflight++;
        st.lastSent = now;
        this.stats.batches++;
        this.stats.records += composed.message.records.length;
      }
      if (this.#flights.size >= this.#o.window) break;
    }
    if (wake < Number.POSITIVE_INFINITY) this.#schedule(wake);
  }

  /** Pumps again at `at` (or earlier, if an earlier wake-up is already set). */
  #schedule(at: number): void {
    if (this.#closed || (this.#timer && this.#timerAt <= at)) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.pump();
      },
      Math.max(5, at - Date.now()),
    );
    this.#timer.unref();
  }

  ack(message: StreamAckMessage): void {
    const { store } = this.#d;
    const id = store.find(message.stream);
    const epoch = store.epochs.noOf(message.epoch);
    if (id === undefined || epoch === undefined) return;
    const flight = this.#flights.get(message.id);
    const ours = flight?.stream === id;
    store.db.transaction(() => {
      store.ack(id, epoch, message.through);
      if (ours) store.add(id, 'redacted', flight.redacted);
    })();
    const st = this.#state(id);
    if (ours) {
      this.#flights.delete(message.id);
      st.inflight--;
      st.held = undefined;
    }
    const c = st.cursor;
    if (epoch > c.epoch || (epoch === c.epoch && message.through > c.seq))
      st.cursor = { epoch, seq: message.through };
    this.#d.onChange();
    this.pump();
  }

  nack(message: StreamNackMessage): void {
    const flight = this.#flights.get(message.id);
    if (!flight) return;
    this.stats.nacks++;
    for (const [fid, f] of this.#flights) if (f.stream === flight.stream) this.#flights.delete(fid);
    const row = this.#d.store.row(flight.stream);
    const st = this.#state(flight.stream);
    st.inflight = 0;
    st.cursor = { epoch: row.acked_epoch, seq: row.acked_seq };
    st.blockedUntil = Date.now() + Math.max(50, message.retryAfterMs);
    st.held = `${message.code}: ${message.message}`;
    this.#d.logger.warn(
      { stream: message.stream, code: message.code },
      `hub refused a batch: ${message.message}`,
    );
    this.#d.onChange();
    this.#schedule(st.blockedUntil);
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
  }
}
