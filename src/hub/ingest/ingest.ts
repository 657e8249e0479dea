/**
 * Hub-side ingest of stream batches. Batches of one (node, epoch, stream) are handled
 * one after another, in arrival order; different streams and nodes in parallel. For
 * each batch: records at or below the ledger's position are duplicates (dropped,
 * counted); a batch that does not continue where the ledger stands is refused
 * (`out-of-order`) unless the agent shows it was told those records were committed
 * (the ledger lost state: the hole is counted as a gap); the rest goes to the sink
 * and, once durable there, the ledger advances — for the hub sink in the same
 * transaction as the records. Only then is the batch acknowledged.
 */
import type { Logger } from 'pino';
import { type DataSync, sinkTarget } from '../../api/kinds/data-sync.js';
import { hubRetentionMs, sinkType } from '../../api/kinds/data-sync-sinks.js';
import type { StreamBatchMessage } from '../../api/link-protocol.js';
import { type CommitEntry, type IngestLedger, keyText, type StreamKey } from './ledger.js';
import { checkBatch } from './messages.js';
import type { IngestMetrics } from './metrics.js';
import { dedupKey, type SinkRecord } from './sink.js';
import type { SinkPool } from './sink-factory.js';
import type { SinkHealth } from './sink-health.js';

type Reply = (message: { type: string } & Record<string, unknown>) => void;

/** Batches queued per stream key before new ones are refused with `busy`. */
const MAX_QUEUED = 32;

export interface IngestOptions {
  ledger: IngestLedger;
  /** The DataSync a batch names (namespace/name), from the hub's cache. */
  dataSync(ref: string): DataSync | undefined;
  sinks: SinkPool;
  health: SinkHealth;
  metrics: IngestMetrics;
  logger: Logger;
  now?: () => number;
  /** Told after every commit (stream status follows). */
  onCommitted?(node: string, stream: string): void;
}

export class Ingest {
  readonly #o: IngestOptions;
  readonly #log: Logger;
  readonly #positions = new Map<string, number>();
  readonly #queues = new Map<string, { tail: Promise<void>; size: number }>();

  constructor(options: IngestOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'hub.ingest' });
  }

  /** The link handler for `stream-batch`: queues the batch and returns at once. */
  handle(node: string, raw: Record<string, unknown>, reply: Reply): void {
    const problem = checkBatch(raw);
    if (problem) {
      this.#o.metrics.batches.inc({ outcome: 'invalid' });
      reply({
        type: 'stream-nack',
        id: raw.id ?? 0,
        stream: raw.stream ?? '',
        epoch: raw.epoch ?? '',
        code: 'invalid',
        message: problem,
        retryAfterMs: 60_000,
      });
      return;
    }
    const batch = raw as unknown as StreamBatchMessage;
    const key: StreamKey = { node, epoch: batch.epoch, stream: batch.stream };
    const k = keyText(key);
    const queue = this.#queues.get(k) ?? { tail: Promise.resolve(), size: 0 };
    if (queue.size >= MAX_QUEUED) {
      this.#nack(reply, batch, 'busy', 'too many batches queued for this stream', 1000);
      return;
    }
    queue.size++;
    this.#queues.set(k, queue);
    queue.tail = queue.tail
      .then(() => this.#process(key, batch, reply))
      .catch((err: unknown) => {
        this.#log.error({ err, node, stream: batch.stream }, 'stream batch failed');
        this.#nack(reply, batch, 'error', (err as Error).message, 5000);
      })
      .finally(() => {
        queue.size--;
        if (queue.size === 0 && this.#queues.get(k) === queue) this.#queues.delete(k);
      });
  }

  /** Resolves when every queued batch has been handled. */
  async drain(): Promise<void> {
    while (this.#queues.size > 0) await Promise.all([...this.#queues.values()].map((q) => q.tail));
  }

  async #position(key: StreamKey): Promise<number> {
    const k = keyText(key);
    const known = this.#positions.get(k);
    if (known !== undefined) return known;
    const position = await this.#o.ledger.position(key);
    this.#positions.set(k, position);
    return position;
  }

  async #process(key: StreamKey, batch: StreamBatchMessage, reply: Reply): Promise<void> {
    const { ledger, metrics } = this.#o;
    const ds = this.#o.dataSync(batch.dataSync);
    const type = ds ? sinkType(ds.spec?.sink) : undefined;
    if (!ds || !type)
      return this.#nack(
        reply,
        batch,
        'unrouted',
        `the hub knows no DataSync ${batch.dataSync} with a valid sink`,
        5000,
      );
    for (let attempt = 0; attempt < 4; attempt++) {
      const now = this.#now();
      const committed = await this.#position(key);
      const entry: CommitEntry = {
        key,
        expected: committed,
        to: committed,
        records: [],
        delivered: 0,
        duplicates: 0,
        gap: 0,
        now,
      };
      if (batch.to <= committed) {
        entry.duplicates = batch.records.length;
        if (entry.duplicates > 0) await ledger.commit([entry]);
        metrics.duplicates.inc(entry.duplicates);
        metrics.batches.inc({ outcome: 'duplicate' });
        return this.#ack(reply, batch, committed);
      }
      if (batch.from > committed + 1) {
        if (!(batch.base > committed && batch.from === batch.base + 1))
          return this.#nack(
            reply,
            batch,
            'out-of-order',
            `expected sequence ${committed + 1}, got ${batch.from}`,
            100,
          );
        entry.gap = batch.base - committed;
        this.#log.warn(
          { ...key, from: committed + 1, to: batch.base },
          'the edge had trimmed records this hub has no record of: the ingest ledger lost state; counted as a gap',
        );
      }
      const fresh = batch.records.filter((r) => r.seq > committed);
      entry.duplicates = batch.records.length - fresh.length;
      entry.delivered = fresh.length;
      entry.to = batch.to;
      if (type === 'hub') {
        entry.records = fresh.map((r) => ({
          seq: r.seq,
          time: Date.parse(r.time),
          data: JSON.stringify(r.data ?? null),
        }));
        entry.expires = now + hubRetentionMs(ds.spec.sink);
      } else if (fresh.length > 0) {
        const records: SinkRecord[] = fresh.map((r) => ({
          ...key,
          seq: r.seq,
          time: r.time,
          data: r.data,
          dedupKey: dedupKey({ ...key, seq: r.seq }),
        }));
        try {
          await this.#o.sinks.use(ds, (sink) => sink.deliver(records));
          this.#o.health.succeeded(ds);
        } catch (err) {
          const retry = this.#o.health.failed(ds, err);
          metrics.batches.inc({ outcome: 'sink-unavailable' });
          return this.#nack(
            reply,
            batch,
            'sink-unavailable',
            `${sinkTarget(ds.spec.sink)}: ${(err as Error).message}`,
            retry,
          );
        }
      }
      let outcome: Awaited<ReturnType<IngestLedger['commit']>>[number] | undefined;
      try {
        [outcome] = await ledger.commit([entry]);
      } catch (err) {
        if (type === 'hub') this.#o.health.failed(ds, err);
        metrics.batches.inc({ outcome: 'store-unavailable' });
        return this.#nack(reply, batch, 'store-unavailable', (err as Error).message, 2000);
      }
      if (outcome?.ok) {
        this.#positions.set(keyText(key), batch.to);
        if (type === 'hub') this.#o.health.succeeded(ds);
        metrics.records.inc({ sink: type }, fresh.length);
        metrics.duplicates.inc(entry.duplicates);
        metrics.batches.inc({ outcome: 'committed' });
        for (const r of fresh) metrics.lag.observe(Math.max(0, (now - Date.parse(r.time)) / 1000));
        this.#o.onCommitted?.(key.node, key.stream);
        return this.#ack(reply, batch, batch.to);
      }
      // Another hub replica moved the ledger: decide again from where it stands.
      this.#positions.set(keyText(key), outcome?.position ?? 0);
    }
    this.#nack(reply, batch, 'busy', 'the ledger kept moving under this batch', 500);
  }

  #now(): number {
    return (this.#o.now ?? Date.now)();
  }

  #ack(reply: Reply, batch: StreamBatchMessage, through: number): void {
    reply({ type: 'stream-ack', id: batch.id, stream: batch.stream, epoch: batch.epoch, through });
  }

  #nack(reply: Reply, batch: StreamBatchMessage, code: string, message: string, retryAfterMs: number): void {
    if (code !== 'sink-unavailable' && code !== 'store-unavailable')
      this.#o.metrics.batches.inc({ outcome: code });
    reply({
      type: 'stream-nack',
      id: batch.id,
      stream: batch.stream,
      epoch: batch.epoch,
      code,
      message,
      retryAfterMs,
    });
  }
}
