/**
 * Everything the agent needs to run without its hub, in one SQLite file:
 * identity, the desired objects the hub shipped (and the revision they reflect),
 * per-pod runtime bookkeeping, and the outbox of reports waiting for the link.
 * Writes are durable (WAL, synchronous=FULL) before the agent acknowledges them.
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { EdgewiseError } from '../../api/errors.js';
import type { DesiredChange, EventReport, InventoryEntry, PodStatusReport } from '../../api/link-protocol.js';
import type { KubeObject } from '../../api/object.js';
import { migrate } from './schema.js';

export const STATE_FILE = 'agent.db';

export interface OutboxBatch {
  /** Highest outbox id in the batch; acknowledging it removes everything up to it. */
  seq: number;
  pods: PodStatusReport[];
  events: EventReport[];
  terminated: { namespace: string; name: string; uid: string }[];
}

export interface OpenOptions {
  /** Create the data dir and state if missing (first join). Otherwise a missing dir is an error. */
  create: boolean;
}

export class AgentState {
  readonly file: string;
  readonly #db: Database.Database;
  readonly #changeListeners = new Set<(changes: readonly DesiredChange[]) => void>();

  private constructor(file: string, db: Database.Database) {
    this.file = file;
    this.#db = db;
  }

  /**
   * Opens the state in `dataDir`. Never wipes anything: a missing dir without
   * `create`, or a file that is not a healthy SQLite database, is an error that
   * tells the operator what to do.
   */
  static open(dataDir: string, options: OpenOptions): AgentState {
    const file = path.join(dataDir, STATE_FILE);
    if (!existsSync(file)) {
      if (!options.create) {
        throw new EdgewiseError(
          'EW_NOT_FOUND',
          `no agent state at ${file}: this node has not joined yet (pass --token to join) or --data-dir points at the wrong place`,
        );
      }
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    }
    let db: Database.Database | undefined;
    try {
      db = new Database(file);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      const check = db.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new Error(String(check));
      migrate(db);
    } catch (err) {
      db?.close();
      throw new EdgewiseError(
        'EW_INTERNAL',
        `agent state ${file} is unreadable or corrupt (${(err as Error).message}); it was left untouched — restore it from a backup, or move it aside and join again with a new token`,
        undefined,
        { cause: err },
      );
    }
    chmodSync(file, 0o600);
    return new AgentState(file, db);
  }

  close(): void {
    this.#db.close();
  }

  /** The SQLite connection, for features that keep their own tables (migrated with migrateFeature). */
  get database(): Database.Database {
    return this.#db;
  }

  /**
   * Brings a feature's tables up to date: `migrations[i]` takes the feature from
   * version i to i+1, each in one transaction. Features never touch each other's tables.
   */
  migrateFeature(feature: string, migrations: readonly string[]): void {
    const row = this.#db.prepare('SELECT version FROM feature_versions WHERE feature = ?').get(feature) as
      | { version: number }
      | undefined;
    const current = row?.version ?? 0;
    if (current > migrations.length) {
      throw new EdgewiseError(
        'EW_INVALID',
        `agent state has ${feature} schema version ${current}, newer than this agent (${migrations.length}); upgrade the agent`,
      );
    }
    for (let version = current; version < migrations.length; version++) {
      this.#db.transaction(() => {
        this.#db.exec(migrations[version] as string);
        this.#db
          .prepare(
            'INSERT INTO feature_versions (feature, version) VALUES (?, ?) ON CONFLICT(feature) DO UPDATE SET version = excluded.version',
          )
          .run(feature, version + 1);
      })();
    }
  }

  getMeta(key: string): string | undefined {
    const row = this.#db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as
      | { value: string }
      | undefined;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.#db
      .prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value);
  }

  /** Revision of the last desired-state change made durable here. */
  get lastRevision(): number {
    return Number(this.getMeta('lastRevision') ?? '0');
  }

  /** Applies a batch from the hub in one transaction; returns once it is on disk. */
  applyChanges(revision: number, changes: readonly DesiredChange[]): void {
    const upsert = this.#db.prepare(
      'INSERT INTO objects (resource, namespace, name, rv, data) VALUES (?, ?, ?, ?, ?) ON CONFLICT(resource, namespace, name) DO UPDATE SET rv = excluded.rv, data = excluded.data',
    );
    const remove = this.#db.prepare('DELETE FROM objects WHERE resource = ? AND namespace = ? AND name = ?');
    this.#db.transaction(() => {
      for (const change of changes) {
        const ns = change.object.metadata.namespace ?? '';
        const name = change.object.metadata.name ?? '';
        if (change.op === 'delete') remove.run(change.resource, ns, name);
        else
          upsert.run(
            change.resource,
            ns,
            name,
            change.object.metadata.resourceVersion ?? '',
            JSON.stringify(change.object),
          );
      }
      this.setMeta('lastRevision', String(Math.max(revision, this.lastRevision)));
    })();
    // After the commit, and off this call stack: a listener can neither undo nor delay the ack.
    for (const listener of this.#changeListeners)
      queueMicrotask(() => {
        try {
          listener(changes);
        } catch (err) {
          process.emitWarning(`agent state change listener failed: ${(err as Error).message}`);
        }
      });
  }

  /** Tells a feature about each batch of desired changes once it is durable; returns an unsubscribe. */
  onChanges(listener: (changes: readonly DesiredChange[]) => void): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  objects(resource: string): KubeObject[] {
    const rows = this.#db
      .prepare('SELECT data FROM objects WHERE resource = ? ORDER BY namespace, name')
      .all(resource) as { data: string }[];
    return rows.map((r) => JSON.parse(r.data) as KubeObject);
  }

  object(resource: string, namespace: string, name: string): KubeObject | undefined {
    const row = this.#db
      .prepare('SELECT data FROM objects WHERE resource = ? AND namespace = ? AND name = ?')
      .get(resource, namespace, name) as { data: string } | undefined;
    return row ? (JSON.parse(row.data) as KubeObject) : undefined;
  }

  inventory(): InventoryEntry[] {
    return this.#db
      .prepare(
        'SELECT resource, namespace, name, rv AS resourceVersion FROM objects ORDER BY resource, namespace, name',
      )
      .all() as InventoryEntry[];
  }

  /** Per-pod runtime bookkeeping (restart counts, back-off, ports), kept across agent restarts. */
  podRuntime<T>(uid: string): T | undefined {
    const row = this.#db.prepare('SELECT data FROM pod_runtime WHERE uid = ?').get(uid) as
      | { data: string }
      | undefined;
    return row ? (JSON.parse(row.data) as T) : undefined;
  }

  setPodRuntime(uid: string, data: unknown): void {
    this.#db
      .prepare(
        'INSERT INTO pod_runtime (uid, data) VALUES (?, ?) ON CONFLICT(uid) DO UPDATE SET data = excluded.data',
      )
      .run(uid, JSON.stringify(data));
  }

  deletePodRuntime(uid: string): void {
    this.#db.prepare('DELETE FROM pod_runtime WHERE uid = ?').run(uid);
  }

  allPodRuntimeUids(): string[] {
    return (this.#db.prepare('SELECT uid FROM pod_runtime').all() as { uid: string }[]).map((r) => r.uid);
  }

  /** Queues a pod's latest status; an older queued status of the same pod is replaced. */
  enqueuePodStatus(report: PodStatusReport): void {
    this.#enqueue('pod', report.uid, report);
  }

  enqueueTerminated(pod: { namespace: string; name: string; uid: string }): void {
    this.#enqueue('terminated', pod.uid, pod);
  }

  enqueueEvent(event: EventReport): void {
    this.#db
      .prepare('INSERT INTO outbox (kind, key, payload) VALUES (?, NULL, ?)')
      .run('event', JSON.stringify(event));
  }

  #enqueue(kind: string, key: string, payload: unknown): void {
    this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM outbox WHERE kind = ? AND key = ?').run(kind, key);
      this.#db
        .prepare('INSERT INTO outbox (kind, key, payload) VALUES (?, ?, ?)')
        .run(kind, key, JSON.stringify(payload));
    })();
  }

  outboxSize(): number {
    return (this.#db.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n;
  }

  /** The oldest queued reports, up to `limit`, without removing them. */
  peekOutbox(limit: number): OutboxBatch | undefined {
    const rows = this.#db.prepare('SELECT id, kind, payload FROM outbox ORDER BY id LIMIT ?').all(limit) as {
      id: number;
      kind: string;
      payload: string;
    }[];
    if (rows.length === 0) return undefined;
    const batch: OutboxBatch = { seq: rows[rows.length - 1]?.id ?? 0, pods: [], events: [], terminated: [] };
    for (const row of rows) {
      const value = JSON.parse(row.payload);
      if (row.kind === 'pod') batch.pods.push(value as PodStatusReport);
      else if (row.kind === 'event') batch.events.push(value as EventReport);
      else if (row.kind === 'terminated') batch.terminated.push(value as OutboxBatch['terminated'][number]);
    }
    return batch;
  }

  /** Removes every queued report up to and including `seq` (the hub has stored them). */
  ackOutbox(seq: number): void {
    this.#db.prepare('DELETE FROM outbox WHERE id <= ?').run(seq);
  }
}
