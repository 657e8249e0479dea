/**
 * The streams feature's tables in the agent's SQLite file.
 *
 * - `stream_epochs`: sequence epochs, one drawn per agent start (lazily, at the first
 *   write). `(node, epoch id, stream, seq)` names a record forever.
 * - `streams`: one row per stream: where the next write goes, what the hub has
 *   acknowledged, the backlog size and every counter the stream reports.
 * - `stream_records`: the backlog, keyed by (stream, epoch, seq) — write order.
 *   `state` 0 waits to leave, 1 was refused by the egress policy and stays local.
 *   `crc` is the CRC-32 of `data`, checked before a record leaves.
 * - `stream_quarantine`: records found corrupt, kept for inspection, never sent.
 * - `stream_idempotency`: the `Idempotency-Key` of each recent write, a hash of its
 *   body and the answer it got, so a retried write is answered again, not stored twice.
 */
export const STREAMS_FEATURE = 'streams';

export const STREAMS_MIGRATIONS: readonly string[] = [
  `CREATE TABLE stream_epochs (no INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, started TEXT NOT NULL);
   CREATE TABLE streams (
     id INTEGER PRIMARY KEY,
     name TEXT NOT NULL UNIQUE,
     epoch INTEGER NOT NULL DEFAULT 0,
     next_seq INTEGER NOT NULL DEFAULT 1,
     acked_epoch INTEGER NOT NULL DEFAULT 0,
     acked_seq INTEGER NOT NULL DEFAULT 0,
     pending INTEGER NOT NULL DEFAULT 0,
     held INTEGER NOT NULL DEFAULT 0,
     bytes INTEGER NOT NULL DEFAULT 0,
     written INTEGER NOT NULL DEFAULT 0,
     delivered INTEGER NOT NULL DEFAULT 0,
     evicted_age INTEGER NOT NULL DEFAULT 0,
     evicted_bytes INTEGER NOT NULL DEFAULT 0,
     rejected INTEGER NOT NULL DEFAULT 0,
     refused INTEGER NOT NULL DEFAULT 0,
     redacted INTEGER NOT NULL DEFAULT 0,
     corrupt INTEGER NOT NULL DEFAULT 0,
     lost INTEGER NOT NULL DEFAULT 0);
   CREATE TABLE stream_records (
     stream INTEGER NOT NULL, epoch INTEGER NOT NULL, seq INTEGER NOT NULL,
     time INTEGER NOT NULL, state INTEGER NOT NULL, crc INTEGER NOT NULL, data BLOB NOT NULL,
     PRIMARY KEY (stream, epoch, seq)) WITHOUT ROWID;
   CREATE TABLE stream_quarantine (
     stream INTEGER NOT NULL, epoch INTEGER NOT NULL, seq INTEGER NOT NULL,
     found TEXT NOT NULL, reason TEXT NOT NULL, data BLOB,
     PRIMARY KEY (stream, epoch, seq));`,
  // Version 2: idempotency keys of recent writes, and what each write was answered.
  `CREATE TABLE stream_idempotency (
     stream INTEGER NOT NULL, key TEXT NOT NULL, body_sha256 TEXT NOT NULL,
     epoch TEXT NOT NULL, first INTEGER NOT NULL, last INTEGER NOT NULL, at INTEGER NOT NULL,
     PRIMARY KEY (stream, key)) WITHOUT ROWID;
   CREATE INDEX stream_idempotency_at ON stream_idempotency (at);`,
];

/** Record states. */
export const PENDING = 0;
export const REFUSED = 1;

/**
 * Bytes a record is charged beyond its data: key, time, state, crc and b-tree cell and
 * page overhead — measured (bench/sync-drain.ts: ~48 B beyond the JSON), so that the
 * bytes a stream is charged track what it takes on disk.
 */
export const RECORD_OVERHEAD = 48;

/** Counter columns of `streams`, as reports name them. */
export const COUNTERS = {
  written: 'written',
  delivered: 'delivered',
  evictedByAge: 'evicted_age',
  evictedByBytes: 'evicted_bytes',
  rejected: 'rejected',
  refusedByPolicy: 'refused',
  redacted: 'redacted',
  corrupt: 'corrupt',
  lost: 'lost',
} as const;

export type CounterName = keyof typeof COUNTERS;

export interface StreamRow {
  id: number;
  name: string;
  epoch: number;
  next_seq: number;
  acked_epoch: number;
  acked_seq: number;
  pending: number;
  held: number;
  bytes: number;
  written: number;
  delivered: number;
  evicted_age: number;
  evicted_bytes: number;
  rejected: number;
  refused: number;
  redacted: number;
  corrupt: number;
  lost: number;
}

export interface RecordRow {
  epoch: number;
  seq: number;
  time: number;
  state: number;
  crc: number;
  data: Buffer;
}
