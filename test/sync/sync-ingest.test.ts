/**
 * The hub's ingest rules, message by message over a real link: a batch is committed
 * once and acknowledged; a resend is acknowledged without a second effect, also after
 * the hub restarts (the dedup state is durable and has no time window); a batch that
 * skips ahead is refused unless the agent shows those records were acknowledged
 * before (the hub lost state: counted as a gap); malformed and unrouted batches are
 * refused, never half-applied.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { streamType } from '../../src/api/kinds/data-stream.js';
import { joinToken, tempDir } from '../support/hub.js';
import { applyDataSync, dataSync, hubRecords, type SyncHub, startSyncHub, waitFor } from './support/fleet.js';
import { joinAs, type NodeIdentity, RawLink, records } from './support/raw-link.js';

describe('hub ingest rules', { timeout: 60_000 }, () => {
  const root = tempDir('edgewise-sync-ingest-');
  const hubDir = path.join(root, 'hub');
  let hub: SyncHub;
  let id: NodeIdentity;
  let link: RawLink;
  const base = { stream: 'meter', epoch: 'e0aa11bb22cc', dataSync: 'default/meters' };

  before(async () => {
    hub = await startSyncHub(hubDir);
    await applyDataSync(hub.hub, dataSync('meters', { streams: ['meter'] }));
    id = await joinAs(hub.url, await joinToken(hub.hub), 'meter-node');
    link = await RawLink.open(hub.url, id);
  });
  after(async () => {
    link.close();
    await hub.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('commits a batch once and acknowledges a resend without a second effect', async () => {
    const first = await link.batch({ ...base, id: 1, base: 0, from: 1, to: 3, records: records(1, 3) });
    assert.deepEqual([first.type, first.through], ['stream-ack', 3]);
    const again = await link.batch({ ...base, id: 2, base: 0, from: 1, to: 3, records: records(1, 3) });
    assert.deepEqual([again.type, again.through], ['stream-ack', 3]);
    const overlap = await link.batch({ ...base, id: 3, base: 0, from: 2, to: 5, records: records(2, 5) });
    assert.deepEqual([overlap.type, overlap.through], ['stream-ack', 5]);
    assert.deepEqual(
      (await hubRecords(hub.ingest, { node: 'meter-node' })).map((r) => r.seq),
      [1, 2, 3, 4, 5],
    );
    const totals = await hub.ingest.ledger?.totals('meter-node', 'meter');
    assert.deepEqual([totals?.delivered, totals?.duplicates], [5, 5]);
  });

  it('takes sequence numbers the edge skipped (evicted, refused) inside a batch range', async () => {
    const answer = await link.batch({ ...base, id: 4, base: 5, from: 6, to: 10, records: records(9, 10) });
    assert.deepEqual([answer.type, answer.through], ['stream-ack', 10]);
  });

  it('refuses a batch that skips ahead of what is committed', async () => {
    const answer = await link.batch({ ...base, id: 5, base: 10, from: 14, to: 15, records: records(14, 15) });
    assert.equal(answer.type, 'stream-nack');
    assert.equal(answer.code, 'out-of-order');
    assert.match(String(answer.message), /expected sequence 11, got 14/);
  });

  it('accepts the continuation of records it was told it committed, counting the gap', async () => {
    const answer = await link.batch({ ...base, id: 6, base: 20, from: 21, to: 22, records: records(21, 22) });
    assert.deepEqual([answer.type, answer.through], ['stream-ack', 22]);
    assert.equal((await hub.ingest.ledger?.totals('meter-node', 'meter'))?.gaps, 10);
  });

  it('keeps its dedup state across a restart', async () => {
    link.close();
    await hub.close();
    hub = await startSyncHub(hubDir, { port: hub.port });
    link = await RawLink.open(hub.url, id);
    const resend = await link.batch({ ...base, id: 7, base: 0, from: 1, to: 5, records: records(1, 5) });
    assert.deepEqual(
      [resend.type, resend.through],
      ['stream-ack', 22],
      'the hub says how far it has committed',
    );
    const next = await link.batch({ ...base, id: 8, base: 22, from: 23, to: 23, records: records(23, 23) });
    assert.deepEqual([next.type, next.through], ['stream-ack', 23]);
    assert.deepEqual(
      (await hubRecords(hub.ingest, { node: 'meter-node' })).map((r) => r.seq),
      [1, 2, 3, 4, 5, 9, 10, 21, 22, 23],
    );
  });

  it('keeps epochs apart: sequence 1 of a new epoch is new', async () => {
    const answer = await link.batch({
      ...base,
      epoch: 'ffee00112233',
      id: 9,
      base: 0,
      from: 1,
      to: 2,
      records: records(1, 2),
    });
    assert.deepEqual([answer.type, answer.through], ['stream-ack', 2]);
    assert.equal(
      (await hubRecords(hub.ingest, { node: 'meter-node' })).filter((r) => r.epoch === 'ffee00112233').length,
      2,
    );
  });

  it('refuses malformed and unrouted batches', async () => {
    const unordered = await link.batch({
      ...base,
      id: 10,
      base: 23,
      from: 24,
      to: 25,
      records: [...records(25, 25), ...records(24, 24)],
    });
    assert.deepEqual([unordered.type, unordered.code], ['stream-nack', 'invalid']);
    const unknown = await link.batch({
      ...base,
      dataSync: 'default/nope',
      id: 11,
      base: 23,
      from: 24,
      to: 24,
      records: records(24, 24),
    });
    assert.deepEqual([unknown.type, unknown.code], ['stream-nack', 'unrouted']);
    const badName = await link.batch({
      ...base,
      stream: 'Not_A_Stream',
      id: 12,
      base: 0,
      from: 1,
      to: 1,
      records: records(1, 1),
    });
    assert.deepEqual([badName.type, badName.code], ['stream-nack', 'invalid']);
    assert.equal((await hubRecords(hub.ingest, { node: 'meter-node' })).length, 12);
  });

  it('writes Stream status from reports and the ledger', async () => {
    link.send({
      type: 'stream-report',
      streams: [
        {
          stream: 'meter',
          dataSync: 'default/meters',
          sink: 'hub',
          priority: 0,
          epoch: 'ffee00112233',
          lastSeq: 2,
          backlog: 0,
          backlogBytes: 0,
          lagSeconds: 0,
          written: 2,
          delivered: 2,
          evictedByAge: 1,
          evictedByBytes: 2,
          rejected: 3,
          refusedByPolicy: 4,
          redacted: 5,
          corrupt: 0,
          lost: 0,
          policy: 'none',
        },
      ],
    });
    const status = await waitFor('the Stream object', async () => {
      const s = (await hub.hub.service.find(streamType, '', 'meter-node.meter'))?.status as
        | Record<string, unknown>
        | undefined;
      return s?.refusedByPolicy === 4 ? s : undefined;
    });
    assert.deepEqual(
      [status.delivered, status.duplicatesDropped, status.gaps, status.evicted, status.rejected],
      [12, 10, 10, 3, 3],
    );
  });
});
