/**
 * Fault 4 — identity and sequence reset. A node restored from an old backup replays
 * a backlog the hub already has and then writes again from the sequence numbers the
 * backup remembers; a reinstalled node starts from nothing under the same name. With
 * per-start epochs neither new writes are swallowed as duplicates of old ones nor
 * restored records delivered twice.
 */
import assert from 'node:assert/strict';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { streamType } from '../../src/api/kinds/data-stream.js';
import { joinToken, tempDir } from '../support/hub.js';
import { checkExactlyOnce, checkOrder } from './support/checker.js';
import {
  applyDataSync,
  dataSync,
  hubRecords,
  localStream,
  type SyncAgent,
  type SyncHub,
  startSyncAgent,
  startSyncHub,
  waitFor,
  write,
} from './support/fleet.js';
import { LinkProxy } from './support/proxy.js';

describe('fault 4: identity and sequence reset', { timeout: 120_000 }, () => {
  const root = tempDir('edgewise-sync-reset-');
  const dataDir = path.join(root, 'store-7');
  const backup = path.join(root, 'backup');
  let hub: SyncHub;
  let proxy: LinkProxy;
  let edge: SyncAgent | undefined;

  before(async () => {
    hub = await startSyncHub(path.join(root, 'hub'));
    proxy = await LinkProxy.start({ host: '127.0.0.1', port: hub.port });
    await applyDataSync(hub.hub, dataSync('sales', { streams: ['sales'] }));
  });
  after(async () => {
    await edge?.agent.close();
    await proxy.close();
    await hub.close();
    rmSync(root, { recursive: true, force: true });
  });

  async function start(token?: string): Promise<SyncAgent> {
    edge = await startSyncAgent(root, 'store-7', { hubUrl: proxy.url, ...(token && { token }) });
    return edge;
  }

  async function writeBatch(agent: SyncAgent, prefix: string): Promise<string[]> {
    const ids = Array.from({ length: 10 }, (_, i) => `${prefix}${i + 1}`);
    assert.equal(
      (
        await write(
          agent.url,
          'sales',
          ids.map((id) => ({ id })),
        )
      ).status,
      200,
    );
    return ids;
  }

  async function drained(agent: SyncAgent): Promise<void> {
    await waitFor('the backlog to reach zero', () => {
      const s = localStream(agent, 'sales');
      return s && s.backlog === 0 && agent.agent.link.connected ? true : undefined;
    });
  }

  it('neither swallows new writes nor delivers restored records twice', async () => {
    let agent = await start(await joinToken(hub.hub));
    const a = await writeBatch(agent, 'A');
    await drained(agent);

    proxy.down();
    const b = await writeBatch(agent, 'B');
    await agent.agent.close();
    cpSync(dataDir, backup, { recursive: true });

    agent = await start();
    proxy.up();
    await drained(agent);
    const c = await writeBatch(agent, 'C');
    await drained(agent);
    await agent.agent.close();

    // The node dies; it is restored from the backup, which still holds B waiting to leave
    // and remembers sequence numbers that C has used since.
    rmSync(dataDir, { recursive: true, force: true });
    cpSync(backup, dataDir, { recursive: true });
    agent = await start();
    assert.equal(localStream(agent, 'sales')?.backlog, 10, 'the backup holds B as not yet delivered');
    const d = await writeBatch(agent, 'D');
    await drained(agent);

    const records = await hubRecords(hub.ingest, { node: 'store-7' });
    assert.deepEqual(checkExactlyOnce(records, new Set([...a, ...b, ...c, ...d])), []);
    assert.deepEqual(checkOrder(records).problems, []);
    const epochOf = (id: string) => records.find((r) => JSON.parse(r.data).id === id)?.epoch;
    assert.notEqual(
      epochOf('D1'),
      epochOf('C1'),
      'D lives in a new epoch, so its sequence numbers cannot collide',
    );
    assert.equal(epochOf('B1'), epochOf('A1'), 'restored records keep the identity they were written with');
    const dup = (await hub.ingest.ledger?.totals('store-7', 'sales'))?.duplicates;
    assert.equal(dup, 10, 'the replayed B batch was recognised and dropped');
    await agent.agent.close();
    edge = undefined;
  });

  it('delivers the writes of a reinstalled node under the same name', async () => {
    for (const entry of readdirSync(dataDir))
      if (entry !== 'machine-id') rmSync(path.join(dataDir, entry), { recursive: true });
    const agent = await start(await joinToken(hub.hub));
    const e = await writeBatch(agent, 'E');
    await drained(agent);
    const records = await hubRecords(hub.ingest, { node: 'store-7' });
    assert.deepEqual(
      checkExactlyOnce(
        records.filter((r) => String(JSON.parse(r.data).id).startsWith('E')),
        new Set(e),
      ),
      [],
    );
    assert.equal(
      records.filter((r) => r.seq <= 10 && String(JSON.parse(r.data).id).startsWith('E')).length,
      10,
    );
    const status = await waitFor('the Stream object', async () => {
      const s = (await hub.hub.service.find(streamType, '', 'store-7.sales'))?.status as
        | Record<string, number>
        | undefined;
      return s?.delivered === 50 ? s : undefined;
    });
    assert.equal(status.backlog, 0);
  });
});
