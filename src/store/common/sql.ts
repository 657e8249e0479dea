/**
 * SQL text that is the same for SQLite and PostgreSQL apart from placeholders and
 * table names: the list queries (current and as of a revision) and history reads.
 */
import type { StorageResource } from '../store.js';
import type { Pushdown } from './filter.js';
import type { RowQuery } from './list.js';

export interface SqlDialect {
  /** `?` for SQLite, `$n` for PostgreSQL (n counts from 1). */
  placeholder(index: number): string;
  objectsTable: string;
  eventsTable: string;
}

export interface Sql {
  text: string;
  values: unknown[];
}

class Builder {
  readonly values: unknown[] = [];
  constructor(private readonly dialect: SqlDialect) {}
  p(value: unknown): string {
    this.values.push(value);
    return this.dialect.placeholder(this.values.length);
  }
}

/** Column conditions from pushdown, on table alias `t`. `withColumns`: the objects table's extra columns exist. */
function conditions(
  b: Builder,
  t: string,
  pushdown: Pushdown,
  query: RowQuery,
  withColumns: boolean,
): string {
  let sql = '';
  if (pushdown.namespace !== undefined) sql += ` AND ${t}.namespace = ${b.p(pushdown.namespace)}`;
  if (pushdown.name !== undefined) sql += ` AND ${t}.name = ${b.p(pushdown.name)}`;
  if (withColumns && pushdown.nodeName !== undefined)
    sql += ` AND ${t}.node_name = ${b.p(pushdown.nodeName)}`;
  if (withColumns && pushdown.phase !== undefined) sql += ` AND ${t}.phase = ${b.p(pushdown.phase)}`;
  if (query.after)
    sql += ` AND (${t}.namespace, ${t}.name) > (${b.p(query.after.namespace)}, ${b.p(query.after.name)})`;
  return sql;
}

function limit(b: Builder, query: RowQuery): string {
  return query.limit === undefined ? '' : ` LIMIT ${b.p(query.limit)}`;
}

/**
 * Rows of `resource` in key order. With `asOf`, the objects as they were at that
 * revision: those not written since come from the objects table, the others from
 * the `previous` of the first later event per key (absent if that event is ADDED:
 * the key did not exist yet). Both halves are disjoint: a key whose last write is at
 * or before `asOf` has no later event.
 */
export function listRowsSql(
  dialect: SqlDialect,
  resource: StorageResource,
  pushdown: Pushdown,
  query: RowQuery,
  asOf?: number,
): Sql {
  const b = new Builder(dialect);
  const { objectsTable: objects, eventsTable: events } = dialect;
  if (asOf === undefined) {
    const text =
      `SELECT o.namespace, o.name, o.object FROM ${objects} o WHERE o.resource = ${b.p(resource)}` +
      `${conditions(b, 'o', pushdown, query, true)} ORDER BY o.namespace, o.name${limit(b, query)}`;
    return { text, values: b.values };
  }
  const current =
    `SELECT o.namespace, o.name, o.object FROM ${objects} o WHERE o.resource = ${b.p(resource)}` +
    ` AND o.revision <= ${b.p(asOf)}${conditions(b, 'o', pushdown, query, true)}`;
  const rewound =
    `SELECT e.namespace, e.name, e.previous AS object FROM ${events} e WHERE e.resource = ${b.p(resource)}` +
    ` AND e.revision > ${b.p(asOf)} AND e.type <> 'ADDED'${conditions(b, 'e', pushdown, query, false)}` +
    ` AND NOT EXISTS (SELECT 1 FROM ${events} x WHERE x.resource = e.resource AND x.namespace = e.namespace` +
    ` AND x.name = e.name AND x.revision > ${b.p(asOf)} AND x.revision < e.revision)`;
  const text = `SELECT page.namespace, page.name, page.object FROM (${current} UNION ALL ${rewound}) page ORDER BY page.namespace, page.name${limit(b, query)}`;
  return { text, values: b.values };
}

export interface HistoryScope {
  resource?: StorageResource;
  namespace?: string;
}

/** History rows after `after`, oldest first, optionally of one resource and namespace. */
export function historySql(dialect: SqlDialect, after: number, scope: HistoryScope, max: number): Sql {
  const b = new Builder(dialect);
  let text = `SELECT h.revision, h.resource, h.namespace, h.name, h.type, h.object, h.previous FROM ${dialect.eventsTable} h WHERE h.revision > ${b.p(after)}`;
  if (scope.resource !== undefined) text += ` AND h.resource = ${b.p(scope.resource)}`;
  if (scope.namespace) text += ` AND h.namespace = ${b.p(scope.namespace)}`;
  text += ` ORDER BY h.revision LIMIT ${b.p(max)}`;
  return { text, values: b.values };
}
