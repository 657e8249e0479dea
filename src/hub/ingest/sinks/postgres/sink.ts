/**
 * Inserts records into a PostgreSQL table, one statement (so one transaction) per
 * batch, `ON CONFLICT (dedup_key) DO NOTHING`: a batch is either all committed or
 * not at all, and a redelivered batch (after a lost acknowledgement or a timeout
 * whose commit did land) adds no rows. This is the one sink whose dedup is permanent.
 */
import pg from 'pg';
import type { EdgewiseError } from '../../../../api/errors.js';
import type { SinkRecord } from '../../sink.js';
import { ConnectedSink } from '../connected-sink.js';
import { redactUrl, resolveOptions } from '../options.js';
import { classifyPostgres } from './classify.js';
import { POSTGRES_OPTIONS, type PostgresSinkOptions, type ResolvedPostgresOptions } from './options.js';
import { type TableSql, tableSql } from './sql.js';

/** Column arrays for the `unnest` insert, in its parameter order. */
type Columns = [string[], string[], string[], number[], string[], string[], string[]];

/** SQLSTATEs of a concurrent CREATE … IF NOT EXISTS that lost the race (another hub won). */
const ALREADY_CREATED = new Set(['23505', '42P06', '42P07']);

export class PostgresSink extends ConnectedSink<pg.Pool, Columns> {
  readonly name: string;
  readonly options: ResolvedPostgresOptions;
  readonly #sql: TableSql;
  readonly #where: string;

  constructor(options: PostgresSinkOptions) {
    const resolved = resolveOptions<ResolvedPostgresOptions>('postgres', options, POSTGRES_OPTIONS);
    super(resolved.timeoutMs);
    this.options = resolved;
    this.#sql = tableSql(resolved.table);
    this.name = `postgres:${resolved.table}`;
    this.#where = `PostgreSQL at ${redactUrl(resolved.connectionString)}`;
  }

  protected prepare(batch: readonly SinkRecord[]): Columns {
    const columns: Columns = [[], [], [], [], [], [], []];
    for (const r of batch) {
      columns[0].push(r.node);
      columns[1].push(r.epoch);
      columns[2].push(r.stream);
      columns[3].push(r.seq);
      columns[4].push(r.time);
      // undefined data is stored as JSON null: the column is NOT NULL.
      columns[5].push(JSON.stringify(r.data) ?? 'null');
      columns[6].push(r.dedupKey);
    }
    return columns;
  }

  /**
   * The "connection" is a pool: node-postgres replaces broken clients itself, so it is
   * never reported lost; a failed delivery still ends it, and the next creates a fresh
   * one (and checks the table again).
   */
  protected async connect(): Promise<pg.Pool> {
    const pool = new pg.Pool({
      connectionString: this.options.connectionString,
      max: this.options.poolSize,
      connectionTimeoutMillis: this.options.timeoutMs,
      // Server-side too, so a statement the sink gave up on is cancelled and rolled
      // back rather than committing after the hub was told it failed.
      statement_timeout: this.options.timeoutMs,
      application_name: `edgewise ${this.name}`.slice(0, 63),
    });
    // An idle client whose server went away emits 'error' on the pool; unhandled, that
    // would crash the hub. The pool drops the client; the next query opens another.
    pool.on('error', () => {});
    if (!this.options.createTable) return pool;
    try {
      await this.#ensureTable(pool);
      return pool;
    } catch (err) {
      await pool.end().catch(() => {});
      throw err;
    }
  }

  protected async send(pool: pg.Pool, columns: Columns): Promise<void> {
    await pool.query(this.#sql.insert, columns);
  }

  protected async disconnect(pool: pg.Pool): Promise<void> {
    await pool.end();
  }

  protected classify(err: unknown): EdgewiseError {
    return classifyPostgres(this.name, this.#where, this.options.table, err);
  }

  async #ensureTable(pool: pg.Pool): Promise<void> {
    // Look first: CREATE … IF NOT EXISTS still needs the CREATE privilege, which a sink
    // writing into a table someone else made need not have.
    const found = await pool.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [
      this.#sql.qualified,
    ]);
    if (found.rows[0]?.exists) return;
    for (const statement of [this.#sql.createSchema, this.#sql.createTable]) {
      if (statement === undefined) continue;
      try {
        await pool.query(statement);
      } catch (err) {
        const state = (err as { code?: unknown }).code;
        if (!(typeof state === 'string' && ALREADY_CREATED.has(state))) throw err;
      }
    }
  }
}
