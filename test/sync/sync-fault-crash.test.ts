/**
 * Fault 1 — crash while offline. Agents run as real processes (`edgewise agent`) so
 * they can be SIGKILLed mid-write with the hub away. After reconnect every record an
 * app was told was stored arrives exactly once, in order. A WAL tail cut short after
 * the crash, a record corrupted in place, and a truncated database file are each
 * detected and reported — never silently skipped.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { rmSync, statSync, truncateSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventType } from '../../src/api/kinds/core.js';
import { streamType } from '../../src/api/kinds/data-stream.js';
import { killAll, startAgentProcess, stop } from '../support/fleet.js';
import { joinToken, tempDir } from '../support/hub.js';
import { checkExactlyOnce, checkOrder } from './support/checker.js';
import {
  applyDataSync,
  dataSync,
  hubRecords,
  type SyncHub,
  startSyncHub,
  waitFor,
  write,
} from './support/fleet.js';
import { type EdgeProcess, startEdge } from './support/processes.js';
import { corruptMarker, dropLastCommits } from './support/wal.js';
import { startWriters } from './support/writers.js';

describe('fault 1: crash while offline', { timeout: 240_000 }, () => {
  const root = tempDir('edgewise-sync-crash-');
  const hubDir = path.join(root, 'hub');
  let hub: SyncHub;
  let port = 0;

  before(async () => {
    hub = await startSyncHub(hubDir);
    port = hub.port;
    await applyDataSync(
      hub.hub,
      dataSync('scans', { streams: ['scans'], nodeSelector: { 'node-type': 'edge' } }),
    );
  });
  after(async () => {
    killAll(root);
    await hub.close().catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  });

  async function hubUp(): Promise<void> {
    hub = await startSyncHub(hubDir, { port });
  }

  /** A new agent process, linked and routed (one record delivered proves it). */
  async function joinEdge(name: string): Promise<EdgeProcess> {
    const edge = await startEdge(path.join(root, name), {
      hubUrl: hub.url,
      token: await joinToken(hub.hub),
      name,
      labels: 'node-type=edge',
    });
    assert.equal((await write(edge.url, 'scans', { id: `${name}-warm` })).status, 200);
    await waitFor(`${name} routes scans`, async () =>
      (await hubRecords(hub.ingest, { node: name })).length > 0 ? true : undefined,
    );
    return edge;
  }

  async function kill(edge: EdgeProcess): Promise<void> {
    const exited = once(edge.child, 'exit');
    edge.child.kill('SIGKILL');
    await exited;
  }

  async function status(node: string, check: (s: Record<string, number>) => boolean) {
    return waitFor(
      `stream status of ${node}`,
      async () => {
        const s = (await hub.hub.service.find(streamType, '', `${node}.scans`))?.status as
          | Record<string, number>
          | undefined;
        return s && check(s) ? s : undefined;
      },
      60_000,
    );
  }

  it('delivers every acknowledged record exactly once after SIGKILL mid-write', async () => {
    let edge = await joinEdge('edge-a');
    await hub.close();
    const writers = startWriters(edge.url, 'scans', { writers: 4, prefix: 'a' });
    await writers.reached(300);
    await kill(edge);
    await writers.stop();
    edge = await startEdge(path.join(root, 'edge-a'));
    const later = startWriters(edge.url, 'scans', { writers: 1, prefix: 'later', log: writers.log });
    await later.reached(writers.log.acknowledged.size + 20);
    await later.stop();
    await hubUp();
    const acked = new Set([...writers.log.acknowledged, 'edge-a-warm']);
    const records = await waitFor(
      'every acknowledged record at the hub',
      async () => {
        const r = await hubRecords(hub.ingest, { node: 'edge-a' });
        const ids = new Set(r.map((x) => JSON.parse(x.data).id as string));
        return [...acked].every((id) => ids.has(id)) ? r : undefined;
      },
      60_000,
    );
    assert.ok(writers.log.unacknowledged.size > 0, 'some writes were cut off by the kill');
    assert.deepEqual(checkExactlyOnce(records, acked, writers.log.unacknowledged), []);
    assert.deepEqual(checkOrder(records).problems, []);
    await status('edge-a', (s) => s.backlog === 0 && s.lost === 0);
    await stop(edge.child);
  });

  it('detects a WAL tail cut short after the crash and reports exactly what is missing', async () => {
    let edge = await joinEdge('edge-b');
    await hub.close();
    const writers = startWriters(edge.url, 'scans', { writers: 1, prefix: 'b' });
    await writers.reached(80);
    await kill(edge);
    await writers.stop();
    dropLastCommits(path.join(root, 'edge-b', 'agent.db-wal'), 5);
    edge = await startEdge(path.join(root, 'edge-b'));
    assert.match(edge.output(), /were acknowledged to apps but are missing from the agent database/);
    await hubUp();
    const acked = new Set([...writers.log.acknowledged, 'edge-b-warm']);
    const s = await status('edge-b', (x) => x.backlog === 0 && (x.lost ?? 0) > 0 && (x.delivered ?? 0) > 1);
    const records = await hubRecords(hub.ingest, { node: 'edge-b' });
    const arrived = new Set(records.map((r) => JSON.parse(r.data).id as string));
    const missing = [...acked].filter((id) => !arrived.has(id));
    assert.ok(missing.length > 0, 'the cut removed acknowledged records');
    assert.equal(s.lost, missing.length, 'every missing acknowledged record is counted as lost');
    const survivors = new Set([...acked].filter((id) => arrived.has(id)));
    assert.deepEqual(checkExactlyOnce(records, survivors, writers.log.unacknowledged), []);
    const events = await waitFor('the StreamRecordsLost event', async () => {
      const list = await hub.hub.service.list(eventType, '');
      const found = list.items.filter(
        (e) => e.reason === 'StreamRecordsLost' && (e.involvedObject as { name: string }).name === 'edge-b',
      );
      return found.length > 0 ? found : undefined;
    });
    assert.match(
      String(events[0]?.message),
      /stream scans: records \d+–\d+ of epoch [0-9a-f]+ were acknowledged/,
    );
    await stop(edge.child);
  });

  it('quarantines a record corrupted in place and refuses a truncated database', async () => {
    let edge = await joinEdge('edge-c');
    await hub.close();
    for (let i = 0; i < 20; i++)
      assert.equal(
        (await write(edge.url, 'scans', { id: `c-${i}`, marker: i === 7 ? 'CORRUPT-ME-0007' : 'fine' }))
          .status,
        200,
      );
    await stop(edge.child);
    const db = path.join(root, 'edge-c', 'agent.db');
    assert.ok(corruptMarker(db, 'CORRUPT-ME-0007'), 'the record is in the main database file');
    edge = await startEdge(path.join(root, 'edge-c'));
    await hubUp();
    const s = await status('edge-c', (x) => x.backlog === 0 && x.corrupt === 1);
    assert.equal(s.delivered, 20, 'the warm-up record and 19 of 20 arrived; the corrupt one did not');
    const ids = (await hubRecords(hub.ingest, { node: 'edge-c' })).map(
      (r) => JSON.parse(r.data).id as string,
    );
    assert.ok(!ids.includes('c-7') && ids.includes('c-8'));
    await waitFor('the StreamRecordCorrupt event', async () => {
      const list = await hub.hub.service.list(eventType, '');
      return list.items.some(
        (e) =>
          e.reason === 'StreamRecordCorrupt' &&
          /record \d+ of epoch [0-9a-f]+ is corrupt \(checksum mismatch\)/.test(String(e.message)),
      )
        ? true
        : undefined;
    });
    await stop(edge.child);
    truncateSync(db, statSync(db).size - 3 * 4096);
    await assert.rejects(startAgentProcess(path.join(root, 'edge-c')), /unreadable or corrupt/);
  });
});
