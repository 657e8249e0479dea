/** Batches of records as the hub hands them to a sink, with names unique to this run. */
import { dedupKey, type SinkRecord } from '../../../../../src/hub/ingest/sink.js';

let counter = 0;

/** A name no other test (in this or a concurrent run) uses: `<prefix>-<pid>-<time>-<n>`. */
export function unique(prefix: string, separator = '-'): string {
  counter += 1;
  return [prefix, process.pid, Date.now().toString(36), counter].join(separator);
}

export interface BatchSpec {
  node?: string;
  epoch?: string;
  stream?: string;
  /** First sequence number. @default 1 */
  from?: number;
  count: number;
}

/** `count` consecutive records of one (node, epoch, stream), like a shipment feed. */
export function batch(spec: BatchSpec): SinkRecord[] {
  const node = spec.node ?? 'store-001';
  const epoch = spec.epoch ?? 'e1';
  const stream = spec.stream ?? 'shipments';
  const from = spec.from ?? 1;
  return Array.from({ length: spec.count }, (_, i) => {
    const seq = from + i;
    const record = {
      node,
      epoch,
      stream,
      seq,
      time: new Date(Date.UTC(2026, 10, 22, 8, 0, 0, seq)).toISOString(),
      data: { po: `PO-${seq}`, status: 'arrived', site: node, lines: [{ sku: 'A-1', qty: seq % 7 }] },
    };
    return { ...record, dedupKey: dedupKey(record) };
  });
}
