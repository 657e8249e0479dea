/**
 * The stream backlog in the agent's SQLite file: appends with sequence numbers,
 * reads in order, acknowledgement trims, refusals by policy and quarantine. Every
 * method runs inside the caller's transaction where it writes; counters and the
 * backlog size live in the `streams` row so a report is one cheap read.
 */
import { crc32 } from 'node:zlib';
import type Database from 'better-sqlite3';
import type { Epochs } from './epochs.js';
import {
  COUNTERS,
  type CounterName,
  PENDING,
  RECORD_OVERHEAD,
  REFUSED,
  type RecordRow,
  type StreamRow,
} from './schema.js';

export interface AppendResult {
  epoch: string;
  first: number;
  last: number;
}

export function charge(data: Buffer): number {
  return data.length + RECORD_OVERHEAD;
}

export class StreamStore {
  readonly db: Database.Database;
  readonly epochs: Epochs;
  readonly #byName = new Map<string, number>();
  readonly #statements = new Map<string, Database.Statement>();
  readonly #q;

  constructor(db: Database.Database, epochs: Epochs) {
    this.db = db;
    this.epochs = epochs;
    this.#q = {
      byId: db.prepare('SELECT * FROM streams WHERE id = ?'),
      byName: db.prepare('SELECT id FROM streams WHERE name = ?'),
      create: db.prepare('INSERT INTO streams (name) VALUES (?)'),
      all: db.prepare('SELECT * FROM streams ORDER BY name'),
      insert: db.prepare(
        'INSERT INTO stream_records (stream, epoch, seq, time, state, crc, data) VALUES (?, ?, ?, ?, 0, ?, ?)',
      ),
      afterAppend: db.prepare(
        'UPDATE streams SET epoch = ?, next_seq = ?, pending = pending + ?, bytes = bytes + ?, written = written + ? WHERE id = ?',
      ),
      after: db.prepare(
        'SELECT epoch, seq, time, state, crc, data FROM stream_records WHERE stream = ? AND (epoch > ? OR (epoch = ? AND seq > ?)) ORDER BY epoch, seq LIMIT ?',
      ),
      oldest: db.prepare(
        'SELECT epoch, seq, time, state, length(data) AS len FROM stream_records WHERE stream = ? ORDER BY epoch, seq LIMIT ?',
      ),
      oldestPending: db.prepare(
        'SELECT min(time) AS t FROM (SELECT time FROM stream_records WHERE stream = ? AND state = 0 ORDER BY epoch, seq LIMIT 1)',
      ),
      remove: db.prepare('DELETE FROM stream_records WHERE stream = ? AND epoch = ? AND seq = ?'),
      refuse: db.prepare('UPDATE stream_records SET state = 1 WHERE stream = ? AND epoch = ? AND seq = ?'),
      trimmed: db.prepare(
        'SELECT count(*) AS n, coalesce(sum(length(data)), 0) AS b FROM stream_records WHERE stream = ? AND epoch = ? AND seq <= ? AND state = 0',
      ),
      trim: db.prepare(
        'DELETE FROM stream_records WHERE stream = ? AND epoch = ? AND seq <= ? AND state = 0',
      ),
      acked: db.prepare('UPDATE streams SET acked_epoch = ?, acked_seq = ? WHERE id = ?'),
      total: db.prepare('SELECT coalesce(sum(bytes), 0) AS b FROM streams'),
      recall: db.prepare(
        'SELECT body_sha256, epoch, first, last FROM stream_idempotency WHERE stream = ? AND key = ?',
      ),
      remember: db.prepare(
        'INSERT INTO stream_idempotency (stream, key, body_sha256, epoch, first, last, at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      forgetKeys: db.prepare('DELETE FROM stream_idempotency WHERE at < ?'),
      quarantine: db.prepare(
        'INSERT OR REPLACE INTO stream_quarantine (stream, epoch, seq, found, reason, data) VALUES (?, ?, ?, ?, ?, ?)',
      ),
    };
  }

  /** The stream's id, creating its row on first use. */
  ensure(name: string): number {
    const known = this.#byName.get(name);
    if (known !== undefined) return known;
    const row = this.#q.byName.get(name) as { id: number } | undefined;
    const id = row ? row.id : Number(this.#q.create.run(name).lastInsertRowid);
    this.#byName.set(name, id);
    return id;
  }

  /** The stream's id if it has a row. */
  find(name: string): number | undefined {
    return this.#byName.get(name) ?? (this.#q.byName.get(name) as { id: number } | undefined)?.id;
  }

  /** Forgets cached ids (after a rolled-back transaction may have created rows). */
  forgetAll(): void {
    this.#byName.clear();
  }

  row(id: number): StreamRow {
    return this.#q.byId.get(id) as StreamRow;
  }

  all(): StreamRow[] {
    return this.#q.all.all() as StreamRow[];
  }

  totalBytes(): number {
    return (this.#q.total.get() as { b: number }).b;
  }

  /** Appends in order; the caller has made room. Within the caller's transaction. */
  append(id: number, payloads: readonly Buffer[], now: number): AppendResult {
    const epoch = this.epochs.current();
    const row = this.row(id);
    let seq = row.epoch === epoch.no ? row.next_seq : 1;
    const first = seq;
    let bytes = 0;
    for (const data of payloads) {
      this.#q.insert.run(id, epoch.no, seq++, now, crc32(data), data);
      bytes += charge(data);
    }
    this.#q.afterAppend.run(epoch.no, seq, payloads.length, bytes, payloads.length, id);
    return { epoch: epoch.id, first, last: seq - 1 };
  }

  /** The answer a write with this idempotency key got, and the hash of its body. */
  recall(id: number, key: string): (AppendResult & { bodySha256: string }) | undefined {
    const row = this.#q.recall.get(id, key) as
      | { body_sha256: string; epoch: string; first: number; last: number }
      | undefined;
    return row && { bodySha256: row.body_sha256, epoch: row.epoch, first: row.first, last: row.last };
  }

  /** Keeps a write's answer under its idempotency key. Within the caller's transaction. */
  remember(id: number, key: string, bodySha256: string, result: AppendResult, now: number): void {
    this.#q.remember.run(id, key, bodySha256, result.epoch, result.first, result.last, now);
  }

  /** Drops idempotency keys recorded before `time`. */
  forgetKeysBefore(time: number): void {
    this.#q.forgetKeys.run(time);
  }

  /** Records after (epoch, seq) in write order, pending and refused alike. */
  after(id: number, epoch: number, seq: number, limit: number): RecordRow[] {
    return this.#q.after.all(id, epoch, epoch, seq, limit) as RecordRow[];
  }

  /** Oldest records first, for eviction. */
  oldest(
    id: number,
    limit: number,
  ): { epoch: number; seq: number; time: number; state: number; len: number }[] {
    return this.#q.oldest.all(id, limit) as {
      epoch: number;
      seq: number;
      time: number;
      state: number;
      len: number;
    }[];
  }

  /** When the oldest record still waiting to leave was written, or undefined. */
  oldestPendingTime(id: number): number | undefined {
    const row = this.#q.oldestPending.get(id) as { t: number | null };
    return row.t ?? undefined;
  }

  /** Removes one record and charges it to `counter`. */
  evict(
    id: number,
    rec: { epoch: number; seq: number; state: number; len: number },
    counter: CounterName,
  ): void {
    this.#q.remove.run(id, rec.epoch, rec.seq);
    const column = rec.state === REFUSED ? 'held' : 'pending';
    this.#stmt(
      `UPDATE streams SET ${column} = ${column} - 1, bytes = bytes - ?, ${COUNTERS[counter]} = ${COUNTERS[counter]} + 1 WHERE id = ?`,
    ).run(rec.len + RECORD_OVERHEAD, id);
  }

  /** The egress policy refused these: they stay on the node, no longer waiting to leave. */
  refuse(id: number, keys: readonly { epoch: number; seq: number }[]): void {
    for (const k of keys) this.#q.refuse.run(id, k.epoch, k.seq);
    this.#stmt(
      'UPDATE streams SET pending = pending - ?, held = held + ?, refused = refused + ? WHERE id = ?',
    ).run(keys.length, keys.length, keys.length, id);
  }

  /** A record failed its checksum or did not parse: moved aside, counted, never sent. */
  quarantine(id: number, rec: RecordRow, reason: string): void {
    this.#q.quarantine.run(id, rec.epoch, rec.seq, new Date().toISOString(), reason, rec.data);
    this.evict(id, { ...rec, len: rec.data.length }, 'corrupt');
  }

  /**
   * The hub has everything of (epoch, ≤ through): trim what waited to leave and move the
   * acknowledged position forward. Returns how many records were trimmed.
   */
  ack(id: number, epoch: number, through: number): number {
    const row = this.row(id);
    if (epoch < row.acked_epoch || (epoch === row.acked_epoch && through <= row.acked_seq)) return 0;
    const { n, b } = this.#q.trimmed.get(id, epoch, through) as { n: number; b: number };
    this.#q.trim.run(id, epoch, through);
    this.#q.acked.run(epoch, through, id);
    this.#stmt(
      'UPDATE streams SET pending = pending - ?, bytes = bytes - ?, delivered = delivered + ? WHERE id = ?',
    ).run(n, b + n * RECORD_OVERHEAD, n, id);
    return n;
  }

  add(id: number, counter: CounterName, n: number): void {
    if (n === 0) return;
    const column = COUNTERS[counter];
    this.#stmt(`UPDATE streams SET ${column} = ${column} + ? WHERE id = ?`).run(n, id);
  }

  #stmt(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}

export { PENDING };
