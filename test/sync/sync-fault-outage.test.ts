/**
 * Fault 2 — an outage longer than the TTL and the capacity. With the link down an
 * agent keeps taking records on four streams with different limits and priorities:
 * Reject refuses writes once full (429, counted), DropOldest evicts the oldest
 * (counted), maxAge expires old records (counted), and the node's cap evicts from the
 * lowest priority first. Disk stays under the cap; after reconnect what is left drains
 * at once, strictly in priority order, and is exactly what arrives.
 */
import assert from 'node:assert/strict';
import { rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { streamType } from '../../src/api/kinds/data-stream.js';
import { DATA_SYNC_STORAGE } from '../../src/api/kinds/data-sync.js';
import { joinToken, tempDir } from '../support/hub.js';
import { checkOrder } from './support/checker.js';
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
  write,
} from './support/fleet.js';
import { LinkProxy } from './support/proxy.js';

const KiB = 1024;
const NODE_CAP = 512 * KiB;
const PAD = 'x'.repeat(240);

describe('fault 2: outage longer than TTL and capacity', { timeout: 120_000 }, () => {
  const root = tempDir('edgewise-sync-outage-');
  const clock = { t: Date.parse('2026-03-01T08:00:00Z') };
  let hub: SyncHub;
  let proxy: LinkProxy;
  let edge: SyncAgent;

  before(async () => {
    hub = await startSyncHub(path.join(root, 'hub'));
    proxy = await LinkProxy.start({ host: '127.0.0.1', port: hub.port });
    edge = await startSyncAgent(root, 'plant-1', {
      hubUrl: proxy.url,
      token: await joinToken(hub.hub),
      streams: { now: () => clock.t, nodeMaxBytes: NODE_CAP, sweepIntervalMs: 50 },
    });
    const syncs = [
      dataSync('alarms', {
        streams: ['alarms'],
        priority: 10,
        limits: { maxBytes: '96Ki', onFull: 'Reject' },
      }),
      dataSync('readings', {
        streams: ['readings'],
        priority: 5,
        limits: { maxBytes: '96Ki', onFull: 'DropOldest' },
      }),
      dataSync('debug', {
        streams: ['debug-logs'],
        priority: 0,
        limits: { maxAge: '1h', onFull: 'DropOldest' },
      }),
      dataSync('bulk', { streams: ['bulk'], priority: -1, limits: { onFull: 'DropOldest' } }),
    ];
    for (const ds of syncs) await applyDataSync(hub.hub, ds);
    await waitForShipped(edge.agent, DATA_SYNC_STORAGE, syncs.length);
  });
  after(async () => {
    await edge.agent.close();
    await proxy.close();
    await hub.close();
    rmSync(root, { recursive: true, force: true });
  });

  const rec = (stream: string, n: number) => ({ id: `${stream}-${n}`, n, pad: PAD });

  async function bulk(stream: string, from: number, count: number): Promise<void> {
    for (let i = from; i < from + count; i += 50) {
      const res = await write(
        edge.url,
        stream,
        Array.from({ length: Math.min(50, from + count - i) }, (_, k) => rec(stream, i + k)),
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
  }

  /** Ids of the records still on the node, oldest first. */
  function held(stream: string): string[] {
    const store = edge.streams.store;
    const id = store?.find(stream);
    if (!store || id === undefined) return [];
    return store.after(id, 0, 0, 100_000).map((r) => JSON.parse(r.data.toString()).id as string);
  }

  function diskBytes(): number {
    edge.agent.state.database.pragma('wal_checkpoint(TRUNCATE)');
    return statSync(path.join(root, 'plant-1', 'agent.db')).size;
  }

  it('bounds the backlog by the stated rules, counts every eviction, then drains in priority order', async () => {
    proxy.down();
    await waitFor('the link to drop', () => (edge.agent.link.connected ? undefined : true));
    const baseline = diskBytes();

    let accepted = 0;
    let refused = 0;
    for (let n = 0; refused < 10; n++) {
      const res = await write(edge.url, 'alarms', rec('alarms', n));
      if (res.status === 200) accepted++;
      else {
        assert.equal(res.status, 429, JSON.stringify(res.body));
        assert.match(String(res.body.message), /stream alarms is full .* onFull: Reject/);
        refused++;
      }
    }
    await bulk('readings', 0, 1200);
    await bulk('debug-logs', 0, 100);
    clock.t += 2 * 3600_000;
    await waitFor('debug logs past their maxAge to expire', () =>
      localStream(edge, 'debug-logs')?.backlog === 0 ? true : undefined,
    );
    await bulk('debug-logs', 100, 20);
    await bulk('bulk', 0, 3000);

    const report = (s: string) => localStream(edge, s) as NonNullable<ReturnType<typeof localStream>>;
    const alarms = report('alarms');
    assert.equal(alarms.rejected, 10);
    assert.equal(alarms.backlog, accepted);
    assert.ok(alarms.backlogBytes <= 96 * KiB);
    const readings = report('readings');
    assert.ok(readings.evictedByBytes > 0 && readings.backlogBytes <= 96 * KiB);
    assert.equal(readings.backlog + readings.evictedByBytes, 1200);
    assert.deepEqual(held('readings').at(-1), 'readings-1199', 'DropOldest keeps the newest');
    assert.equal(
      held('readings')[0],
      `readings-${readings.evictedByBytes}`,
      'and evicts strictly oldest first',
    );
    const debug = report('debug-logs');
    assert.deepEqual([debug.evictedByAge, debug.backlog], [100, 20]);
    const bulkReport = report('bulk');
    assert.ok(bulkReport.evictedByBytes > 0, 'the node cap evicted from the lowest priority');
    assert.equal(bulkReport.backlog + bulkReport.evictedByBytes, 3000);
    const streams = [alarms, readings, debug, bulkReport];
    assert.ok(
      streams.reduce((n, s) => n + s.backlogBytes, 0) <= NODE_CAP,
      'all streams together stay under the node cap',
    );
    const grown = diskBytes() - baseline;
    assert.ok(grown <= NODE_CAP * 1.6, `the database grew ${grown} bytes for a ${NODE_CAP}-byte cap`);

    const expected = new Map(['alarms', 'readings', 'debug-logs', 'bulk'].map((s) => [s, held(s)]));
    proxy.up();
    await waitFor('every stream drained', () =>
      [...expected.keys()].every((s) => localStream(edge, s)?.backlog === 0) ? true : undefined,
    );
    const records = await hubRecords(hub.ingest, { node: 'plant-1' });
    assert.deepEqual(
      checkOrder(records.filter((r) => r.seq > 0)).problems.filter((p) => !p.includes('gap')),
      [],
    );
    for (const [stream, ids] of expected)
      assert.deepEqual(
        records.filter((r) => r.stream === stream).map((r) => JSON.parse(r.data).id),
        ids,
        `${stream}: exactly what was left on the node arrives`,
      );
    const spans = ['alarms', 'readings', 'debug-logs', 'bulk'].map((s) => {
      const ids = records.filter((r) => r.stream === s).map((r) => r.id);
      return { first: Math.min(...ids), last: Math.max(...ids) };
    });
    spans.reduce((higher, lower) => {
      assert.ok(higher.last < lower.first, 'a stream drains only after every stream of higher priority');
      return lower;
    });

    const status = await waitFor('Stream objects with the evictions', async () => {
      const s = (await hub.hub.service.find(streamType, '', 'plant-1.readings'))?.status as
        | Record<string, number>
        | undefined;
      return s?.backlog === 0 && s.delivered === expected.get('readings')?.length ? s : undefined;
    });
    assert.equal(status.evicted, readings.evictedByBytes);
    const alarmStatus = (await hub.hub.service.find(streamType, '', 'plant-1.alarms'))?.status as Record<
      string,
      number
    >;
    assert.equal(alarmStatus.rejected, 10);
  });
});
