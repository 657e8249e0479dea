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

/*
 * How the hub's data ingest drives sinks (src/hub/ingest/sink-factory.ts, ingest.ts):
 *
 * - A DataSync's `spec.sink.<type>` becomes the options of `SINK_TYPES[type].create`
 *   (src/hub/ingest/sinks/index.ts), except `secretRef: {name}`, which is removed and
 *   replaced by the keys of that Secret (same namespace) — credentials stay out of the
 *   manifest. Admission calls `create` and `close` to validate (no delivery), so a
 *   sink must not connect before its first `deliver`.
 * - One instance per DataSync generation; `close()` when the DataSync changes or is
 *   deleted (after deliveries in flight finish) and when the hub stops.
 * - `deliver` gets one (node, epoch, stream) at a time, in sequence order, never two
 *   batches of the same stream at once; batches of other streams and nodes may be in
 *   flight concurrently. Records the hub already committed never reach it again.
 * - Any throw holds delivery: the agent is told `sink-unavailable` with a back-off and
 *   keeps the records (the backlog stays at the edge; the hub queues nothing).
 * - The hub advances its ledger right after `deliver` resolves; only a hub crash in
 *   between makes it deliver those records again — with the same dedupKey, which
 *   JetStream (Nats-Msg-Id) and PostgreSQL (primary key) absorb and RabbitMQ/MQTT
 *   consumers can use.
 */
