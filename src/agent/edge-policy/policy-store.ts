/**
 * The feature's durable state for policies: the sources in force (so the same bundle
 * comes back after a restart without the hub, even if the node now holds a bad
 * version), the bundle revision, and each ConfigMap's last load result.
 */
import type Database from 'better-sqlite3';
import type { PolicySourceStatus } from '../../api/link-protocol.js';
import { type PolicySource, sourceKey } from './sources.js';

interface SourceRow {
  namespace: string;
  name: string;
  uid: string;
  kind: string;
  fingerprint: string;
  resource_version: string;
  files: string;
  loaded_at: string;
}

export class PolicyStore {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  getMeta(key: string): string | undefined {
    const row = this.#db.prepare('SELECT value FROM edge_policy_meta WHERE key = ?').get(key) as
      | { value: string }
      | undefined;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.#db
      .prepare(
        'INSERT INTO edge_policy_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value);
  }

  get revision(): number {
    return Number(this.getMeta('revision') ?? '0');
  }

  get loadedAt(): string | undefined {
    return this.getMeta('loadedAt');
  }

  inForce(): PolicySource[] {
    const rows = this.#db
      .prepare('SELECT * FROM edge_policy_sources ORDER BY namespace, name')
      .all() as SourceRow[];
    return rows.map((r) => ({
      namespace: r.namespace,
      name: r.name,
      uid: r.uid,
      kind: r.kind === 'data' ? 'data' : 'policy',
      fingerprint: r.fingerprint,
      resourceVersion: r.resource_version,
      files: JSON.parse(r.files) as Record<string, string>,
    }));
  }

  /** Puts a new set of sources in force under a new revision, in one transaction. */
  replaceInForce(sources: readonly PolicySource[], revision: number, loadedAt: string): void {
    const insert = this.#db.prepare(
      `INSERT INTO edge_policy_sources (namespace, name, uid, kind, fingerprint, resource_version, files, loaded_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM edge_policy_sources').run();
      for (const s of sources)
        insert.run(
          s.namespace,
          s.name,
          s.uid,
          s.kind,
          s.fingerprint,
          s.resourceVersion,
          JSON.stringify(s.files),
          loadedAt,
        );
      this.setMeta('revision', String(revision));
      this.setMeta('loadedAt', loadedAt);
    })();
  }

  statuses(): Map<string, PolicySourceStatus> {
    const rows = this.#db.prepare('SELECT data FROM edge_policy_status ORDER BY namespace, name').all() as {
      data: string;
    }[];
    const out = new Map<string, PolicySourceStatus>();
    for (const row of rows) {
      const status = JSON.parse(row.data) as PolicySourceStatus;
      out.set(sourceKey(status), status);
    }
    return out;
  }

  replaceStatuses(statuses: readonly PolicySourceStatus[]): void {
    const insert = this.#db.prepare(
      'INSERT INTO edge_policy_status (namespace, name, data) VALUES (?, ?, ?)',
    );
    this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM edge_policy_status').run();
      for (const s of statuses) insert.run(s.namespace, s.name, JSON.stringify(s));
    })();
  }
}
