/**
 * The ingest ledger in PostgreSQL, beside the hub's store (same database and schema,
 * tables `ingest_*`), so hub replicas share dedup state: an agent may reconnect to any
 * replica. Each commit locks its stream rows (`FOR UPDATE`) and checks the position
 * the ingest decided on, so two replicas can never both commit the same range.
 */
import pg from 'pg';
import { EdgewiseError } from '../../../api/errors.js';
import { quoteIdent } from '../../../store/postgres/schema.js';
import { transaction } from '../../../store/postgres/transaction.js';
import type {
  CommitEntry,
  CommitOutcome,
  IngestLedger,
  RecordQuery,
  StoredRecord,
  StreamKey,
  StreamTotals,
} from '../ledger.js';

export interface PostgresLedgerOptions {
  connectionString: string;
  /** @default edgewise (the store's default schema) */
  schema?: string;
  /** @default 4 */
  poolSize?: number;
}

export async function openPostgresLedger(options: PostgresLedgerOptions): Promise<PostgresLedger> {
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 4 });
  const schema = quoteIdent(options.schema ?? 'edgewise');
  try {
    await transaction(pool, async (client) => {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`edgewise.ingest:${schema}`]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${schema}.ingest_streams (
        id bigserial PRIMARY KEY, node text NOT NULL, epoch text NOT NULL, stream text NOT NULL,
        position bigint NOT NULL, first_seen bigint NOT NULL, updated bigint NOT NULL,
        UNIQUE (node, epoch, stream))`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${schema}.ingest_totals (
        node text NOT NULL, stream text NOT NULL, delivered bigint NOT NULL, duplicates bigint NOT NULL,
        gaps bigint NOT NULL, last_received bigint NOT NULL, PRIMARY KEY (node, stream))`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${schema}.ingest_records (
        id bigserial PRIMARY KEY, sid bigint NOT NULL, seq bigint NOT NULL, time bigint NOT NULL,
        received bigint NOT NULL, expires bigint NOT NULL, data text NOT NULL, UNIQUE (sid, seq))`);
      await client.query(
        `CREATE INDEX IF NOT EXISTS ingest_records_expires ON ${schema}.ingest_records (expires)`,
      );
      return { value: undefined, commit: true };
    });
  } catch (err) {
    await pool.end();
    throw new EdgewiseError(
      'EW_UNAVAILABLE',
      `cannot prepare the ingest ledger: ${(err as Error).message}`,
      undefined,
      {
        cause: err,
      },
    );
  }
  return new PostgresLedger(pool, schema);
}

export class PostgresLedger implements IngestLedger {
  readonly #pool: pg.Pool;
  readonly #s: string;

  constructor(pool: pg.Pool, quotedSchema: string) {
    this.#pool = pool;
    this.#s = quotedSchema;
  }

  async position(key: StreamKey): Promise<number> {
    const { rows } = await this.#pool.query(
      `SELECT position FROM ${this.#s}.ingest_streams WHERE node = $1 AND epoch = $2 AND stream = $3`,
      [key.node, key.epoch, key.stream],
    );
    return Number(rows[0]?.position ?? 0);
  }

  async commit(entries: readonly CommitEntry[]): Promise<CommitOutcome[]> {
    try {
      return await transaction(this.#pool, async (client) => {
        await client.query('BEGIN');
        const outcomes: CommitOutcome[] = [];
        for (const e of entries) outcomes.push(await this.#apply(client, e));
        return { value: outcomes, commit: true };
      });
    } catch (err) {
      throw new EdgewiseError(
        'EW_UNAVAILABLE',
        `the ingest ledger could not commit: ${(err as Error).message}`,
      );
    }
  }

  async #apply(client: pg.PoolClient, e: CommitEntry): Promise<CommitOutcome> {
    const s = this.#s;
    const { node, epoch, stream } = e.key;
    await client.query(
      `INSERT INTO ${s}.ingest_streams (node, epoch, stream, position, first_seen, updated)
       VALUES ($1, $2, $3, 0, $4, $4) ON CONFLICT (node, epoch, stream) DO NOTHING`,
      [node, epoch, stream, e.now],
    );
    const { rows } = await client.query(
      `SELECT id, position FROM ${s}.ingest_streams WHERE node = $1 AND epoch = $2 AND stream = $3 FOR UPDATE`,
      [node, epoch, stream],
    );
    const id = rows[0].id as string;
    const position = Number(rows[0].position);
    if (position !== e.expected) return { ok: false, position };
    if (e.records.length > 0) {
      await client.query(
        `INSERT INTO ${s}.ingest_records (sid, seq, time, received, expires, data)
         SELECT $1, r.seq, r.time, $2, $3, r.data FROM unnest($4::bigint[], $5::bigint[], $6::text[]) AS r(seq, time, data)`,
        [
          id,
          e.now,
          e.expires ?? 0,
          e.records.map((r) => r.seq),
          e.records.map((r) => r.time),
          e.records.map((r) => r.data),
        ],
      );
    }
    if (e.to !== position)
      await client.query(`UPDATE ${s}.ingest_streams SET position = $1, updated = $2 WHERE id = $3`, [
        e.to,
        e.now,
        id,
      ]);
    await client.query(
      `INSERT INTO ${s}.ingest_totals (node, stream, delivered, duplicates, gaps, last_received)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (node, stream) DO UPDATE SET
       delivered = ingest_totals.delivered + excluded.delivered, duplicates = ingest_totals.duplicates + excluded.duplicates,
       gaps = ingest_totals.gaps + excluded.gaps, last_received = excluded.last_received`,
      [node, stream, e.delivered, e.duplicates, e.gap, e.now],
    );
    return { ok: true };
  }

  async totals(node: string, stream: string): Promise<StreamTotals> {
    const { rows } = await this.#pool.query(
      `SELECT delivered, duplicates, gaps, last_received FROM ${this.#s}.ingest_totals WHERE node = $1 AND stream = $2`,
      [node, stream],
    );
    const r = rows[0];
    return {
      delivered: Number(r?.delivered ?? 0),
      duplicates: Number(r?.duplicates ?? 0),
      gaps: Number(r?.gaps ?? 0),
      lastReceived: Number(r?.last_received ?? 0),
    };
  }

  async records(query: RecordQuery): Promise<StoredRecord[]> {
    const params: (string | number)[] = [query.after ?? 0];
    const where = ['r.id > $1'];
    for (const field of ['node', 'epoch', 'stream'] as const) {
      const value = query[field];
      if (value === undefined) continue;
      params.push(value);
      where.push(`s.${field} = $${params.length}`);
    }
    if (query.seq !== undefined) {
      params.push(query.seq);
      where.push(`r.seq = $${params.length}`);
    }
    params.push(query.limit);
    const { rows } = await this.#pool.query(
      `SELECT r.id, s.node, s.epoch, s.stream, r.seq, r.time, r.received, r.data
       FROM ${this.#s}.ingest_records r JOIN ${this.#s}.ingest_streams s ON s.id = r.sid
       WHERE ${where.join(' AND ')} ORDER BY r.id LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => ({
      id: Number(r.id),
      node: r.node as string,
      epoch: r.epoch as string,
      stream: r.stream as string,
      seq: Number(r.seq),
      time: Number(r.time),
      received: Number(r.received),
      data: r.data as string,
    }));
  }

  async prune(now: number): Promise<number> {
    const result = await this.#pool.query(`DELETE FROM ${this.#s}.ingest_records WHERE expires < $1`, [now]);
    return result.rowCount ?? 0;
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
