/**
 * The ingest ledger in a SQLite file (`<hub data dir>/ingest.db`, WAL, synchronous
 * FULL). Commits that arrive in the same turn of the event loop share a transaction,
 * so many nodes' batches cost one fsync.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { EdgewiseError } from '../../../api/errors.js';
import type {
  CommitEntry,
  CommitOutcome,
  IngestLedger,
  RecordQuery,
  StoredRecord,
  StreamKey,
  StreamTotals,
} from '../ledger.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ingest_streams (
  id INTEGER PRIMARY KEY, node TEXT NOT NULL, epoch TEXT NOT NULL, stream TEXT NOT NULL,
  position INTEGER NOT NULL, first_seen INTEGER NOT NULL, updated INTEGER NOT NULL,
  UNIQUE (node, epoch, stream));
CREATE TABLE IF NOT EXISTS ingest_totals (
  node TEXT NOT NULL, stream TEXT NOT NULL, delivered INTEGER NOT NULL, duplicates INTEGER NOT NULL,
  gaps INTEGER NOT NULL, last_received INTEGER NOT NULL, PRIMARY KEY (node, stream)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ingest_records (
  id INTEGER PRIMARY KEY, sid INTEGER NOT NULL, seq INTEGER NOT NULL, time INTEGER NOT NULL,
  received INTEGER NOT NULL, expires INTEGER NOT NULL, data TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS ingest_records_key ON ingest_records (sid, seq);
CREATE INDEX IF NOT EXISTS ingest_records_expires ON ingest_records (expires);`;

interface Pending {
  entries: readonly CommitEntry[];
  resolve(outcomes: CommitOutcome[]): void;
  reject(err: unknown): void;
}

export class SqliteLedger implements IngestLedger {
  readonly file: string;
  readonly #db: Database.Database;
  readonly #q;
  #queue: Pending[] = [];
  #scheduled = false;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'ingest.db');
    const db = new Database(this.file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(SCHEMA);
    this.#db = db;
    this.#q = {
      position: db.prepare(
        'SELECT id, position FROM ingest_streams WHERE node = ? AND epoch = ? AND stream = ?',
      ),
      createStream: db.prepare(
        'INSERT INTO ingest_streams (node, epoch, stream, position, first_seen, updated) VALUES (?, ?, ?, 0, ?, ?)',
      ),
      advance: db.prepare('UPDATE ingest_streams SET position = ?, updated = ? WHERE id = ?'),
      insert: db.prepare(
        'INSERT INTO ingest_records (sid, seq, time, received, expires, data) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      totals: db.prepare(
        `INSERT INTO ingest_totals (node, stream, delivered, duplicates, gaps, last_received) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (node, stream) DO UPDATE SET delivered = delivered + excluded.delivered,
           duplicates = duplicates + excluded.duplicates, gaps = gaps + excluded.gaps, last_received = excluded.last_received`,
      ),
      readTotals: db.prepare(
        'SELECT delivered, duplicates, gaps, last_received AS lastReceived FROM ingest_totals WHERE node = ? AND stream = ?',
      ),
      prune: db.prepare('DELETE FROM ingest_records WHERE expires < ?'),
    };
  }

  async position(key: StreamKey): Promise<number> {
    const row = this.#q.position.get(key.node, key.epoch, key.stream) as { position: number } | undefined;
    return row?.position ?? 0;
  }

  commit(entries: readonly CommitEntry[]): Promise<CommitOutcome[]> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ entries, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const queue = this.#queue;
    this.#queue = [];
    let results: CommitOutcome[][];
    try {
      results = this.#db.transaction(() => queue.map((p) => p.entries.map((e) => this.#apply(e))))();
    } catch (err) {
      const failure = new EdgewiseError(
        'EW_UNAVAILABLE',
        `the ingest ledger could not commit: ${(err as Error).message}`,
      );
      for (const p of queue) p.reject(failure);
      return;
    }
    for (const [i, p] of queue.entries()) p.resolve(results[i] as CommitOutcome[]);
  }

  #apply(e: CommitEntry): CommitOutcome {
    const { node, epoch, stream } = e.key;
    let row = this.#q.position.get(node, epoch, stream) as { id: number; position: number } | undefined;
    if (!row) {
      const id = Number(this.#q.createStream.run(node, epoch, stream, e.now, e.now).lastInsertRowid);
      row = { id, position: 0 };
    }
    if (row.position !== e.expected) return { ok: false, position: row.position };
    for (const r of e.records) this.#q.insert.run(row.id, r.seq, r.time, e.now, e.expires ?? 0, r.data);
    if (e.to !== row.position) this.#q.advance.run(e.to, e.now, row.id);
    this.#q.totals.run(node, stream, e.delivered, e.duplicates, e.gap, e.now);
    return { ok: true };
  }

  async totals(node: string, stream: string): Promise<StreamTotals> {
    return (
      (this.#q.readTotals.get(node, stream) as StreamTotals | undefined) ?? {
        delivered: 0,
        duplicates: 0,
        gaps: 0,
        lastReceived: 0,
      }
    );
  }

  async records(query: RecordQuery): Promise<StoredRecord[]> {
    const where = ['r.id > ?'];
    const params: (string | number)[] = [query.after ?? 0];
    for (const field of ['node', 'epoch', 'stream'] as const) {
      const value = query[field];
      if (value === undefined) continue;
      where.push(`s.${field} = ?`);
      params.push(value);
    }
    if (query.seq !== undefined) {
      where.push('r.seq = ?');
      params.push(query.seq);
    }
    params.push(query.limit);
    return this.#db
      .prepare(
        `SELECT r.id, s.node, s.epoch, s.stream, r.seq, r.time, r.received, r.data
         FROM ingest_records r JOIN ingest_streams s ON s.id = r.sid
         WHERE ${where.join(' AND ')} ORDER BY r.id LIMIT ?`,
      )
      .all(...params) as StoredRecord[];
  }

  async prune(now: number): Promise<number> {
    return this.#q.prune.run(now).changes;
  }

  async close(): Promise<void> {
    if (this.#queue.length > 0) this.#flush();
    this.#db.close();
  }
}
