/**
 * Data ingest as a hub feature: the DataSync, Stream and StreamRecord kinds, shipping
 * of DataSyncs and their policy ConfigMaps to nodes, the `stream-batch` and
 * `stream-report` link messages, the ledger (dedup state and the hub's own records),
 * sinks, stream status and record retention. See docs/data-sync.md.
 */
import type { Logger } from 'pino';
import { EdgewiseError } from '../../api/errors.js';
import { configMapType } from '../../api/kinds/core.js';
import { streamRecordType } from '../../api/kinds/data-record.js';
import { streamType } from '../../api/kinds/data-stream.js';
import { DATA_SYNC_STORAGE, type DataSync, dataSyncType } from '../../api/kinds/data-sync.js';
import type { StreamReportMessage } from '../../api/link-protocol.js';
import { PostgresStore } from '../../store/postgres/postgres-store.js';
import { Informer } from '../controllers/informer.js';
import type { HubFeature } from '../feature.js';
import type { Hub } from '../hub.js';
import { sinkOptionsAdmission } from './admission.js';
import { Ingest } from './ingest.js';
import { openPostgresLedger } from './ledger/postgres.js';
import { SqliteLedger } from './ledger/sqlite.js';
import type { IngestLedger } from './ledger.js';
import { checkReport } from './messages.js';
import { ingestMetrics } from './metrics.js';
import { recordsRoute } from './records-route.js';
import { dataSyncShipping, PolicyAnnotator, policyShipping } from './shipping.js';
import { BUILTIN_SINKS, type SinkImplementations, SinkPool } from './sink-factory.js';
import { SinkHealth } from './sink-health.js';
import { StreamStatusWriter } from './stream-status.js';

export interface DataIngestOptions {
  /**
   * The hub's store URL when it is PostgreSQL: the ledger then lives in the same
   * database and schema, shared by replicas. Otherwise `<dataDir>/ingest.db`.
   */
  store?: string;
  /** External sink implementations by type. @default the built-in ones (src/hub/ingest/sinks/) */
  sinks?: SinkImplementations;
  /** How often Stream and DataSync status is written. @default 1000 */
  statusIntervalMs?: number;
  /** How often expired hub records are deleted. @default 60000 */
  pruneIntervalMs?: number;
}

export class DataIngestFeature implements HubFeature {
  readonly name = 'data-ingest';
  readonly #o: DataIngestOptions;
  ledger: IngestLedger | undefined;
  ingest: Ingest | undefined;
  status: StreamStatusWriter | undefined;

  constructor(options: DataIngestOptions = {}) {
    this.#o = options;
  }

  async install(hub: Hub): Promise<void> {
    // First, before anything is registered: a ledger in the wrong place is a refusal.
    const ledger = await openLedger(hub, this.#o.store);
    for (const type of [dataSyncType, streamType, streamRecordType]) hub.registry.register(type);
    const implementations = this.#o.sinks ?? BUILTIN_SINKS;
    hub.admission.add(sinkOptionsAdmission(implementations, hub.service));
    const log = hub.logger.child({ component: 'hub.ingest' });
    this.ledger = ledger;
    hub.routes.push(recordsRoute(ledger, () => new Date()));
    const dataSyncs = new Informer(hub.store, DATA_SYNC_STORAGE, log);
    const configMaps = new Informer(hub.store, configMapType.storage, log);
    const health = new SinkHealth();
    const sinks = new SinkPool(implementations, hub.service);
    const status = new StreamStatusWriter({
      service: hub.service,
      ledger,
      health,
      logger: log,
      now: () => new Date(),
    });
    health.onChange = (ref) => status.sinkChanged(ref);
    const retain = () => sinks.retain(dataSyncs.list() as DataSync[]);
    dataSyncs.on({ update: retain, delete: retain });
    const ingest = new Ingest({
      ledger,
      dataSync: (ref) => {
        const [ns = '', name = ''] = ref.split('/');
        return dataSyncs.get(ns, name) as DataSync | undefined;
      },
      sinks,
      health,
      metrics: ingestMetrics(hub.metrics),
      logger: hub.logger,
      onCommitted: (node, stream) => status.committed(node, stream),
    });
    Object.assign(this, { ingest, status });
    const link = hub.link;
    if (link) {
      link.shipping.push(dataSyncShipping, policyShipping);
      link.handle('stream-batch', async (node, message, reply) => ingest.handle(node, message, reply));
      link.handle('stream-report', async (node, message) => {
        const problem = checkReport(message);
        if (problem) log.warn({ node, problem }, 'ignoring a malformed stream report');
        else status.report(node, (message as unknown as StreamReportMessage).streams);
      });
    }
    const annotator = new PolicyAnnotator({ dataSyncs, configMaps, service: hub.service, logger: log });
    let prune: NodeJS.Timeout | undefined;
    hub.extraControllers.push({
      name: 'data-ingest',
      start: async () => {
        await Promise.all([dataSyncs.start(), configMaps.start()]);
        annotator.schedule();
        status.start(this.#o.statusIntervalMs ?? 1000);
        prune = setInterval(() => void pruneQuietly(ledger, log), this.#o.pruneIntervalMs ?? 60_000);
        prune.unref();
      },
      stop: async () => {
        if (prune) clearInterval(prune);
        await annotator.stop();
        await ingest.drain();
        await status.stop();
        await Promise.all([dataSyncs.stop(), configMaps.stop()]);
        await sinks.close();
        await ledger.close();
      },
    });
  }
}

async function openLedger(hub: Hub, store: string | undefined): Promise<IngestLedger> {
  if (store && /^postgres(ql)?:\/\//i.test(store)) {
    const url = new URL(store);
    const schema = url.searchParams.get('schema') ?? undefined;
    url.searchParams.delete('schema');
    return openPostgresLedger({ connectionString: url.toString(), ...(schema && { schema }) });
  }
  if (hub.store instanceof PostgresStore)
    throw new EdgewiseError(
      'EW_INVALID',
      'the hub runs on PostgreSQL: give the data ingest feature the store URL so replicas share dedup state',
    );
  return new SqliteLedger(hub.dataDir);
}

async function pruneQuietly(ledger: IngestLedger, log: Logger): Promise<void> {
  try {
    const removed = await ledger.prune(Date.now());
    if (removed > 0) log.info({ removed }, 'removed hub records past their retention');
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'could not remove expired records');
  }
}

/** The data ingest feature for `edgewise hub` and `edgewise up`. */
export function dataIngestFeature(options: DataIngestOptions = {}): DataIngestFeature {
  return new DataIngestFeature(options);
}
