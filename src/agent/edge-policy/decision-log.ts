/**
 * The local decision log: every decision the policy API makes, buffered in memory
 * and written to the agent's SQLite file in batches (so a decision never waits for
 * an fsync), bounded — beyond `maxEntries` the oldest unshipped entries go, and are
 * counted — and trimmed only when the hub has acknowledged them.
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { DecisionLogEntry } from '../../api/link-protocol.js';
import { type Decision, decisionEntry } from './decision-entry.js';
import type { InputLogging } from './redaction.js';

export type { Decision } from './decision-entry.js';

export interface DecisionLogOptions {
  db: Database.Database;
  logger: Logger;
  inputs: InputLogging;
  maxEntries: number;
  maxResultBytes: number;
  flushIntervalMs: number;
}

/** Buffered entries beyond this are written at once rather than on the timer. */
const FLUSH_AT = 512;

export class DecisionLog {
  readonly #o: DecisionLogOptions;
  readonly #log: Logger;
  #buffer: string[] = [];
  #timer: NodeJS.Timeout | undefined;
  #stored: number;
  #dropped: number;
  /** Entries up to this seq are on their way to the hub and are not dropped. */
  #protectedUpTo = 0;
  #closed = false;
  #onFlush: (() => void) | undefined;
  /** Names this log at the hub: seqs start again only in a new log (a wiped state, a new join). */
  readonly id: string;

  constructor(options: DecisionLogOptions) {
    this.#o = options;
    this.#log = options.logger;
    this.id = this.#meta('decisionLogId') ?? randomUUID();
    this.#setMeta('decisionLogId', this.id);
    this.#stored = (
      options.db.prepare('SELECT count(*) AS n FROM edge_policy_decisions').get() as { n: number }
    ).n;
    this.#dropped = Number(this.#meta('decisionsDropped') ?? '0');
  }

  /** Called after each write to SQLite (the shipper sends what is new). */
  onFlush(listener: () => void): void {
    this.#onFlush = listener;
  }

  /** Entries discarded before the hub had them, since the node joined. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Entries in SQLite and in the buffer, not yet acknowledged by the hub. */
  get pending(): number {
    return this.#stored + this.#buffer.length;
  }

  /** Records a decision; returns its decision_id. */
  record(decision: Decision): string {
    const { id, text } = decisionEntry(decision, this.#o);
    this.#push(text);
    return id;
  }

  /** Records entries built elsewhere (decisionEntry() on a worker thread: Wasm guests' decisions). */
  append(entries: readonly string[]): void {
    for (const text of entries) this.#push(text);
  }

  #push(text: string): void {
    this.#buffer.push(text);
    if (this.#closed || this.#buffer.length >= FLUSH_AT) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), this.#o.flushIntervalMs).unref();
  }

  /** Writes the buffer to SQLite in one transaction, then enforces the bound. */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#buffer;
    if (batch.length === 0) return;
    this.#buffer = [];
    const { db } = this.#o;
    try {
      const insert = db.prepare('INSERT INTO edge_policy_decisions (entry) VALUES (?)');
      const removed = db.transaction(() => {
        for (const text of batch) insert.run(text);
        const excess = this.#stored + batch.length - this.#o.maxEntries;
        if (excess <= 0) return 0;
        const n = db
          .prepare(
            'DELETE FROM edge_policy_decisions WHERE id IN (SELECT id FROM edge_policy_decisions WHERE id > ? ORDER BY id LIMIT ?)',
          )
          .run(this.#protectedUpTo, excess).changes;
        this.#setMeta('decisionsDropped', String(this.#dropped + n));
        return n;
      })();
      this.#stored += batch.length - removed;
      this.#dropped += removed;
    } catch (err) {
      // A full disk must not stop decisions; what could not be kept is counted.
      this.#log.error({ err }, 'could not write decision log entries');
      this.#dropped += batch.length;
      try {
        this.#setMeta('decisionsDropped', String(this.#dropped));
      } catch {
        // Still failing: the count is kept in memory and written with the next success.
      }
    }
    this.#onFlush?.();
  }

  /** The oldest entries, up to `limit`, for the link; protects them from the bound until acked or released. */
  peek(limit: number): { seq: number; entries: DecisionLogEntry[] } | undefined {
    const rows = this.#o.db
      .prepare('SELECT id, entry FROM edge_policy_decisions ORDER BY id LIMIT ?')
      .all(limit) as { id: number; entry: string }[];
    const last = rows[rows.length - 1];
    if (!last) return undefined;
    this.#protectedUpTo = last.id;
    return {
      seq: last.id,
      entries: rows.map((r) => ({ seq: r.id, ...(JSON.parse(r.entry) as Omit<DecisionLogEntry, 'seq'>) })),
    };
  }

  /** The hub stored everything up to `seq`. */
  ack(seq: number): void {
    const removed = this.#o.db.prepare('DELETE FROM edge_policy_decisions WHERE id <= ?').run(seq).changes;
    this.#stored -= removed;
    this.#protectedUpTo = 0;
  }

  /** A batch in flight was not acknowledged (the link dropped); it may be dropped again by the bound. */
  release(): void {
    this.#protectedUpTo = 0;
  }

  close(): void {
    this.flush();
    this.#closed = true;
  }

  #meta(key: string): string | undefined {
    const row = this.#o.db.prepare('SELECT value FROM edge_policy_meta WHERE key = ?').get(key) as
      | { value: string }
      | undefined;
    return row?.value;
  }

  #setMeta(key: string, value: string): void {
    this.#o.db
      .prepare(
        'INSERT INTO edge_policy_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value);
  }
}
