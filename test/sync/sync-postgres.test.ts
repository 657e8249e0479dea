/**
 * A hub on PostgreSQL keeps its ingest ledger and records in the store's database, so
 * dedup state is shared by every hub on that schema: a second hub process (a replica,
 * or the same hub restarted) recognises what the first committed. A PostgreSQL hub
 * whose ingest is not told the store URL refuses to start rather than keep dedup state
 * on one replica's disk.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { Hub } from '../../src/hub/hub.js';
import { dataIngestFeature } from '../../src/hub/ingest/feature.js';
import { openStore } from '../../src/store/open.js';
import { joinToken, tempDir } from '../support/hub.js';
import { POSTGRES, serviceOrSkip } from '../support/services.js';
import { applyDataSync, dataSync, hubRecords, type SyncHub, startSyncHub } from './support/fleet.js';
import { joinAs, RawLink, records } from './support/raw-link.js';

const PG_URL = process.env.EDGEWISE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

describe('data ingest on a PostgreSQL hub', { timeout: 60_000 }, () => {
  const root = tempDir('edgewise-sync-pg-');
  const schema = `ew_syncpg_${process.pid}_${Date.now().toString(36)}`;
  const store = `${PG_URL}?schema=${schema}`;
  let skip: string | undefined;
  let hub: SyncHub | undefined;

  before(async () => {
    skip = await serviceOrSkip(POSTGRES);
  });
  after(async () => {
    await hub?.close();
    rmSync(root, { recursive: true, force: true });
    if (skip) return;
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  });

  it('shares dedup state through the database', async (t) => {
    if (skip) return t.skip(skip);
    const start = (port?: number) =>
      startSyncHub(path.join(root, 'hub'), {
        ...(port && { port }),
        hub: { store },
        ingest: { store },
      });
    hub = await start();
    await applyDataSync(hub.hub, dataSync('meters', { streams: ['meter'] }));
    const id = await joinAs(hub.url, await joinToken(hub.hub), 'pg-node');
    let link = await RawLink.open(hub.url, id);
    const base = { stream: 'meter', epoch: 'abcdef012345', dataSync: 'default/meters' };
    const first = await link.batch({ ...base, id: 1, base: 0, from: 1, to: 4, records: records(1, 4) });
    assert.deepEqual([first.type, first.through], ['stream-ack', 4]);
    link.close();
    const port = hub.port;
    await hub.close();

    hub = await start(port);
    link = await RawLink.open(hub.url, id);
    const again = await link.batch({ ...base, id: 2, base: 0, from: 1, to: 6, records: records(1, 6) });
    assert.deepEqual([again.type, again.through], ['stream-ack', 6]);
    link.close();
    assert.deepEqual(
      (await hubRecords(hub.ingest, { node: 'pg-node' })).map((r) => r.seq),
      [1, 2, 3, 4, 5, 6],
    );
    assert.equal((await hub.ingest.ledger?.totals('pg-node', 'meter'))?.duplicates, 4);
  });

  it('refuses to keep a PostgreSQL hub’s dedup state in a local file', async (t) => {
    if (skip) return t.skip(skip);
    // The feature alone, on the store a PostgreSQL hub would have (a whole hub that
    // fails to start does not close its store).
    const pgStore = await openStore(store, { compaction: false });
    try {
      await assert.rejects(
        dataIngestFeature().install({ store: pgStore, dataDir: path.join(root, 'other') } as unknown as Hub),
        /the hub runs on PostgreSQL: give the data ingest feature the store URL/,
      );
    } finally {
      await pgStore.close();
    }
  });
});
