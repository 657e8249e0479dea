/**
 * Fault 5 — a flapping link. Three nodes write to two streams each while their links
 * are cut and refused at random intervals down to a millisecond. The checker then
 * verifies, per node and stream: sequence numbers in order, no gaps, no duplicates,
 * every acknowledged record exactly once — and every backlog reaching zero.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { streamType } from '../../src/api/kinds/data-stream.js';
import { DATA_SYNC_STORAGE } from '../../src/api/kinds/data-sync.js';
import { parseLabelSelector } from '../../src/api/selectors.js';
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
  waitForShipped,
} from './support/fleet.js';
import { LinkProxy } from './support/proxy.js';
import { newLog, startWriters } from './support/writers.js';

const NODES = ['site-1', 'site-2', 'site-3'];
const STREAMS = ['events', 'metrics'];
const PER_STREAM = 250;

/** A small seeded PRNG (mulberry32), so a failing run can be replayed with its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('fault 5: flapping link', { timeout: 180_000 }, () => {
  const root = tempDir('edgewise-sync-flap-');
  const seed = Number(process.env.SYNC_FLAP_SEED ?? Date.now() % 1_000_000);
  let hub: SyncHub;
  let proxy: LinkProxy;
  const edges: SyncAgent[] = [];

  before(async () => {
    hub = await startSyncHub(path.join(root, 'hub'));
    proxy = await LinkProxy.start({ host: '127.0.0.1', port: hub.port });
    await applyDataSync(hub.hub, dataSync('site-data', { streams: STREAMS }));
    for (const name of NODES) {
      // Small batches, so many are in flight when a cut lands.
      edges.push(
        await startSyncAgent(root, name, {
          hubUrl: proxy.url,
          token: await joinToken(hub.hub),
          streams: { sender: { batchRecords: 7, perStream: 3, window: 5 } },
        }),
      );
    }
    for (const e of edges) await waitForShipped(e.agent, DATA_SYNC_STORAGE, 1);
  });
  after(async () => {
    for (const e of edges) await e.agent.close();
    await proxy.close();
    await hub.close();
    rmSync(root, { recursive: true, force: true });
  });

  it(`keeps order, has no gaps or duplicates, and drains (seed ${seed})`, async () => {
    const rand = random(seed);
    const log = newLog();
    const writers = edges.flatMap((e) =>
      STREAMS.map((stream) =>
        startWriters(e.url, stream, { writers: 2, prefix: `${e.agent.nodeName}-${stream}`, log: newLog() }),
      ),
    );
    let flapping = true;
    let flaps = 0;
    const flapper = (async () => {
      while (flapping) {
        await new Promise((r) => setTimeout(r, 1 + rand() * 150));
        if (rand() < 0.5) proxy.cut();
        else {
          proxy.down();
          await new Promise((r) => setTimeout(r, 1 + rand() * 100));
          proxy.up();
        }
        flaps++;
      }
    })();
    await Promise.all(writers.map((w) => w.reached(PER_STREAM)));
    await Promise.all(writers.map((w) => w.stop()));
    flapping = false;
    await flapper;
    proxy.up();
    for (const w of writers) {
      for (const id of w.log.acknowledged) log.acknowledged.add(id);
      for (const id of w.log.unacknowledged) log.unacknowledged.add(id);
    }
    assert.ok(flaps >= 10, `the link flapped ${flaps} times`);
    assert.equal(log.unacknowledged.size, 0, 'the local API never depends on the link');

    await waitFor(
      'every backlog to reach zero',
      () => (edges.every((e) => STREAMS.every((s) => localStream(e, s)?.backlog === 0)) ? true : undefined),
      60_000,
    );
    const records = await hubRecords(hub.ingest);
    const { problems, counts } = checkOrder(records);
    assert.deepEqual(problems, []);
    assert.deepEqual(checkExactlyOnce(records, log.acknowledged), []);
    for (const node of NODES)
      for (const stream of STREAMS) assert.ok((counts.get(`${node}/${stream}`) ?? 0) >= PER_STREAM);
    for (const node of NODES)
      await waitFor(`${node}'s Stream objects at zero backlog`, async () => {
        const list = await hub.hub.service.list(streamType, '', {
          labelSelector: parseLabelSelector(`edgewise.io/node=${node}`),
        });
        return list.items.length === STREAMS.length &&
          list.items.every((s) => (s.status as { backlog?: number }).backlog === 0)
          ? true
          : undefined;
      });
  });
});
