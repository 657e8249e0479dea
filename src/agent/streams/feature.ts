/**
 * Edge streams as an agent feature: the local API for workloads (records in,
 * ConfigMaps out), the durable backlog with its limits, the egress policy, the
 * transport up the link, and reports to the hub. See docs/data-sync.md.
 */
import type { Logger } from 'pino';
import type { StreamAckMessage, StreamNackMessage } from '../../api/link-protocol.js';
import type { WasmHostServices } from '../../runtime/wasm/host/services.js';
import type { AgentFeature, AgentFeatureContext } from '../feature.js';
import { StreamConfigs } from './config.js';
import { configRoute } from './config-route.js';
import { EgressPolicies } from './egress.js';
import { Epochs } from './epochs.js';
import { type Capacity, expire } from './eviction.js';
import { currentMarks, describeLoss, findLosses } from './integrity.js';
import { StreamReporter } from './reporter.js';
import { streamRoutes } from './routes.js';
import { STREAMS_FEATURE, STREAMS_MIGRATIONS } from './schema.js';
import { type SenderOptions, StreamSender } from './sender.js';
import { StreamStore } from './store.js';
import { wasmStreamHost } from './wasm-host.js';
import { Witness } from './witness.js';
import { StreamWriter } from './writer.js';

export interface StreamsFeatureOptions {
  /** All streams on the node together. @default 1 GiB */
  nodeMaxBytes?: number;
  /** Batching and flow control up the link. */
  sender?: Partial<SenderOptions>;
  /** Longest interval between stream reports while something changes. @default 2000 */
  reportIntervalMs?: number;
  /** How often records past their maxAge are evicted. @default 5000 */
  sweepIntervalMs?: number;
  /** Clock for record times and TTLs (tests). @default Date.now */
  now?: () => number;
}

export class StreamsFeature implements AgentFeature {
  readonly name = STREAMS_FEATURE;
  readonly #options: StreamsFeatureOptions;
  store: StreamStore | undefined;
  writer: StreamWriter | undefined;
  sender: StreamSender | undefined;
  reporter: StreamReporter | undefined;
  #witness: Witness | undefined;
  #sweep: NodeJS.Timeout | undefined;

  constructor(options: StreamsFeatureOptions = {}) {
    this.#options = options;
  }

  start(ctx: AgentFeatureContext): void {
    const now = this.#options.now ?? Date.now;
    const log = ctx.logger.child({ component: 'agent.streams' });
    ctx.state.migrateFeature(STREAMS_FEATURE, STREAMS_MIGRATIONS);
    const db = ctx.state.database;
    const store = new StreamStore(db, new Epochs(db));
    const witness = new Witness(ctx.dataDir);
    this.#witness = witness;
    this.#checkIntegrity(ctx, store, witness, log);
    const configs = new StreamConfigs(ctx.state);
    const egress = new EgressPolicies(ctx.state, log);
    const capacity: Capacity = {
      nodeMaxBytes: this.#options.nodeMaxBytes ?? 1024 ** 3,
      policyOf: (name) => {
        configs.refresh();
        const c = configs.of(name);
        return { limits: c.limits, priority: c.priority };
      },
    };
    const sender = new StreamSender(
      {
        store,
        configs,
        egress,
        link: ctx.link,
        node: ctx.nodeName,
        logger: log,
        onChange: () => reporter.markDirty(),
        onCorrupt: (stream, seq, epoch, why) =>
          warn(
            ctx,
            'StreamRecordCorrupt',
            `stream ${stream}: record ${seq} of epoch ${epoch} is corrupt (${why}); quarantined on the node, not sent`,
          ),
      },
      this.#options.sender,
    );
    const reporter = new StreamReporter(
      { store, configs, egress, sender, link: ctx.link, now },
      this.#options.reportIntervalMs ?? 2000,
    );
    const writer = new StreamWriter({
      store,
      capacity,
      witness,
      now,
      onWritten: () => {
        reporter.markDirty();
        sender.pump();
      },
    });
    ctx.link.on('stream-ack', (m) => sender.ack(m as unknown as StreamAckMessage));
    ctx.link.on('stream-nack', (m) => sender.nack(m as unknown as StreamNackMessage));
    ctx.link.onSynced(() => {
      reporter.markDirty();
      sender.reset();
      reporter.flush();
    });
    ctx.localApi.route(streamRoutes({ writer, reporter, store }));
    ctx.localApi.route(configRoute(ctx.state));
    this.#sweep = setInterval(() => {
      if (this.#expire(store, configs, now()) > 0) reporter.markDirty();
      sender.pump();
    }, this.#options.sweepIntervalMs ?? 5000);
    this.#sweep.unref();
    Object.assign(this, { store, writer, sender, reporter });
  }

  /** Durable writes for Wasm guests (`edgewise.stream_write`), through the same writer as the local API. */
  wasmHostServices(): WasmHostServices {
    return { streams: wasmStreamHost(() => this.writer) };
  }

  #checkIntegrity(ctx: AgentFeatureContext, store: StreamStore, witness: Witness, log: Logger): void {
    const losses = findLosses(store, witness);
    if (losses.length > 0) {
      ctx.state.database.transaction(() => {
        for (const loss of losses) store.add(store.ensure(loss.stream), 'lost', loss.to - loss.from + 1);
      })();
      for (const loss of losses) {
        log.error({ ...loss }, describeLoss(loss));
        warn(ctx, 'StreamRecordsLost', describeLoss(loss));
      }
    }
    witness.reset(currentMarks(store));
  }

  /** Evicts records past their stream's maxAge; returns how many. */
  #expire(store: StreamStore, configs: StreamConfigs, now: number): number {
    configs.refresh();
    let evicted = 0;
    for (const row of store.all()) {
      const { maxAgeMs } = configs.of(row.name).limits;
      if (maxAgeMs > 0 && row.pending + row.held > 0)
        evicted += store.db.transaction(() => expire(store, row.id, now - maxAgeMs))();
    }
    return evicted;
  }

  close(): void {
    if (this.#sweep) clearInterval(this.#sweep);
    this.writer?.close();
    this.sender?.close();
    this.reporter?.close();
    this.#witness?.close();
  }
}

function warn(ctx: AgentFeatureContext, reason: string, message: string): void {
  ctx.state.enqueueEvent({
    involvedObject: { kind: 'Node', apiVersion: 'v1', name: ctx.nodeName },
    type: 'Warning',
    reason,
    message,
    time: new Date().toISOString(),
  });
  ctx.link.flush();
}

/** The streams feature for `edgewise agent` and `edgewise up`. */
export function streamsFeature(options: StreamsFeatureOptions = {}): StreamsFeature {
  return new StreamsFeature(options);
}
