/**
 * The shared store: hub replicas on one PostgreSQL database see one revision
 * sequence and each other's writes.
 *
 * Writes serialise on the single meta row: a write first increments meta.revision
 * (taking its row lock until commit), then reads and writes the object. So a write
 * with revision N commits only after N-1 has, and commit order is revision order;
 * a bare sequence would let a reader see N before N-1 is visible and skip it.
 */
import pg from 'pg';
import { EdgewiseError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { type Compactor, startCompactor } from '../common/compactor.js';
import { badRequest, continueExpired, storeClosed } from '../common/errors.js';
import { compileFilter } from '../common/filter.js';
import { checkLimit, collectPage, collectPageAsync, decodeContinue, encodeContinue } from '../common/list.js';
import { checkKey, checkResource, prepareObject } from '../common/metadata.js';
import type { ResolvedCommonOptions } from '../common/options.js';
import { eventFromRow } from '../common/rows.js';
import type { HistoryScope } from '../common/sql.js';
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
import { pgError } from './errors.js';
import { PgEventReader } from './event-reader.js';
import { PgListener } from './listener.js';
import { PgQueries } from './queries.js';
import { initSchema, type PgTables, pgTables } from './schema.js';
import { transaction } from './transaction.js';

const COMPACT_BATCH = 5_000;

export interface ResolvedPostgresOptions extends ResolvedCommonOptions {
  readonly connectionString: string;
  readonly schema: string;
  readonly poolSize: number;
  readonly pollIntervalMs: number;
}

export class PostgresStore implements Store {
  private readonly queries: PgQueries;
  private readonly hub: WatchHub;
  private readonly reader: PgEventReader;
  private readonly compactor: Compactor | undefined;
  private readonly poll: NodeJS.Timeout;
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly listener: PgListener,
    tables: PgTables,
    revision: number,
    options: ResolvedPostgresOptions,
  ) {
    this.queries = new PgQueries(tables);
    this.hub = new WatchHub(
      { readHistory: (after, scope, max) => this.readHistory(after, scope, max) },
      revision,
    );
    this.reader = new PgEventReader(
      this.hub,
      (after, max) => this.queries.history(this.pool, after, {}, max),
      options.logger,
    );
    if (options.compaction) this.compactor = startCompactor(this, options.compaction, options.logger);
    // A safety net only: notifications wake watchers; this covers one lost in a reconnect.
    this.poll = setInterval(() => this.reader.wake(), options.pollIntervalMs);
    this.poll.unref();
  }

  static async open(options: ResolvedPostgresOptions): Promise<PostgresStore> {
    const { logger } = options;
    const tables = pgTables(options.schema);
    const pool = new pg.Pool({ connectionString: options.connectionString, max: options.poolSize });
    // An idle pooled connection that dies emits 'error' on the pool; unhandled, that
    // would crash the process. The pool replaces it on next use.
    pool.on('error', (err) =>
      logger.warn({ component: 'store.postgres', err }, 'an idle PostgreSQL connection failed'),
    );
    let store: PostgresStore | undefined;
    const listener = new PgListener(
      { connectionString: options.connectionString },
      tables.channel,
      { notified: (revision) => store?.reader.wake(revision), reconnected: () => store?.reader.wake() },
      logger,
    );
    try {
      await initSchema(pool, tables);
      // Listen before reading the revision, so every later commit is announced.
      await listener.start();
      const { revision } = await new PgQueries(tables).meta(pool);
      store = new PostgresStore(pool, listener, tables, revision, options);
      return store;
    } catch (err) {
      const cleanup = await Promise.allSettled([listener.stop(), pool.end()]);
      for (const r of cleanup) {
        if (r.status === 'rejected')
          logger.warn({ component: 'store.postgres', err: r.reason }, 'cleanup after a failed open failed');
      }
      throw pgError(err);
    }
  }

  async create(resource: StorageResource, object: KubeObject): Promise<KubeObject> {
    const input = this.check(() => prepareObject(resource, object));
    const plan = await this.write(input.key, (stored, revision) =>
      planCreate(resource, input.object, stored, revision, new Date()),
    );
    return plan.object;
  }

  async update(resource: StorageResource, object: KubeObject, options?: WriteOptions): Promise<UpdateResult> {
    const input = this.check(() => {
      checkWriteOptions(options);
      return prepareObject(resource, object);
    });
    const plan = await this.write(input.key, (stored, revision) =>
      planUpdate(resource, input.object, options, stored, revision),
    );
    return { object: plan.object, changed: plan.kind !== 'none' };
  }

  async delete(key: ObjectKey, options?: WriteOptions): Promise<KubeObject> {
    this.check(() => {
      checkKey(key);
      checkWriteOptions(options);
    });
    return (await this.write(key, (stored, revision) => planDelete(key, options, stored, revision))).object;
  }

  async get(key: ObjectKey): Promise<KubeObject | undefined> {
    this.check(() => checkKey(key));
    return this.run(async () => {
      const json = await this.queries.readObject(this.pool, key);
      return json === undefined ? undefined : readStored(json).object;
    });
  }

  async list(resource: StorageResource, options: ListOptions = {}): Promise<ListResult> {
    const { filter, limit, token } = this.check(() => {
      checkResource(resource);
      return {
        filter: compileFilter(options),
        limit: checkLimit(options.limit),
        token: options.continue ? decodeContinue(options.continue) : undefined,
      };
    });
    return this.run(() =>
      transaction(this.pool, async (client) => {
        // One snapshot for the meta row and every chunk of rows.
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        const meta = await this.queries.meta(client);
        let revision = meta.revision;
        if (token) {
          if (token.revision > meta.revision)
            throw badRequest('invalid continue token: revision is in the future');
          if (token.revision < meta.compacted) throw continueExpired();
          revision = token.revision;
        }
        const asOf = revision < meta.revision ? revision : undefined;
        const page = await collectPageAsync(collectPage(filter, limit, token?.after), (query) =>
          this.queries.listRows(client, resource, filter.pushdown, query, asOf),
        );
        const value: ListResult = { items: page.items, revision };
        const last = page.items[page.items.length - 1];
        if (page.more && last) {
          const after = { namespace: last.metadata.namespace ?? '', name: last.metadata.name ?? '' };
          value.continue = encodeContinue({ revision, after });
        }
        return { value, commit: true };
      }),
    );
  }

  watch(options: WatchOptions): Watch {
    return this.hub.watch(options);
  }

  async revision(): Promise<number> {
    this.check(() => undefined);
    return this.run(async () => (await this.queries.meta(this.pool)).revision);
  }

  async compactedRevision(): Promise<number> {
    this.check(() => undefined);
    return this.run(async () => (await this.queries.meta(this.pool)).compacted);
  }

  async compact(revision: number): Promise<CompactResult> {
    this.check(() => {
      if (!Number.isSafeInteger(revision) || revision < 0) {
        throw badRequest(`compact revision must be a non-negative integer, got ${revision}`);
      }
    });
    return this.run(async () => {
      const compactedRevision = await this.queries.advanceCompacted(this.pool, revision);
      // Readers already treat everything up to compactedRevision as gone, so the rows
      // go in short batches that never hold up writers for long.
      let removedEvents = 0;
      for (;;) {
        if (this.closed) break; // the rest goes at the next compaction
        const removed = await this.queries.deleteHistory(this.pool, compactedRevision, COMPACT_BATCH);
        removedEvents += removed;
        if (removed < COMPACT_BATCH) break;
      }
      return { compactedRevision, removedEvents };
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.compactor?.stop();
    clearInterval(this.poll);
    this.reader.stop();
    this.hub.close();
    await this.listener.stop();
    // Waits for checked-out connections (in-flight calls) to come back.
    await this.pool.end();
  }

  private async write(
    key: ObjectKey,
    decide: (stored: StoredObject | undefined, revision: number) => WritePlan,
  ): Promise<WritePlan> {
    const plan = await this.run(() =>
      transaction<WritePlan>(this.pool, async (client) => {
        const revision = await this.queries.beginWrite(client);
        // Read after taking the revision lock: in READ COMMITTED this statement's
        // snapshot sees every write that held the lock before this one.
        const json = await this.queries.readObject(client, key);
        const plan = decide(json === undefined ? undefined : readStored(json), revision);
        // A no-op rolls back, giving back the revision it took.
        if (plan.kind === 'none') return { value: plan, commit: false };
        await this.queries.applyWrite(client, plan);
        return { value: plan, commit: true };
      }),
    );
    // Wake this instance's reader now rather than after the notification's round trip.
    if (plan.kind !== 'none') this.reader.wake(plan.event.revision);
    return plan;
  }

  private async readHistory(after: number, scope: HistoryScope, max: number): Promise<HistoryPage> {
    const page = await this.run(() => this.queries.history(this.pool, after, scope, max));
    return { events: page.rows.map(eventFromRow), head: page.head, compacted: page.compacted };
  }

  /** Argument checks that throw synchronously-created EdgewiseErrors (rejections, since callers are async). */
  private check<T>(work: () => T): T {
    if (this.closed) throw storeClosed();
    return work();
  }

  /** Database work: failures become EdgewiseErrors. */
  private async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) throw storeClosed();
    try {
      return await work();
    } catch (err) {
      // close() ended the pool under a call already under way.
      if (this.closed && !EdgewiseError.is(err)) throw storeClosed();
      throw pgError(err);
    }
  }
}
