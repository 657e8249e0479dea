/**
 * The ingest ledger: for every (node, epoch, stream) the highest sequence number
 * committed at its sink, and — for DataSyncs whose sink is the hub — the records
 * themselves. This is the hub's dedup state. It has no time window: a position is
 * kept for as long as the hub exists, so a node that comes back after any outage
 * (or from a backup) is recognised. Two implementations: a SQLite file in the hub's
 * data dir, and PostgreSQL tables when the hub's store is PostgreSQL (replicas share it).
 */

export interface StreamKey {
  node: string;
  epoch: string;
  stream: string;
}

export interface RecordInput {
  seq: number;
  /** When it was written at the edge (ms since the epoch). */
  time: number;
  /** The record's JSON. */
  data: string;
}

export interface CommitEntry {
  key: StreamKey;
  /** The position the ingest decided on; the entry is refused as stale if the ledger moved. */
  expected: number;
  /** The new position (`expected` for a batch of duplicates: counters only). */
  to: number;
  /** Stored in the hub's own store (sink `hub`); already deduplicated. */
  records: readonly RecordInput[];
  /** When stored records expire (ms); required with records. */
  expires?: number;
  /** Records newly committed at the sink (any sink). */
  delivered: number;
  /** Records of the batch the ledger already had. */
  duplicates: number;
  /** Sequence numbers the edge had trimmed but this ledger never saw (the ledger lost state). */
  gap: number;
  /** Receive time (ms). */
  now: number;
}

export type CommitOutcome = { ok: true } | { ok: false; position: number };

export interface StreamTotals {
  delivered: number;
  duplicates: number;
  gaps: number;
  /** Receive time (ms) of the last commit, or 0. */
  lastReceived: number;
}

export interface StoredRecord {
  /** Ingest order: increases with every committed record. */
  id: number;
  node: string;
  epoch: string;
  stream: string;
  seq: number;
  time: number;
  received: number;
  data: string;
}

export interface RecordQuery {
  node?: string;
  stream?: string;
  epoch?: string;
  seq?: number;
  /** Records with id greater than this. */
  after?: number;
  limit: number;
}

export interface IngestLedger {
  /** The committed position of a stream key (0 when unknown). */
  position(key: StreamKey): Promise<number>;
  /** Commits entries atomically where the backend can (SQLite: all in one transaction). */
  commit(entries: readonly CommitEntry[]): Promise<CommitOutcome[]>;
  totals(node: string, stream: string): Promise<StreamTotals>;
  records(query: RecordQuery): Promise<StoredRecord[]>;
  /** Deletes stored records past their expiry; returns how many. */
  prune(now: number): Promise<number>;
  close(): Promise<void>;
}

export function keyText(key: StreamKey): string {
  return `${key.node}\u0000${key.epoch}\u0000${key.stream}`;
}
