/**
 * The hub's audit store for edge decisions: one SQLite file, `<hub data dir>/edge-decisions.db`,
 * apart from the resource store. Entries are unique by (node, seq), so a batch the agent
 * resends after a lost ack is stored once; an append returns only once it is durable
 * (WAL, synchronous=FULL), and only then is it acknowledged. Retention is bounded by
 * age and by count; what retention removes is counted. Auditors read it through the
 * hub's `/edgewise/v1/decisions` API or with `sqlite3` directly.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import type { DecisionLogEntry } from '../../api/link-protocol.js';

export const DECISIONS_FILE = 'edge-decisions.db';

const MIGRATIONS = [
  `CREATE TABLE decisions (
     id INTEGER PRIMARY KEY,
     node TEXT NOT NULL, log TEXT NOT NULL, seq INTEGER NOT NULL,
     decision_id TEXT NOT NULL, timestamp TEXT NOT NULL, path TEXT NOT NULL,
     outcome TEXT NOT NULL, revision INTEGER NOT NULL, eval_ns INTEGER NOT NULL,
     received_at TEXT NOT NULL,
     entry TEXT NOT NULL,
     UNIQUE (node, log, seq));
   CREATE INDEX decisions_by_time ON decisions (timestamp);
   CREATE INDEX decisions_by_path ON decisions (path, timestamp);
   CREATE TABLE logs (
     node TEXT NOT NULL, log TEXT NOT NULL, received INTEGER NOT NULL, duplicates INTEGER NOT NULL,
     dropped INTEGER NOT NULL, last_seq INTEGER NOT NULL, last_received_at TEXT NOT NULL,
     PRIMARY KEY (node, log));
   CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
];

/** What a decision came to: a boolean result, an undefined document, an error, or any other value. */
export type Outcome = 'true' | 'false' | 'undefined' | 'error' | 'other';

export function outcomeOf(entry: Pick<DecisionLogEntry, 'result' | 'error' | 'result_sha256'>): Outcome {
  if (entry.error) return 'error';
  if (entry.result === true) return 'true';
  if (entry.result === false) return 'false';
  if (entry.result === undefined && entry.result_sha256 === undefined) return 'undefined';
  return 'other';
}

export interface DecisionQuery {
  node?: string;
  path?: string;
  outcome?: Outcome;
  /** RFC 3339; decisions at or after. */
  since?: string;
  /** RFC 3339; decisions before. */
  until?: string;
  /** Continue after this row (the `continue` of the previous page). */
  after?: number;
  limit: number;
}

export interface StoredDecision extends DecisionLogEntry {
  node: string;
  /** The node's decision log the entry came from (see append). */
  log: string;
  received_at: string;
}

export interface DecisionSummary {
  total: number;
  /** Entries removed by retention. */
  pruned: number;
  /** One row per node and decision log (a node that joins again starts a new log). */
  nodes: {
    node: string;
    log: string;
    received: number;
    duplicates: number;
    dropped: number;
    lastSeq: number;
    lastReceivedAt: string;
  }[];
  paths: ({ path: string } & Record<Outcome, number>)[];
}

export interface DecisionStoreOptions {
  dataDir: string;
  /** Entries kept; the oldest go first. @default 1000000 */
  maxEntries?: number;
  /** Days an entry is kept. @default 90 */
  maxAgeDays?: number;
  now?: () => Date;
}

export class DecisionStore {
  readonly file: string;
  readonly #db: Database.Database;
  readonly #maxEntries: number;
  readonly #maxAgeMs: number;
  readonly #now: () => Date;
  #count: number;

  constructor(options: DecisionStoreOptions) {
    this.file = path.join(options.dataDir, DECISIONS_FILE);
    this.#maxEntries = options.maxEntries ?? 1_000_000;
    this.#maxAgeMs = (options.maxAgeDays ?? 90) * 24 * 3600 * 1000;
    this.#now = options.now ?? (() => new Date());
    this.#db = new Database(this.file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    const version = this.#db.pragma('user_version', { simple: true }) as number;
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.#db.transaction(() => {
        this.#db.exec(MIGRATIONS[v] as string);
        this.#db.pragma(`user_version = ${v + 1}`);
      })();
    }
    this.#count = (this.#db.prepare('SELECT count(*) AS n FROM decisions').get() as { n: number }).n;
  }

  /**
   * Stores a node's batch in one transaction; entries already held (same node, log and seq)
   * are skipped. `log` names the agent's decision log (its seqs start again in a new one);
   * `dropped` is the agent's running count of entries it discarded unshipped.
   */
  append(
    node: string,
    log: string,
    entries: readonly DecisionLogEntry[],
    dropped: number,
  ): { stored: number; duplicates: number; outcomes: Partial<Record<Outcome, number>> } {
    const at = this.#now().toISOString();
    const insert = this.#db.prepare(
      `INSERT OR IGNORE INTO decisions (node, log, seq, decision_id, timestamp, path, outcome, revision, eval_ns, received_at, entry)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const result = this.#db.transaction(() => {
      let stored = 0;
      let lastSeq = 0;
      const outcomes: Partial<Record<Outcome, number>> = {};
      for (const e of entries) {
        lastSeq = Math.max(lastSeq, e.seq);
        const outcome = outcomeOf(e);
        const { changes } = insert.run(
          node,
          log,
          e.seq,
          e.decision_id,
          e.timestamp,
          e.path,
          outcome,
          e.revision,
          e.eval_ns,
          at,
          JSON.stringify(e),
        );
        stored += changes;
        if (changes > 0) outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      }
      const duplicates = entries.length - stored;
      this.#db
        .prepare(
          `INSERT INTO logs (node, log, received, duplicates, dropped, last_seq, last_received_at) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(node, log) DO UPDATE SET received = received + excluded.received,
             duplicates = duplicates + excluded.duplicates, dropped = max(dropped, excluded.dropped),
             last_seq = max(last_seq, excluded.last_seq), last_received_at = excluded.last_received_at`,
        )
        .run(node, log, stored, duplicates, dropped, lastSeq, at);
      return { stored, duplicates, outcomes };
    })();
    this.#count += result.stored;
    if (this.#count > this.#maxEntries) this.prune();
    return result;
  }

  /** The dropped count this store last heard for a node's log (to count increases). */
  droppedBy(node: string, log: string): number {
    const row = this.#db.prepare('SELECT dropped FROM logs WHERE node = ? AND log = ?').get(node, log) as
      | { dropped: number }
      | undefined;
    return row?.dropped ?? 0;
  }

  /** Applies retention: entries older than the age limit, then the oldest beyond the count limit. */
  prune(): number {
    const cutoff = new Date(this.#now().getTime() - this.#maxAgeMs).toISOString();
    const removed = this.#db.transaction(() => {
      let n = this.#db.prepare('DELETE FROM decisions WHERE timestamp < ?').run(cutoff).changes;
      const excess = this.#count - n - this.#maxEntries;
      if (excess > 0)
        n += this.#db
          .prepare('DELETE FROM decisions WHERE id IN (SELECT id FROM decisions ORDER BY id LIMIT ?)')
          .run(excess).changes;
      if (n > 0)
        this.#db
          .prepare(
            `INSERT INTO meta (key, value) VALUES ('pruned', ?)
             ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + CAST(excluded.value AS INTEGER)`,
          )
          .run(String(n));
      return n;
    })();
    this.#count -= removed;
    return removed;
  }

  /** A page of decisions in arrival order; `next` continues after the last one. */
  query(q: DecisionQuery): { items: StoredDecision[]; next?: number } {
    const where: string[] = ['id > ?'];
    const args: (string | number)[] = [q.after ?? 0];
    const filters: [string, string | undefined][] = [
      ['node = ?', q.node],
      ['path = ?', q.path],
      ['outcome = ?', q.outcome],
      ['timestamp >= ?', q.since],
      ['timestamp < ?', q.until],
    ];
    for (const [clause, value] of filters) {
      if (value === undefined) continue;
      where.push(clause);
      args.push(value);
    }
    const rows = this.#db
      .prepare(
        `SELECT id, node, log, received_at, entry FROM decisions WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`,
      )
      .all(...args, q.limit + 1) as {
      id: number;
      node: string;
      log: string;
      received_at: string;
      entry: string;
    }[];
    const page = rows.slice(0, q.limit);
    const items = page.map((r) => ({
      node: r.node,
      log: r.log,
      ...(JSON.parse(r.entry) as DecisionLogEntry),
      received_at: r.received_at,
    }));
    const last = page[page.length - 1];
    return rows.length > q.limit && last ? { items, next: last.id } : { items };
  }

  summary(): DecisionSummary {
    const nodes = (
      this.#db.prepare('SELECT * FROM logs ORDER BY node, last_received_at').all() as {
        node: string;
        log: string;
        received: number;
        duplicates: number;
        dropped: number;
        last_seq: number;
        last_received_at: string;
      }[]
    ).map((r) => ({
      node: r.node,
      log: r.log,
      received: r.received,
      duplicates: r.duplicates,
      dropped: r.dropped,
      lastSeq: r.last_seq,
      lastReceivedAt: r.last_received_at,
    }));
    const counts = this.#db
      .prepare('SELECT path, outcome, count(*) AS n FROM decisions GROUP BY path, outcome ORDER BY path')
      .all() as { path: string; outcome: Outcome; n: number }[];
    const paths = new Map<string, { path: string } & Record<Outcome, number>>();
    for (const c of counts) {
      let row = paths.get(c.path);
      if (!row) {
        row = { path: c.path, true: 0, false: 0, undefined: 0, error: 0, other: 0 };
        paths.set(c.path, row);
      }
      row[c.outcome] = c.n;
    }
    const pruned = this.#db.prepare("SELECT value FROM meta WHERE key = 'pruned'").get() as
      | { value: string }
      | undefined;
    return { total: this.#count, pruned: Number(pruned?.value ?? 0), nodes, paths: [...paths.values()] };
  }

  close(): void {
    this.#db.close();
  }
}
