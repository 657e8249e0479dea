/**
 * Stream and DataSync status from what agents report and what the ledger committed.
 * Reports and commits only mark objects dirty; a flush every interval writes each
 * changed Stream once (so a busy stream costs one store write per interval, not one
 * per batch) and then the DataSyncs' totals and SinkReady condition.
 */
import type { Logger } from 'pino';
import { EdgewiseError } from '../../api/errors.js';
import {
  STREAM_NAME_LABEL,
  STREAM_NODE_LABEL,
  type StreamStatus,
  streamObjectName,
  streamType,
} from '../../api/kinds/data-stream.js';
import { dataSyncType } from '../../api/kinds/data-sync.js';
import type { StreamReport } from '../../api/link-protocol.js';
import type { ResourceService } from '../service/resource-service.js';
import type { IngestLedger } from './ledger.js';
import type { SinkHealth } from './sink-health.js';

interface Known {
  node: string;
  stream: string;
  report?: StreamReport;
  reportedAt?: string;
  delivered: number;
}

export interface StatusWriterOptions {
  service: ResourceService;
  ledger: IngestLedger;
  health: SinkHealth;
  logger: Logger;
  now: () => Date;
}

export class StreamStatusWriter {
  readonly #o: StatusWriterOptions;
  readonly #known = new Map<string, Known>();
  readonly #dirty = new Set<string>();
  readonly #dirtySyncs = new Set<string>();
  readonly #written = new Map<string, string>();
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(options: StatusWriterOptions) {
    this.#o = options;
  }

  report(node: string, reports: readonly StreamReport[]): void {
    const reportedAt = this.#o.now().toISOString();
    for (const report of reports) {
      const known = this.#entry(node, report.stream);
      if (known.report?.dataSync && known.report.dataSync !== report.dataSync)
        this.#dirtySyncs.add(known.report.dataSync);
      known.report = report;
      known.reportedAt = reportedAt;
      if (report.dataSync) this.#dirtySyncs.add(report.dataSync);
    }
  }

  committed(node: string, stream: string): void {
    const known = this.#entry(node, stream);
    if (known.report?.dataSync) this.#dirtySyncs.add(known.report.dataSync);
  }

  /** A DataSync's sink condition changed. */
  sinkChanged(ref: string): void {
    this.#dirtySyncs.add(ref);
  }

  #entry(node: string, stream: string): Known {
    const name = streamObjectName(node, stream);
    let known = this.#known.get(name);
    if (!known) {
      known = { node, stream, delivered: 0 };
      this.#known.set(name, known);
    }
    this.#dirty.add(name);
    return known;
  }

  start(intervalMs: number): void {
    this.#timer = setInterval(() => void this.flush(), intervalMs);
    this.#timer.unref();
  }

  /** Writes what changed; concurrent calls wait for the running flush. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing
      .then(() => this.#flush())
      .catch((err: unknown) => {
        this.#o.logger.warn({ err: (err as Error).message }, 'could not write stream status; retrying');
      });
    return this.#flushing;
  }

  async #flush(): Promise<void> {
    // One object that cannot be written must not hold up the others: each is retried alone.
    for (const name of [...this.#dirty]) {
      this.#dirty.delete(name);
      try {
        await this.#writeStream(name, this.#known.get(name) as Known);
      } catch (err) {
        this.#dirty.add(name);
        this.#o.logger.warn(
          { stream: name, err: (err as Error).message },
          'could not write stream status; will retry',
        );
      }
    }
    for (const ref of [...this.#dirtySyncs]) {
      this.#dirtySyncs.delete(ref);
      try {
        await this.#writeDataSync(ref);
      } catch (err) {
        this.#dirtySyncs.add(ref);
        this.#o.logger.warn(
          { dataSync: ref, err: (err as Error).message },
          'could not write DataSync status; will retry',
        );
      }
    }
  }

  async #writeStream(name: string, known: Known): Promise<void> {
    const totals = await this.#o.ledger.totals(known.node, known.stream);
    known.delivered = totals.delivered;
    const r = known.report;
    const fromReport: Partial<StreamStatus> = r
      ? {
          ...(r.dataSync && { dataSync: r.dataSync }),
          ...(r.sink && { sink: r.sink }),
          priority: r.priority,
          epoch: r.epoch,
          lastSeq: r.lastSeq,
          backlog: r.backlog,
          backlogBytes: r.backlogBytes,
          lagSeconds: Math.round(r.lagSeconds * 1000) / 1000,
          written: r.written,
          evicted: r.evictedByAge + r.evictedByBytes,
          evictedByAge: r.evictedByAge,
          evictedByBytes: r.evictedByBytes,
          rejected: r.rejected,
          refusedByPolicy: r.refusedByPolicy,
          redacted: r.redacted,
          corrupt: r.corrupt,
          lost: r.lost,
          policy: r.held ? `held: ${r.held}` : r.policy,
          ...(known.reportedAt && { reportedAt: known.reportedAt }),
        }
      : {};
    const status = {
      ...fromReport,
      delivered: totals.delivered,
      duplicatesDropped: totals.duplicates,
      gaps: totals.gaps,
    };
    const text = JSON.stringify(status);
    if (this.#written.get(name) === text) return;
    const { service } = this.#o;
    if (!(await service.find(streamType, '', name))) {
      try {
        await service.create(streamType, '', {
          apiVersion: 'edgewise.io/v1alpha1',
          kind: 'Stream',
          metadata: { name, labels: { [STREAM_NODE_LABEL]: known.node, [STREAM_NAME_LABEL]: known.stream } },
          spec: { node: known.node, stream: known.stream },
        });
      } catch (err) {
        if (!EdgewiseError.isCode(err, 'EW_ALREADY_EXISTS')) throw err;
      }
    }
    await service.modify(
      streamType,
      '',
      name,
      (live) => ({ ...live, status: { ...(live.status as object), ...status } }),
      {
        subresource: 'status',
      },
    );
    this.#written.set(name, text);
  }

  async #writeDataSync(ref: string): Promise<void> {
    const [namespace = '', name = ''] = ref.split('/');
    const mine = [...this.#known.values()].filter((k) => k.report?.dataSync === ref);
    const sink = this.#o.health.condition(ref);
    const status = {
      nodes: new Set(mine.map((k) => k.node)).size,
      streams: mine.length,
      backlog: mine.reduce((n, k) => n + (k.report?.backlog ?? 0), 0),
      delivered: mine.reduce((n, k) => n + k.delivered, 0),
      conditions: sink
        ? [
            {
              type: 'SinkReady',
              status: sink.ready ? 'True' : 'False',
              reason: sink.ready ? 'Delivering' : 'SinkUnavailable',
              message: sink.message,
              lastTransitionTime: sink.since,
            },
          ]
        : [],
    };
    const text = JSON.stringify(status);
    if (this.#written.get(`ds:${ref}`) === text) return;
    try {
      await this.#o.service.modify(dataSyncType, namespace, name, (live) => ({ ...live, status }), {
        subresource: 'status',
      });
      this.#written.set(`ds:${ref}`, text);
    } catch (err) {
      if (!EdgewiseError.isCode(err, 'EW_NOT_FOUND')) throw err;
    }
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.#flushing;
  }
}
