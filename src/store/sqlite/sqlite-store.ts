/**
 * The embedded store: one SQLite file owned by one process. better-sqlite3 is
 * synchronous, so each write runs start to finish (read, decide, write, fsync)
 * without interleaving, which makes commit order and revision order the same thing,
 * and each committed event goes straight to the watch hub.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import Database from 'better-sqlite3';
import type { KubeObject } from '../../api/object.js';
import { type Compactor, startCompactor } from '../common/compactor.js';
import { badRequest, continueExpired, storeClosed } from '../common/errors.js';
import { compileFilter } from '../common/filter.js';
import {
  checkLimit,
  collectPage,
  collectPageSync,
  decodeContinue,
  encodeContinue,
  type ListRow,
} from '../common/list.js';
import { checkKey, checkResource, prepareObject } from '../common/metadata.js';
import type { ResolvedCommonOptions } from '../common/options.js';
import { type EventRow, eventFromRow } from '../common/rows.js';
import { type HistoryScope, historySql, listRowsSql, type Sql, type SqlDialect } from '../common/sql.js';
import { WatchHub } from '../common/watch/hub.js';
import type { HistoryPage } from '../common/watch/watcher.js';
import {
  checkWriteOptions,
  planCreate,
  planDelete,
  planUpdate,
  readStored,
  type StoredObject,
  type WritePlan,
} from '../common/writes.js';
import type {
  CompactResult,
  ListOptions,
  ListResult,
  ObjectKey,
  StorageResource,
  Store,
  UpdateResult,
  Watch,
  WatchOptions,
  WriteOptions,
} from '../store.js';
import { sqliteError } from './errors.js';
import { initSqlite } from './schema.js';

const DIALECT: SqlDialect = { placeholder: () => '?', objectsTable: 'objects', eventsTable: 'events' };
/** Events deleted per transaction by compact(), yielding to the event loop in between. */
const COMPACT_BATCH = 5_000;
/** How long opening waits for another process's lock before reporting it. */
const OPEN_TIMEOUT_MS = 2_000;

interface Meta {
  revision: number;
  compacted_revision: number;
}

export class SqliteStore implements Store {
  private readonly statements = new Map<string, Database.Statement>();
  private readonly hub: WatchHub;
  private readonly compactor: Compactor | undefined;
  private closed = false;

  private constructor(
    private readonly db: Database.Database,
    private readonly path: string,
    options: ResolvedCommonOptions,
  ) {
    this.hub = new WatchHub(
      { readHistory: async (after, scope, max) => this.guard(() => this.readHistory(after, scope, max)) },
      this.meta().revision,
    );
    if (options.compaction) this.compactor = startCompactor(this, options.compaction, options.logger);
  }

  static open(path: string, options: ResolvedCommonOptions): SqliteStore {
    let db: Database.Database | undefined;
    try {
      db = new Database(path, { timeout: OPEN_TIMEOUT_MS });
      initSqlite(db, path);
      return new SqliteStore(db, path, options);
    } catch (err) {
      db?.close();
      throw sqliteError(err, path);
    }
  }

  async create(resource: StorageResource, object: KubeObject): Promise<KubeObject> {
    const input = this.guard(() => prepareObject(resource, object));
    return this.write(input.key, (stored, revision) =>
      planCreate(resource, input.object, stored, revision, new Date()),
    ).object;
  }

  async update(resource: StorageResource, object: KubeObject, options?: WriteOptions): Promise<UpdateResult> {
    const input = this.guard(() => {
      checkWriteOptions(options);
      return prepareObject(resource, object);
    });
    const plan = this.write(input.key, (stored, revision) =>
      planUpdate(resource, input.object, options, stored, revision),
    );
    return { object: plan.object, changed: plan.kind !== 'none' };
  }

  async delete(key: ObjectKey, options?: WriteOptions): Promise<KubeObject> {
    this.guard(() => {
      checkKey(key);
      checkWriteOptions(options);
    });
    return this.write(key, (stored, revision) => planDelete(key, options, stored, revision)).object;
  }

  async get(key: ObjectKey): Promise<KubeObject | undefined> {
    return this.guard(() => {
      checkKey(key);
      const stored = this.readObject(key);
      return stored?.object;
    });
  }

  async list(resource: StorageResource, options: ListOptions = {}): Promise<ListResult> {
    return this.guard(() => {
      checkResource(resource);
      const filter = compileFilter(options);
      const limit = checkLimit(options.limit);
      const token = options.continue ? decodeContinue(options.continue) : undefined;
      return this.db.transaction((): ListResult => {
        const meta = this.meta();
        let revision = meta.revision;
        if (token) {
          if (token.revision > meta.revision)
            throw badRequest('invalid continue token: revision is in the future');
          if (token.revision < meta.compacted_revision) throw continueExpired();
          revision = token.revision;
        }
        // Only a continued list of an older revision needs the history half of the query.
        const asOf = revision < meta.revision ? revision : undefined;
        const page = collectPageSync(collectPage(filter, limit, token?.after), (query) =>
          this.all<ListRow>(listRowsSql(DIALECT, resource, filter.pushdown, query, asOf)),
        );
        const result: ListResult = { items: page.items, revision };
        const last = page.items[page.items.length - 1];
        if (page.more && last) {
          const after = { namespace: last.metadata.namespace ?? '', name: last.metadata.name ?? '' };
          result.continue = encodeContinue({ revision, after });
        }
        return result;
      })();
    });
  }

  watch(options: WatchOptions): Watch {
    return this.hub.watch(options);
  }

  async revision(): Promise<number> {
    return this.guard(() => this.meta().revision);
  }

  async compactedRevision(): Promise<number> {
    return this.guard(() => this.meta().compacted_revision);
  }

  async compact(revision: number): Promise<CompactResult> {
    const compactedRevision = this.guard(() => {
      if (!Number.isSafeInteger(revision) || revision < 0) {
        throw badRequest(`compact revision must be a non-negative integer, got ${revision}`);
      }
      return this.db
        .transaction(() => {
          const meta = this.meta();
          const target = Math.min(revision, meta.revision);
          if (target <= meta.compacted_revision) return meta.compacted_revision;
          this.statement('UPDATE meta SET compacted_revision = ? WHERE id = 1').run(target);
          return target;
        })
        .immediate();
    });
    // Watches and continued lists already treat everything up to compactedRevision as
    // gone, so the events can be deleted in short transactions, letting writes in between.
    let removedEvents = 0;
    for (;;) {
      if (this.closed) break; // the rest goes at the next compaction
      const { changes } = this.guard(() =>
        this.statement(
          'DELETE FROM events WHERE revision IN (SELECT revision FROM events WHERE revision <= ? ORDER BY revision LIMIT ?)',
        ).run(compactedRevision, COMPACT_BATCH),
      );
      removedEvents += changes;
      if (changes < COMPACT_BATCH) break;
      await yieldToEventLoop();
    }
    return { compactedRevision, removedEvents };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.compactor?.stop();
    this.hub.close();
    this.db.close();
  }

  /** Runs one write transaction; BEGIN IMMEDIATE takes the write lock before reading. */
  private write(
    key: ObjectKey,
    decide: (stored: StoredObject | undefined, revision: number) => WritePlan,
  ): WritePlan {
    const plan = this.guard(() =>
      this.db
        .transaction((): WritePlan => {
          const revision = this.meta().revision + 1;
          const plan = decide(this.readObject(key), revision);
          if (plan.kind === 'none') return plan;
          if (plan.kind === 'put') {
            const r = plan.row;
            this.statement(
              'INSERT OR REPLACE INTO objects (resource, namespace, name, uid, revision, node_name, phase, object) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
            ).run(r.resource, r.namespace, r.name, r.uid, r.revision, r.nodeName, r.phase, r.object);
          } else {
            this.statement('DELETE FROM objects WHERE resource = ? AND namespace = ? AND name = ?').run(
              key.resource,
              key.namespace,
              key.name,
            );
          }
          const e = plan.event;
          this.statement(
            'INSERT INTO events (revision, resource, namespace, name, type, object, previous) VALUES (?, ?, ?, ?, ?, ?, ?)',
          ).run(e.revision, e.resource, e.namespace, e.name, e.type, e.object, e.previous);
          this.statement('UPDATE meta SET revision = ? WHERE id = 1').run(revision);
          return plan;
        })
        .immediate(),
    );
    if (plan.kind !== 'none') {
      // Parse for watchers only when someone is listening; otherwise just move the mark.
      if (this.hub.hasLiveWatchers) this.hub.publish(eventFromRow(plan.event));
      else this.hub.advance(plan.event.revision);
    }
    return plan;
  }

  private readHistory(after: number, scope: HistoryScope, max: number): HistoryPage {
    return this.db.transaction((): HistoryPage => {
      const meta = this.meta();
      const rows = this.all<EventRow>(historySql(DIALECT, after, scope, max));
      return { events: rows.map(eventFromRow), head: meta.revision, compacted: meta.compacted_revision };
    })();
  }

  private readObject(key: ObjectKey): StoredObject | undefined {
    const row = this.statement(
      'SELECT object FROM objects WHERE resource = ? AND namespace = ? AND name = ?',
    ).get(key.resource, key.namespace, key.name) as { object: string } | undefined;
    return row ? readStored(row.object) : undefined;
  }

  private meta(): Meta {
    return this.statement('SELECT revision, compacted_revision FROM meta WHERE id = 1').get() as Meta;
  }

  private all<T>(sql: Sql): T[] {
    return this.statement(sql.text).all(...sql.values) as T[];
  }

  /** Prepared statements by SQL text; list queries come in a bounded number of shapes. */
  private statement(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /** Runs store work: closed-store check and SQLite errors mapped to EdgewiseErrors. */
  private guard<T>(work: () => T): T {
    if (this.closed) throw storeClosed();
    try {
      return work();
    } catch (err) {
      throw sqliteError(err, this.path);
    }
  }
}
