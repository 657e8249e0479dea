/** Prometheus metrics of data ingest, registered on the hub's registry. */
import { Counter, Histogram, type Registry } from 'prom-client';

export interface IngestMetrics {
  records: Counter<'sink'>;
  duplicates: Counter;
  batches: Counter<'outcome'>;
  /** Seconds from the app's write at the edge to the commit at the hub. */
  lag: Histogram;
}

export function ingestMetrics(registry: Registry): IngestMetrics {
  return {
    records: new Counter({
      name: 'edgewise_ingest_records_total',
      help: 'Edge records committed at their sink, by sink type.',
      labelNames: ['sink'],
      registers: [registry],
    }),
    duplicates: new Counter({
      name: 'edgewise_ingest_duplicate_records_total',
      help: 'Records received again after they were committed (dropped by dedup).',
      registers: [registry],
    }),
    batches: new Counter({
      name: 'edgewise_ingest_batches_total',
      help: 'Stream batches by outcome: committed, duplicate, sink-unavailable, unrouted, out-of-order, busy, invalid.',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    lag: new Histogram({
      name: 'edgewise_ingest_lag_seconds',
      help: 'Time from a record being written at the edge to its commit at the hub.',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 30, 120, 600, 3600, 86400],
      registers: [registry],
    }),
  };
}
