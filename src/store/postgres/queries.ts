/**
 * Every statement the PostgreSQL store runs, over one schema's tables. The store
 * decides; these read and write.
 */
import type pg from 'pg';
import type { Pushdown } from '../common/filter.js';
import type { ListRow, RowQuery } from '../common/list.js';
import type { EventRow } from '../common/rows.js';
import { type HistoryScope, historySql, listRowsSql, type SqlDialect } from '../common/sql.js';
import type { PlannedWrite } from '../common/writes.js';
import type { ObjectKey, StorageResource } from '../store.js';
import type { PgTables } from './schema.js';

/** A pool or one of its clients (inside a transaction). */
type Db = pg.Pool | pg.PoolClient;

export interface Meta {
  revision: number;
  compacted: number;
}

/** History rows with the meta row of the same snapshot. */
export interface RawHistoryPage {
  rows: EventRow[];
  head: number;
  compacted: number;
}

interface HistoryRow extends Omit<EventRow, 'revision'> {
  revision: string | null;
  head: string;
  compacted: string;
}

export class PgQueries {
  private readonly dialect: SqlDialect;

  constructor(private readonly tables: PgTables) {
    this.dialect = { placeholder: (i) => `$${i}`, objectsTable: tables.objects, eventsTable: tables.events };
  }

  async meta(db: Db): Promise<Meta> {
    // bigint columns arrive as strings; revisions stay far below 2^53.
    const { rows } = await db.query<{ revision: string; compacted_revision: string }>(
      `SELECT revision, compacted_revision FROM ${this.tables.meta} WHERE id = 1`,
    );
    const row = rows[0];
    if (!row) throw new Error(`the meta row is missing from ${this.tables.meta}`);
    return { revision: Number(row.revision), compacted: Number(row.compacted_revision) };
  }

  async readObject(db: Db, key: ObjectKey): Promise<string | undefined> {
    const { rows } = await db.query<{ object: string }>(
      `SELECT object FROM ${this.tables.objects} WHERE resource = $1 AND namespace = $2 AND name = $3`,
      [key.resource, key.namespace, key.name],
    );
    return rows[0]?.object;
  }

  /**
   * Opens a write transaction and takes the next revision. BEGIN and the increment
   * share one round trip (a simple-protocol query may hold several statements; pg
   * returns one result each). The increment locks the meta row until commit, so
   * writes commit one at a time in revision order.
   */
  async beginWrite(client: pg.PoolClient): Promise<number> {
    const results = (await client.query(
      `BEGIN; UPDATE ${this.tables.meta} SET revision = revision + 1 WHERE id = 1 RETURNING revision`,
    )) as unknown as pg.QueryResult<{ revision: string }>[];
    const revision = Number(results[1]?.rows[0]?.revision);
    if (!Number.isSafeInteger(revision)) throw new Error(`the meta row is missing from ${this.tables.meta}`);
    return revision;
  }

  /**
   * Writes the object row and the history row, and notifies listeners, in one
   * statement: data-modifying CTEs always run to completion, and the notification
   * reaches every replica when the transaction commits.
   */
  async applyWrite(client: pg.PoolClient, plan: PlannedWrite): Promise<void> {
    const { objects, events, channel } = this.tables;
    const e = plan.event;
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
  }

  async listRows(
    db: Db,
    resource: StorageResource,
    pushdown: Pushdown,
    query: RowQuery,
    asOf: number | undefined,
  ): Promise<ListRow[]> {
    const sql = listRowsSql(this.dialect, resource, pushdown, query, asOf);
    return (await db.query<ListRow>(sql.text, sql.values)).rows;
  }

  /** History after `after` with the meta row, in one statement so from one snapshot. */
  async history(db: Db, after: number, scope: HistoryScope, max: number): Promise<RawHistoryPage> {
    const history = historySql(this.dialect, after, scope, max);
    const { rows } = await db.query<HistoryRow>(
      `SELECT m.revision AS head, m.compacted_revision AS compacted, h.revision, h.resource, h.namespace, h.name,
              h.type, h.object, h.previous
       FROM ${this.tables.meta} m LEFT JOIN LATERAL (${history.text}) h ON true WHERE m.id = 1 ORDER BY h.revision`,
      history.values,
    );
    const first = rows[0];
    if (!first) throw new Error(`the meta row is missing from ${this.tables.meta}`);
    const events: EventRow[] = [];
    for (const r of rows) {
      if (r.revision === null) continue; // the LEFT JOIN's row when there are no events
      const { head: _head, compacted: _compacted, ...event } = r;
      events.push({ ...event, revision: Number(r.revision) });
    }
    return { rows: events, head: Number(first.head), compacted: Number(first.compacted) };
  }

  /** Moves the compacted mark forward (never back, never past the head); returns it. */
  async advanceCompacted(db: Db, revision: number): Promise<number> {
    await db.query(
      `UPDATE ${this.tables.meta} SET compacted_revision = LEAST($1::bigint, revision)
       WHERE id = 1 AND compacted_revision < LEAST($1::bigint, revision)`,
      [revision],
    );
    return (await this.meta(db)).compacted;
  }

  /** Deletes up to `batch` history rows at or before `revision`; returns how many. */
  async deleteHistory(db: Db, revision: number, batch: number): Promise<number> {
    const { events } = this.tables;
    const { rowCount } = await db.query(
      `DELETE FROM ${events} WHERE revision IN (SELECT revision FROM ${events} WHERE revision <= $1 ORDER BY revision LIMIT $2)`,
      [revision, batch],
    );
    return rowCount ?? 0;
  }
}
