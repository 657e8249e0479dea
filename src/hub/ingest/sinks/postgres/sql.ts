/** The SQL the PostgreSQL sink runs, for one table. */

export interface TableSql {
  /** The table name as the option gave it, for messages. */
  readonly table: string;
  /** The schema to create first, when the name has one. */
  readonly schema: string | undefined;
  /** `"schema"."name"` or `"name"`. */
  readonly qualified: string;
  readonly createSchema: string | undefined;
  readonly createTable: string;
  /**
   * One statement, so one transaction, for the whole batch; `ON CONFLICT DO NOTHING`
   * makes a redelivered record a no-op. `unnest` keeps the batch's order.
   */
  readonly insert: string;
}

/** Identifiers were validated (letters, digits, _); quoting keeps them exactly as written. */
function quote(identifier: string): string {
  return `"${identifier}"`;
}

export function tableSql(table: string): TableSql {
  const dot = table.indexOf('.');
  const schema = dot === -1 ? undefined : table.slice(0, dot);
  const name = dot === -1 ? table : table.slice(dot + 1);
  const qualified = schema === undefined ? quote(name) : `${quote(schema)}.${quote(name)}`;
  return {
    table,
    schema,
    qualified,
    createSchema: schema === undefined ? undefined : `CREATE SCHEMA IF NOT EXISTS ${quote(schema)}`,
    // dedup_key is the primary key, not only unique: it is the ON CONFLICT target, and
    // logical replication and CDC tools (Debezium, …) need a primary key downstream.
    createTable: `CREATE TABLE IF NOT EXISTS ${qualified} (
  node text NOT NULL,
  epoch text NOT NULL,
  stream text NOT NULL,
  seq bigint NOT NULL,
  time timestamptz NOT NULL,
  data jsonb NOT NULL,
  dedup_key text PRIMARY KEY
)`,
    insert: `INSERT INTO ${qualified} (node, epoch, stream, seq, time, data, dedup_key)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::timestamptz[], $6::jsonb[], $7::text[])
ON CONFLICT (dedup_key) DO NOTHING`,
  };
}
