import assert from 'node:assert/strict';
import pg from 'pg';
import { PostgresSink } from '../../../../src/hub/ingest/sinks/index.js';
import { POSTGRES } from '../../../support/services.js';
import { rejectsWithCode } from './support/expect.js';
import { batch } from './support/records.js';
import { type Destination, type Received, sinkSuite, unique } from './support/suite.js';

const url = (port: number, database = 'test') => `postgres://postgres@127.0.0.1:${port}/${database}`;

interface PostgresDestination extends Destination {
  /** A schema of this test's own; dropped afterwards with everything in it. */
  readonly schema: string;
  /** `<schema>.records`, created by the sink (createTable: true) in the shared tests. */
  readonly table: string;
  query<R extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]>;
}

let client: pg.Client;

async function destination(): Promise<PostgresDestination> {
  const schema = unique('ew_sink_test', '_');
  const table = `${schema}.records`;
  await client.query(`CREATE SCHEMA "${schema}"`);
  const query = async <R extends pg.QueryResultRow>(sql: string, params?: unknown[]) =>
    (await client.query<R>(sql, params)).rows;
  return {
    schema,
    table,
    query,
    sink: (port, options) =>
      new PostgresSink({ connectionString: url(port), table, createTable: true, ...options }),
    read: async () => {
      const rows = await query<Received & { dedup_key: string }>(
        `SELECT node, epoch, stream, seq::int AS seq, data, dedup_key FROM "${schema}".records
         ORDER BY node, epoch, stream, seq`,
      );
      return rows.map(({ dedup_key, ...row }) => ({ ...row, dedupKey: dedup_key }));
    },
    cleanup: async () => {
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    },
  };
}

sinkSuite(
  'PostgreSQL sink',
  {
    probe: POSTGRES,
    redelivery: 'no-effect',
    setup: async () => {
      client = new pg.Client({ connectionString: url(POSTGRES.port) });
      await client.connect();
    },
    teardown: () => client.end(),
    destination,
  },
  (test) => {
    test('creates the table, dedup_key its primary key, and stores each field', async ({ dest, sink }) => {
      const records = batch({ node: 'store-007', epoch: 'e9', from: 41, count: 2 });
      await sink().deliver(records);
      const columns = await dest.query<{ column_name: string; data_type: string }>(
        `SELECT column_name, data_type FROM information_schema.columns
         WHERE table_schema = $1 AND table_name = 'records' ORDER BY ordinal_position`,
        [dest.schema],
      );
      assert.deepEqual(
        columns.map((c) => `${c.column_name} ${c.data_type}`),
        [
          'node text',
          'epoch text',
          'stream text',
          'seq bigint',
          'time timestamp with time zone',
          'data jsonb',
          'dedup_key text',
        ],
      );
      const [key] = await dest.query<{ column: string }>(
        `SELECT a.attname AS column FROM pg_index i
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
         WHERE i.indrelid = $1::regclass AND i.indisprimary`,
        [`"${dest.schema}"."records"`],
      );
      assert.equal(key?.column, 'dedup_key');
      const [row] = await dest.query<{ time: Date; seq: string; data: unknown; dedup_key: string }>(
        `SELECT time, seq, data, dedup_key FROM "${dest.schema}".records WHERE seq = 41`,
      );
      assert.equal(row?.time.toISOString(), records[0]?.time);
      assert.equal(row?.seq, '41');
      assert.deepEqual(row?.data, records[0]?.data);
      assert.equal(row?.dedup_key, 'store-007/e9/shipments/41');
    });

    test('a missing table fails with EW_NOT_FOUND when createTable is off', async ({
      dest,
      proxy,
      track,
    }) => {
      const s = track(
        new PostgresSink({ connectionString: url(proxy.port), table: `${dest.schema}.absent` }),
      );
      await rejectsWithCode(s.deliver(batch({ count: 2 })), 'EW_NOT_FOUND', /does not exist.*createTable/);
    });

    test('writes into an existing table with columns of its own, needing no CREATE privilege', async ({
      dest,
      proxy,
      track,
    }) => {
      const role = unique('ew_sink_writer', '_');
      await dest.query(`CREATE TABLE "${dest.schema}".feed (
        id bigserial, node text, epoch text, stream text, seq bigint, time timestamptz, data jsonb,
        dedup_key text UNIQUE, received_at timestamptz DEFAULT now())`);
      await dest.query(`CREATE ROLE "${role}" LOGIN`);
      try {
        await dest.query(`GRANT USAGE ON SCHEMA "${dest.schema}" TO "${role}"`);
        await dest.query(`GRANT SELECT, INSERT ON "${dest.schema}".feed TO "${role}"`);
        await dest.query(`GRANT USAGE ON SEQUENCE "${dest.schema}".feed_id_seq TO "${role}"`);
        const s = track(
          new PostgresSink({
            connectionString: `postgres://${role}@127.0.0.1:${proxy.port}/test`,
            table: `${dest.schema}.feed`,
            createTable: true,
          }),
        );
        await s.deliver(batch({ count: 5 }));
        await s.deliver(batch({ count: 5 }));
        const rows = await dest.query<{ id: string; seq: string }>(
          `SELECT id, seq FROM "${dest.schema}".feed ORDER BY id`,
        );
        assert.deepEqual(
          rows.map((r) => Number(r.seq)),
          [1, 2, 3, 4, 5],
        );
        await s.close();
      } finally {
        await dest.query(`DROP OWNED BY "${role}"`);
        await dest.query(`DROP ROLE "${role}"`);
      }
    });

    test('a table without a unique dedup_key fails with EW_INVALID', async ({ dest, proxy, track }) => {
      await dest.query(`CREATE TABLE "${dest.schema}".loose (
        node text, epoch text, stream text, seq bigint, time timestamptz, data jsonb, dedup_key text)`);
      const s = track(new PostgresSink({ connectionString: url(proxy.port), table: `${dest.schema}.loose` }));
      await rejectsWithCode(s.deliver(batch({ count: 2 })), 'EW_INVALID', /unique constraint/);
    });

    test('a batch is one transaction: a record the database rejects stores none of it', async ({
      dest,
      sink,
    }) => {
      const s = sink();
      // jsonb cannot hold \u0000; the record comes last so earlier ones would be in if it were not atomic.
      const poisoned = [
        ...batch({ count: 4 }),
        { ...batch({ from: 5, count: 1 })[0]!, data: { note: 'a\u0000b' } },
      ];
      await rejectsWithCode(s.deliver(poisoned), 'EW_INVALID', /SQLSTATE 22/);
      const badTime = [
        ...batch({ count: 4 }),
        { ...batch({ from: 5, count: 1 })[0]!, time: 'yesterday-ish' },
      ];
      await rejectsWithCode(s.deliver(badTime), 'EW_INVALID', /SQLSTATE 22/);
      const [count] = await dest.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${dest.table}`);
      assert.equal(count?.n, 0);
      // The sink is still usable afterwards.
      await s.deliver(batch({ count: 4 }));
      assert.equal((await dest.read(4)).length, 4);
    });

    test('a record without data is stored as JSON null', async ({ dest, sink }) => {
      const [record] = batch({ count: 1 });
      await sink().deliver([{ ...record!, data: undefined }]);
      const [row] = await dest.query<{ kind: string }>(
        `SELECT jsonb_typeof(data) AS kind FROM ${dest.table}`,
      );
      assert.equal(row?.kind, 'null');
    });

    test('a database that does not exist fails with EW_NOT_FOUND', async ({ proxy, track }) => {
      const s = track(
        new PostgresSink({ connectionString: url(proxy.port, unique('ew_no_db', '_')), table: 'records' }),
      );
      await rejectsWithCode(s.deliver(batch({ count: 1 })), 'EW_NOT_FOUND', /SQLSTATE 3D000/);
    });
  },
);
