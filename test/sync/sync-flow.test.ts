/**
 * Flow control: a backlog of several megabytes drains over a slow uplink without
 * starving the link's control traffic. The agent never queues more than its limit on
 * the socket, so heartbeats keep reaching the hub (the node stays seen) while the
 * drain is still running, and desired state still arrives.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { DATA_SYNC_STORAGE, dataSyncType } from '../../src/api/kinds/data-sync.js';
import { createHub, listenHub } from '../../src/hub/hub.js';
import { dataIngestFeature } from '../../src/hub/ingest/feature.js';
import { freePort } from '../support/fleet.js';
import { joinToken, tempDir } from '../support/hub.js';
import {
  dataSync,
  hubRecords,
  localStream,
  type SyncAgent,
  startSyncAgent,
  waitFor,
  write,
} from './support/fleet.js';
import { LinkProxy } from './support/proxy.js';

const MAX_BUFFERED = 256 * 1024;
const BATCH_BYTES = 64 * 1024;

describe('flow control during a drain', { timeout: 120_000 }, () => {
  const root = tempDir('edgewise-sync-flow-');
  const ingest = dataIngestFeature({ statusIntervalMs: 200 });
  let close: () => Promise<void>;
  let proxy: LinkProxy;
  let edge: SyncAgent;
  let hubLink: NonNullable<Awaited<ReturnType<typeof createHub>>['link']>;
  let service: Awaited<ReturnType<typeof createHub>>['service'];

  before(async () => {
    const hub = await createHub({
      dataDir: path.join(root, 'hub'),
      logger: pino({ level: 'silent' }),
      controllers: false,
      features: [ingest],
      fleet: { heartbeatSeconds: 1 },
    });
    const served = await listenHub(hub, { host: '127.0.0.1', port: await freePort() });
    const port = Number(new URL(served.url).port);
    close = async () => {
      await proxy.close();
      await served.close();
      await hub.close();
    };
    hubLink = hub.link as typeof hubLink;
    service = hub.service;
    proxy = await LinkProxy.start({ host: '127.0.0.1', port });
    await hub.service.create(dataSyncType, 'default', dataSync('logs', { streams: ['logs'] }));
    edge = await startSyncAgent(root, 'edge-1', {
      hubUrl: proxy.url,
      token: await joinToken(hub),
      streams: { sender: { maxBufferedBytes: MAX_BUFFERED, batchBytes: BATCH_BYTES } },
    });
    await waitFor('the DataSync on the node', () =>
      edge.agent.state.objects(DATA_SYNC_STORAGE).length ? true : undefined,
    );
  });
  after(async () => {
    await edge.agent.close();
    await close();
    rmSync(root, { recursive: true, force: true });
  });

  it('keeps heartbeats and desired state flowing while a backlog drains at link speed', async () => {
    proxy.down();
    const line = 'l'.repeat(900);
    for (let b = 0; b < 60; b++)
      await write(
        edge.url,
        'logs',
        Array.from({ length: 100 }, (_, i) => ({ n: b * 100 + i, line })),
      );
    assert.equal(localStream(edge, 'logs')?.backlog, 6000);

    proxy.throttleUpstream(1024 * 1024);
    proxy.up();
    const seen = new Set<number>();
    let maxBuffered = 0;
    let shipped = false;
    await waitFor('the link to come back', () => (edge.agent.link.connected ? true : undefined));
    await service.modify(dataSyncType, 'default', 'logs', (ds) => ({
      ...ds,
      metadata: { ...ds.metadata, annotations: { note: 'changed during the drain' } },
    }));
    while ((localStream(edge, 'logs')?.backlog ?? 0) > 0) {
      maxBuffered = Math.max(maxBuffered, edge.agent.link.bufferedAmount);
      const last = hubLink.nodes.lastSeen('edge-1');
      if (last) seen.add(last.getTime());
      const held = edge.agent.state.object(DATA_SYNC_STORAGE, 'default', 'logs');
      if (held?.metadata.annotations?.note) shipped = true;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(seen.size >= 3, `heartbeats reached the hub during the drain (${seen.size} seen)`);
    assert.ok(shipped, 'a desired-state change reached the node before the drain finished');
    assert.ok(
      maxBuffered <= MAX_BUFFERED + BATCH_BYTES * 2,
      `at most ${maxBuffered} bytes were queued on the socket`,
    );
    assert.equal((await hubRecords(ingest)).length, 6000);
  });
});
