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
import {
  checkLimit,
  collectPage,
  collectPageAsync,
  decodeContinue,
  encodeContinue,
  type ListRow,
} from '../common/list.js';
import { checkKey, checkResource, prepareObject } from '../common/metadata.js';
import type { ResolvedCommonOptions } from '../common/options.js';
import { type EventRow, eventFromRow } from '../common/rows.js';
import { type HistoryScope, historySql, listRowsSql, type SqlDialect } from '../common/sql.js';
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
import { initSchema, type PgTables, pgTables } from './schema.js';
import { transaction } from './transaction.js';

/** History rows with the meta row of the same snapshot. */
export interface RawHistoryPage {
  rows: EventRow[];
  head: number;
  compacted: number;
}

const COMPACT_BATCH = 5_000;

interface MetaRow {
  revision: string;
  compacted_revision: string;
}

interface HistoryRow extends Omit<EventRow, 'revision'> {
  revision: string | null;
  head: string;
  compacted: string;
}

export interface ResolvedPostgresOptions extends ResolvedCommonOptions {
  readonly connectionString: string;
  readonly schema: string;
  readonly poolSize: number;
  readonly pollIntervalMs: number;
}

export class PostgresStore implements Store {
  private readonly dialect: SqlDialect;
  private readonly hub: WatchHub;
  private readonly reader: PgEventReader;
  private readonly compactor: Compactor | undefined;
  private readonly poll: NodeJS.Timeout;
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly listener: PgListener,
    private readonly tables: PgTables,
    revision: number,
    options: ResolvedPostgresOptions,
  ) {
    this.dialect = { placeholder: (i) => `$${i}`, objectsTable: tables.objects, eventsTable: tables.events };
    this.hub = new WatchHub(
      { readHistory: (after, scope, max) => this.readHistory(after, scope, max) },
      revision,
    );
    this.reader = new PgEventReader(
      this.hub,
      (after, max) => this.readRawHistory(after, {}, max),
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
      const { rows } = await pool.query<MetaRow>(`SELECT revision FROM ${tables.meta} WHERE id = 1`);
      store = new PostgresStore(pool, listener, tables, Number(rows[0]?.revision ?? 0), options);
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
      const { rows } = await this.pool.query<{ object: string }>(
        `SELECT object FROM ${this.tables.objects} WHERE resource = $1 AND namespace = $2 AND name = $3`,
        [key.resource, key.namespace, key.name],
      );
      return rows[0] ? readStored(rows[0].object).object : undefined;
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
        const meta = await this.meta(client);
        let revision = meta.revision;
        if (token) {
          if (token.revision > meta.revision)
            throw badRequest('invalid continue token: revision is in the future');
          if (token.revision < meta.compacted) throw continueExpired();
          revision = token.revision;
        }
        const asOf = revision < meta.revision ? revision : undefined;
        const page = await collectPageAsync(collectPage(filter, limit, token?.after), async (query) => {
          const sql = listRowsSql(this.dialect, resource, filter.pushdown, query, asOf);
          return (await client.query<ListRow>(sql.text, sql.values)).rows;
        });
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
    return this.run(async () => (await this.meta(this.pool)).revision);
  }

  async compactedRevision(): Promise<number> {
    this.check(() => undefined);
    return this.run(async () => (await this.meta(this.pool)).compacted);
  }

  async compact(revision: number): Promise<CompactResult> {
    this.check(() => {
      if (!Number.isSafeInteger(revision) || revision < 0) {
        throw badRequest(`compact revision must be a non-negative integer, got ${revision}`);
      }
    });
    return this.run(async () => {
      const { meta, events } = this.tables;
      await this.pool.query(
        `UPDATE ${meta} SET compacted_revision = LEAST($1::bigint, revision) WHERE id = 1 AND compacted_revision < LEAST($1::bigint, revision)`,
        [revision],
      );
      const compactedRevision = (await this.meta(this.pool)).compacted;
      // Readers already treat everything up to compactedRevision as gone, so the rows
      // go in short batches that never hold up writers for long.
      let removedEvents = 0;
      for (;;) {
        if (this.closed) break; // the rest goes at the next compaction
        const { rowCount } = await this.pool.query(
          `DELETE FROM ${events} WHERE revision IN (SELECT revision FROM ${events} WHERE revision <= $1 ORDER BY revision LIMIT $2)`,
          [compactedRevision, COMPACT_BATCH],
        );
        removedEvents += rowCount ?? 0;
        if ((rowCount ?? 0) < COMPACT_BATCH) break;
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
    const { meta, objects, events, channel } = this.tables;
    const plan = await this.run(() =>
      transaction<WritePlan>(this.pool, async (client) => {
        // BEGIN and the revision increment in one round trip (a simple-protocol query
        // may hold several statements; pg returns one result per statement). The
        // increment takes the meta row lock: every write from here on waits for us.
        const results = (await client.query(
          `BEGIN; UPDATE ${meta} SET revision = revision + 1 WHERE id = 1 RETURNING revision`,
        )) as unknown as pg.QueryResult<{ revision: string }>[];
        const revision = Number(results[1]?.rows[0]?.revision);
        // Read after taking the lock: in READ COMMITTED this statement's snapshot sees
        // every write that held the lock before us.
        const { rows } = await client.query<{ object: string }>(
          `SELECT object FROM ${objects} WHERE resource = $1 AND namespace = $2 AND name = $3`,
          [key.resource, key.namespace, key.name],
        );
        const plan = decide(rows[0] ? readStored(rows[0].object) : undefined, revision);
        // A no-op rolls back, returning the revision it had taken.
        if (plan.kind === 'none') return { value: plan, commit: false };
        const e = plan.event;
        // Data-modifying CTEs always run to completion; the notification reaches every
        // replica's listener when this transaction commits.
        const event = `e AS (INSERT INTO ${events} (revision, resource, namespace, name, type, object, previous)`;
        if (plan.kind === 'put') {
          const r = plan.row;
          await client.query(
            `WITH o AS (INSERT INTO ${objects} (resource, namespace, name, uid, revision, node_name, phase, object)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                        ON CONFLICT (resource, namespace, name) DO UPDATE SET uid = EXCLUDED.uid,
                        revision = EXCLUDED.revision, node_name = EXCLUDED.node_name, phase = EXCLUDED.phase,
                        object = EXCLUDED.object),
                  ${event} VALUES ($5, $1, $2, $3, $9, $8, $10))
             SELECT pg_notify($11, $12)`,
            [
              r.resource,
              r.namespace,
              r.name,
              r.uid,
              r.revision,
              r.nodeName,
              r.phase,
              r.object,
              e.type,
              e.previous,
              channel,
              String(r.revision),
            ],
          );
        } else {
          await client.query(
            `WITH o AS (DELETE FROM ${objects} WHERE resource = $1 AND namespace = $2 AND name = $3),
                  ${event} VALUES ($4, $1, $2, $3, $5, $6, $7))
             SELECT pg_notify($8, $9)`,
            [
              e.resource,
              e.namespace,
              e.name,
              e.revision,
              e.type,
              e.object,
              e.previous,
              channel,
              String(e.revision),
            ],
          );
        }
        return { value: plan, commit: true };
      }),
    );
    // Wake this instance's reader now rather than after the notification's round trip.
    if (plan.kind !== 'none') this.reader.wake(plan.event.revision);
    return plan;
  }

  private async readHistory(after: number, scope: HistoryScope, max: number): Promise<HistoryPage> {
    const page = await this.run(() => this.readRawHistory(after, scope, max));
    return { events: page.rows.map(eventFromRow), head: page.head, compacted: page.compacted };
  }

  /** History after `after` with the meta row, in one statement so one snapshot. */
  private async readRawHistory(after: number, scope: HistoryScope, max: number): Promise<RawHistoryPage> {
    const history = historySql(this.dialect, after, scope, max);
    const { rows } = await this.pool.query<HistoryRow>(
      `SELECT m.revision AS head, m.compacted_revision AS compacted, h.revision, h.resource, h.namespace, h.name, h.type, h.object, h.previous
       FROM ${this.tables.meta} m LEFT JOIN LATERAL (${history.text}) h ON true WHERE m.id = 1 ORDER BY h.revision`,
      history.values,
    );
    const first = rows[0];
    if (!first) throw new Error(`meta row missing from ${this.tables.meta}`);
    const events: EventRow[] = [];
    for (const r of rows) {
      if (r.revision === null) continue; // the LEFT JOIN's empty row: no events
      events.push({
        revision: Number(r.revision),
        resource: r.resource,
        namespace: r.namespace,
        name: r.name,
        type: r.type,
        object: r.object,
        previous: r.previous,
      });
    }
    return { rows: events, head: Number(first.head), compacted: Number(first.compacted) };
  }

  private async meta(db: pg.Pool | pg.PoolClient): Promise<{ revision: number; compacted: number }> {
    const { rows } = await db.query<MetaRow>(
      `SELECT revision, compacted_revision FROM ${this.tables.meta} WHERE id = 1`,
    );
    const row = rows[0];
    if (!row) throw new Error(`meta row missing from ${this.tables.meta}`);
    return { revision: Number(row.revision), compacted: Number(row.compacted_revision) };
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
