/**
 * The ingest ledger, SQLite and PostgreSQL, through one suite: positions advance only
 * from the position the caller saw (so two hub replicas cannot both commit a range),
 * records and totals commit with them, state survives reopening, records are listed
 * by node/stream/epoch in ingest order and expire.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { openPostgresLedger } from '../../src/hub/ingest/ledger/postgres.js';
import { SqliteLedger } from '../../src/hub/ingest/ledger/sqlite.js';
import type { CommitEntry, IngestLedger, StreamKey } from '../../src/hub/ingest/ledger.js';
import { tempDir } from '../support/hub.js';
import { POSTGRES, serviceOrSkip } from '../support/services.js';

const PG_URL = process.env.EDGEWISE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const key: StreamKey = { node: 'n1', epoch: 'aaaa00000001', stream: 's' };

function entry(expected: number, to: number, seqs: number[], extra: Partial<CommitEntry> = {}): CommitEntry {
  return {
    key,
    expected,
    to,
    records: seqs.map((seq) => ({ seq, time: 1000 + seq, data: JSON.stringify({ seq }) })),
    expires: 10_000,
    delivered: seqs.length,
    duplicates: 0,
    gap: 0,
    now: 5000,
    ...extra,
  };
}

function ledgerSuite(
  name: string,
  setup: () => Promise<string | undefined>,
  open: () => Promise<IngestLedger>,
): void {
  describe(`ingest ledger: ${name}`, { timeout: 30_000 }, () => {
    let skip: string | undefined;
    let ledger: IngestLedger;
    before(async () => {
      skip = await setup();
      if (!skip) ledger = await open();
    });
    after(async () => {
      if (!skip) await ledger.close();
    });

    it('advances only from the position the caller saw', async (t) => {
      if (skip) return t.skip(skip);
      assert.equal(await ledger.position(key), 0);
      assert.deepEqual(await ledger.commit([entry(0, 3, [1, 2, 3])]), [{ ok: true }]);
      assert.equal(await ledger.position(key), 3);
      assert.deepEqual(await ledger.commit([entry(0, 3, [1, 2, 3])]), [{ ok: false, position: 3 }]);
      assert.deepEqual(await ledger.commit([entry(3, 3, [], { delivered: 0, duplicates: 3 })]), [
        { ok: true },
      ]);
      const totals = await ledger.totals('n1', 's');
      assert.deepEqual([totals.delivered, totals.duplicates, totals.lastReceived], [3, 3, 5000]);
    });

    it('commits entries arriving together, each checked on its own', async (t) => {
      if (skip) return t.skip(skip);
      const other = { ...key, epoch: 'bbbb00000002' };
      const outcomes = await Promise.all([
        ledger.commit([entry(3, 5, [4, 5])]),
        ledger.commit([{ ...entry(0, 2, [1, 2]), key: other }]),
        ledger.commit([entry(3, 9, [9])]),
      ]);
      assert.deepEqual(outcomes.flat(), [{ ok: true }, { ok: true }, { ok: false, position: 5 }]);
      assert.equal(await ledger.position(other), 2);
    });

    it('lists records by node, stream and epoch in ingest order, pages and expires them', async (t) => {
      if (skip) return t.skip(skip);
      const all = await ledger.records({ node: 'n1', stream: 's', limit: 100 });
      assert.deepEqual(
        all.map((r) => [r.epoch, r.seq]),
        [
          ['aaaa00000001', 1],
          ['aaaa00000001', 2],
          ['aaaa00000001', 3],
          ['aaaa00000001', 4],
          ['aaaa00000001', 5],
          ['bbbb00000002', 1],
          ['bbbb00000002', 2],
        ],
      );
      const page = await ledger.records({ epoch: 'aaaa00000001', after: all[1]?.id ?? 0, limit: 2 });
      assert.deepEqual(
        page.map((r) => r.seq),
        [3, 4],
      );
      const one = await ledger.records({ node: 'n1', stream: 's', epoch: 'bbbb00000002', seq: 2, limit: 1 });
      assert.deepEqual(
        one.map((r) => [r.seq, r.time, JSON.parse(r.data)]),
        [[2, 1002, { seq: 2 }]],
      );
      assert.equal(await ledger.prune(10_001), 7);
      assert.equal((await ledger.records({ limit: 100 })).length, 0);
      assert.equal(await ledger.position(key), 5, 'expiring records keeps the dedup position');
    });

    it('keeps positions across reopening', async (t) => {
      if (skip) return t.skip(skip);
      await ledger.close();
      ledger = await open();
      assert.equal(await ledger.position(key), 5);
      assert.equal((await ledger.totals('n1', 's')).delivered, 7);
    });
  });
}

const sqliteDir = tempDir('edgewise-sync-ledger-');
ledgerSuite(
  'SQLite',
  async () => undefined,
  async () => new SqliteLedger(sqliteDir),
);
after(() => rmSync(sqliteDir, { recursive: true, force: true }));

const schema = `ew_ingest_${process.pid}_${Date.now().toString(36)}`;
ledgerSuite(
  'PostgreSQL',
  () => serviceOrSkip(POSTGRES),
  () => openPostgresLedger({ connectionString: PG_URL, schema, poolSize: 2 }),
);
after(async () => {
  if (await serviceOrSkip(POSTGRES)) return;
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
});
