/**
 * Where synced edge records go once the hub has them: its own store, or a broker or
 * database. A sink is told about a batch and resolves only when the batch is
 * durable there (publisher confirms, JetStream acks, QoS 1 PUBACKs, a committed
 * insert); the hub acknowledges to the edge only after that. Every record carries
 * a stable dedup key so a redelivered batch has no second effect downstream.
 */

export interface SinkRecord {
  /** The node that wrote it. */
  node: string;
  /** The node's identity epoch (changes when a node is reinstalled or restored). */
  epoch: string;
  stream: string;
  /** Per (node, epoch, stream) sequence number, from 1, without gaps. */
  seq: number;
  /** When the app wrote it at the edge (RFC 3339). */
  time: string;
  /** The record as the app wrote it, after egress redaction. */
  data: unknown;
  /** `<node>/<epoch>/<stream>/<seq>`: identical for every redelivery of the same record. */
  dedupKey: string;
}

export interface Sink {
  /** For messages and metrics: `rabbitmq:exchange/routingKey`, `nats:subject`, … */
  readonly name: string;
  /**
   * Delivers a batch, in order, and resolves once every record is durable downstream.
   * Throws EW_UNAVAILABLE when the sink is down: the hub keeps the batch unacknowledged
   * and the edge keeps the records, so nothing is lost and nothing is dropped.
   */
  deliver(batch: readonly SinkRecord[]): Promise<void>;
  close(): Promise<void>;
}

export function dedupKey(record: Pick<SinkRecord, 'node' | 'epoch' | 'stream' | 'seq'>): string {
  return `${record.node}/${record.epoch}/${record.stream}/${record.seq}`;
}
