/**
 * Edge streams end to end on one in-process hub and agent: records written through
 * the local API arrive at the hub exactly once and in order, the stream shows up as
 * a Stream object, the local API refuses what it must, and workloads read the node's
 * ConfigMaps offline.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { configMapType } from '../../src/api/kinds/core.js';
import { streamType } from '../../src/api/kinds/data-stream.js';
import { DATA_SYNC_STORAGE } from '../../src/api/kinds/data-sync.js';
import { podType } from '../../src/api/kinds/pod.js';
import { joinToken, tempDir } from '../support/hub.js';
import {
  applyDataSync,
  dataSync,
  hubRecords,
  type SyncAgent,
  type SyncHub,
  startSyncAgent,
  startSyncHub,
  waitFor,
  waitForShipped,
  write,
} from './support/fleet.js';

describe('edge streams: basics', { timeout: 60_000 }, () => {
  const root = tempDir('edgewise-sync-basic-');
  let hub: SyncHub;
  let edge: SyncAgent;

  before(async () => {
    hub = await startSyncHub(path.join(root, 'hub'));
    edge = await startSyncAgent(root, 'edge-1', { hubUrl: hub.url, token: await joinToken(hub.hub) });
    await applyDataSync(
      hub.hub,
      dataSync('shipments', { streams: ['shipments'], nodeSelector: { 'node-type': 'edge' } }),
    );
    await waitForShipped(edge.agent, DATA_SYNC_STORAGE, 1);
  });
  after(async () => {
    await edge.agent.close();
    await hub.close().catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  });

  it('delivers what was written, in order, once, and reports it', async () => {
    const one = await write(edge.url, 'shipments', { po: 'PO-1', status: 'arrived' });
    assert.equal(one.status, 200);
    assert.equal(one.body.first, 1);
    const many = await write(edge.url, 'shipments', [{ po: 'PO-2' }, { po: 'PO-3' }, { po: 'PO-4' }]);
    assert.deepEqual([many.body.first, many.body.last, many.body.count], [2, 4, 3]);
    const records = await waitFor('4 records at the hub', async () => {
      const r = await hubRecords(hub.ingest, { stream: 'shipments' });
      return r.length >= 4 ? r : undefined;
    });
    assert.deepEqual(
      records.map((r) => [r.node, r.seq, JSON.parse(r.data).po]),
      [
        ['edge-1', 1, 'PO-1'],
        ['edge-1', 2, 'PO-2'],
        ['edge-1', 3, 'PO-3'],
        ['edge-1', 4, 'PO-4'],
      ],
    );
    const stream = await waitFor('the Stream object to show the delivery', async () => {
      const s = await hub.hub.service.find(streamType, '', 'edge-1.shipments');
      const status = s?.status as Record<string, unknown> | undefined;
      return status?.delivered === 4 && status.backlog === 0 ? status : undefined;
    });
    assert.equal(stream.dataSync, 'default/shipments');
    assert.equal(stream.sink, 'hub');
    assert.equal(stream.written, 4);
  });

  it('keeps an unrouted stream on the node', async () => {
    const res = await write(edge.url, 'local-only', { x: 1 });
    assert.equal(res.status, 200);
    const local = await waitFor('the report', () => edge.streams.reporter?.report('local-only'));
    assert.equal(local.backlog, 1);
    assert.match(local.held ?? '', /no DataSync/);
    assert.equal((await hubRecords(hub.ingest, { stream: 'local-only' })).length, 0);
  });

  it('refuses malformed writes with typed errors', async () => {
    const bad = await fetch(`${edge.url}/v1/streams/Bad_Name/records`, { method: 'POST', body: '{}' });
    assert.equal(bad.status, 400);
    const notJson = await fetch(`${edge.url}/v1/streams/shipments/records`, { method: 'POST', body: '{' });
    assert.equal(notJson.status, 400);
    const empty = await write(edge.url, 'shipments', []);
    assert.equal(empty.status, 400);
    const big = await write(edge.url, 'shipments', { blob: 'x'.repeat(300 * 1024) });
    assert.equal(big.status, 413);
  });

  it('stores a write retried with the same Idempotency-Key once, and answers the retry as the first', async () => {
    // A new connection each time (write() uses no agent): the agent restarts below.
    const post = (key: string, body: unknown) =>
      write(edge.url, 'shipments', body, { 'Idempotency-Key': key });
    const replayed = (r: { headers: Record<string, unknown> }) => r.headers['idempotent-replayed'];
    const order = [{ po: 'PO-90', status: 'packed' }, { po: 'PO-91' }];
    const first = await post('c7a1e3f0-order-90', order);
    assert.equal(first.status, 200);
    assert.equal(replayed(first), undefined);
    assert.equal(first.body.count, 2);
    // The app never saw that answer and sends the same write again.
    const retry = await post('c7a1e3f0-order-90', order);
    assert.equal(retry.status, 200);
    assert.equal(replayed(retry), 'true');
    assert.deepEqual(retry.body, first.body);

    // Retries racing the original land in the same group commit: still one write.
    const racing = await Promise.all([1, 2, 3].map(() => post('c7a1e3f0-order-92', { po: 'PO-92' })));
    assert.deepEqual(
      racing.map((r) => r.status),
      [200, 200, 200],
    );
    assert.equal(racing.filter((r) => replayed(r) === undefined).length, 1);
    for (const r of racing) assert.deepEqual(r.body, racing[0]?.body);

    // The same key for another write is a client bug, refused without storing anything.
    const reused = await post('c7a1e3f0-order-90', [{ po: 'PO-93' }]);
    assert.equal(reused.status, 422);
    assert.match(String(reused.body.message), /Idempotency-Key "c7a1e3f0-order-90"/);
    const badKey = await post('has spaces', { po: 'PO-94' });
    assert.equal(badKey.status, 400);

    const records = await waitFor('PO-90..92 at the hub', async () => {
      const r = (await hubRecords(hub.ingest, { stream: 'shipments' })).map((x) => JSON.parse(x.data).po);
      return ['PO-90', 'PO-91', 'PO-92'].every((po) => r.includes(po)) ? r : undefined;
    });
    for (const po of ['PO-90', 'PO-91', 'PO-92'])
      assert.equal(records.filter((p) => p === po).length, 1, `${po} stored once`);
    assert.ok(!records.includes('PO-93') && !records.includes('PO-94'));

    // The key outlives the agent process: it was stored with the records.
    await edge.agent.close();
    edge = await startSyncAgent(root, 'edge-1', { hubUrl: hub.url });
    const afterRestart = await post('c7a1e3f0-order-90', order);
    assert.equal(afterRestart.status, 200);
    assert.equal(replayed(afterRestart), 'true');
    assert.deepEqual(afterRestart.body, first.body);
  });

  it('serves the ConfigMaps the node holds to workloads, with the hub gone too', async () => {
    await hub.hub.service.create(configMapType, 'default', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'prices' },
      data: { milk: '1.10' },
    });
    const missing = await fetch(`${edge.url}/v1/config/default/prices`);
    assert.equal(missing.status, 404, 'a ConfigMap no pod of the node uses is not there');
    // A workload that uses the price list brings it to the node.
    await hub.hub.service.create(podType, 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'till' },
      spec: {
        nodeName: 'edge-1',
        containers: [
          {
            name: 'till',
            image: 'local/till:1',
            env: [{ name: 'P', valueFrom: { configMapKeyRef: { name: 'prices', key: 'milk' } } }],
          },
        ],
      },
    });
    await waitFor('the price list on the node', () =>
      edge.agent.state.object(configMapType.storage, 'default', 'prices') ? true : undefined,
    );
    await hub.close();
    const res = await fetch(`${edge.url}/v1/config/default/prices`);
    const body = (await res.json()) as { data: Record<string, string> };
    assert.deepEqual(body.data, { milk: '1.10' });
    const etag = res.headers.get('etag') ?? '';
    const again = await fetch(`${edge.url}/v1/config/default/prices`, { headers: { 'If-None-Match': etag } });
    assert.equal(again.status, 304);
    const value = await fetch(`${edge.url}/v1/config/default/prices/milk`);
    assert.equal(await value.text(), '1.10');
    const noKey = await fetch(`${edge.url}/v1/config/default/prices/bread`);
    assert.equal(noKey.status, 404);
  });
});
