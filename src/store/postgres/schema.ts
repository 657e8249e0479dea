/** The PostgreSQL tables of one store, all inside one schema. */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { EdgewiseError } from '../../api/errors.js';
import { transaction } from './transaction.js';

const SCHEMA_VERSION = 1;

export interface PgTables {
  schema: string;
  meta: string;
  objects: string;
  events: string;
  /** The NOTIFY channel on which writers announce new revisions. */
  channel: string;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function pgTables(schema: string): PgTables {
  const s = quoteIdent(schema);
  // Channel names are identifiers (at most 63 bytes); a long schema name is hashed.
  const plain = `edgewise_${schema}`;
  const channel =
    plain.length <= 63 ? plain : `edgewise_${createHash('sha256').update(schema).digest('hex').slice(0, 40)}`;
  return { schema, meta: `${s}.meta`, objects: `${s}.objects`, events: `${s}.events`, channel };
}

/**
 * Creates the schema and tables if missing. Key columns use the "C" collation so the
 * database orders keys bytewise, as SQLite and continue tokens do (a locale collation
 * would order `a-b` and `ab` differently from the token's comparison). Documents are
 * `text`, not `jsonb`: jsonb reorders keys, and objects must read back as written.
 */
export async function initSchema(pool: pg.Pool, tables: PgTables): Promise<void> {
  const { meta, objects, events } = tables;
  await transaction(pool, async (client) => {
    await client.query('BEGIN');
    // Replicas starting together would race on CREATE ... IF NOT EXISTS (which is not
    // atomic in PostgreSQL); a transaction-scoped advisory lock serialises them.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`edgewise.store:${tables.schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(tables.schema)}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${meta} (
      id int PRIMARY KEY CHECK (id = 1),
      revision bigint NOT NULL,
      compacted_revision bigint NOT NULL,
      schema_version int NOT NULL)`);
    await client.query(
      `INSERT INTO ${meta} (id, revision, compacted_revision, schema_version) VALUES (1, 0, 0, $1) ON CONFLICT (id) DO NOTHING`,
      [SCHEMA_VERSION],
    );
    await client.query(`CREATE TABLE IF NOT EXISTS ${objects} (
      resource text COLLATE "C" NOT NULL,
      namespace text COLLATE "C" NOT NULL,
      name text COLLATE "C" NOT NULL,
      uid text NOT NULL,
      revision bigint NOT NULL,
      node_name text NOT NULL,
      phase text NOT NULL,
      object text NOT NULL,
      PRIMARY KEY (resource, namespace, name))`);
    await client.query(`CREATE INDEX IF NOT EXISTS objects_node_name ON ${objects} (resource, node_name)`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${events} (
      revision bigint PRIMARY KEY,
      resource text COLLATE "C" NOT NULL,
      namespace text COLLATE "C" NOT NULL,
      name text COLLATE "C" NOT NULL,
      type text NOT NULL CHECK (type IN ('ADDED', 'MODIFIED', 'DELETED')),
      object text NOT NULL,
      previous text)`);
    await client.query(
      `CREATE INDEX IF NOT EXISTS events_key ON ${events} (resource, namespace, name, revision)`,
    );
    const { rows } = await client.query<{ schema_version: number }>(
      `SELECT schema_version FROM ${meta} WHERE id = 1`,
    );
    const version = rows[0]?.schema_version;
    if (version !== SCHEMA_VERSION) {
      throw new EdgewiseError(
        'EW_UNAVAILABLE',
        `PostgreSQL store schema "${tables.schema}" has version ${version}; this Edgewise reads version ${SCHEMA_VERSION}`,
      );
    }
    return { value: undefined, commit: true };
  });
}
