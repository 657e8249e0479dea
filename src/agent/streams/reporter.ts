/**
 * Stream reports: the agent tells the hub, over the link, the state of every stream
 * (backlog, lag, counters, why a stream is held) when something changed, at most once
 * per interval. The same view answers `GET /v1/streams` on the local API.
 */

import type { StreamReport } from '../../api/link-protocol.js';
import type { LinkClient } from '../link/client.js';
import type { StreamConfigs } from './config.js';
import type { EgressPolicies } from './egress.js';
import type { StreamRow } from './schema.js';
import type { StreamSender } from './sender.js';
import type { StreamStore } from './store.js';

export interface ReporterDeps {
  store: StreamStore;
  configs: StreamConfigs;
  egress: EgressPolicies;
  sender: StreamSender;
  link: LinkClient;
  now: () => number;
}

export class StreamReporter {
  readonly #d: ReporterDeps;
  readonly #timer: NodeJS.Timeout;
  #dirty = true;

  constructor(deps: ReporterDeps, intervalMs: number) {
    this.#d = deps;
    this.#timer = setInterval(() => this.flush(), intervalMs);
    this.#timer.unref();
  }

  markDirty(): void {
    this.#dirty = true;
  }

  /** Sends a report if something changed and the link is up. */
  flush(): void {
    if (!this.#dirty || !this.#d.link.connected) return;
    if (this.#d.link.send({ type: 'stream-report', streams: this.reports() })) this.#dirty = false;
  }

  reports(): StreamReport[] {
    this.#d.configs.refresh();
    return this.#d.store.all().map((row) => this.#report(row));
  }

  report(name: string): StreamReport | undefined {
    const id = this.#d.store.find(name);
    return id === undefined ? undefined : this.#report(this.#d.store.row(id));
  }

  #report(row: StreamRow): StreamReport {
    const { store, configs, egress, sender, now } = this.#d;
    const config = configs.of(row.name);
    const oldest = row.pending > 0 ? store.oldestPendingTime(row.id) : undefined;
    const evaluator = config.ref ? egress.evaluator(config) : undefined;
    const held = evaluator?.hold ?? sender.heldReason(row.id);
    return {
      stream: row.name,
      ...(config.ref && { dataSync: config.ref }),
      ...(config.sink && { sink: config.sink }),
      priority: config.priority,
      epoch: store.epochs.idOf(row.epoch),
      lastSeq: row.next_seq - 1,
      backlog: row.pending,
      backlogBytes: row.bytes,
      lagSeconds: oldest === undefined ? 0 : Math.max(0, (now() - oldest) / 1000),
      written: row.written,
      delivered: row.delivered,
      evictedByAge: row.evicted_age,
      evictedByBytes: row.evicted_bytes,
      rejected: row.rejected,
      refusedByPolicy: row.refused,
      redacted: row.redacted,
      corrupt: row.corrupt,
      lost: row.lost,
      policy: evaluator ? (evaluator.hold ? 'held' : evaluator.summary) : 'unrouted',
      ...(held && { held }),
    };
  }

  close(): void {
    clearInterval(this.#timer);
  }
}
