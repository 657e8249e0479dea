/**
 * A sink that is down holds delivery and drops nothing. The DataSync routes to a real
 * RabbitMQ reached through a proxy that the test takes down: the hub refuses the
 * batches (sink-unavailable, with back-off), the backlog stays at the edge and grows,
 * the DataSync says SinkReady=False — and once RabbitMQ is back every record arrives
 * exactly once, in order.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import amqp from 'amqplib';
import { DATA_SYNC_STORAGE, dataSyncType } from '../../src/api/kinds/data-sync.js';
import { joinToken, tempDir } from '../support/hub.js';
import { RABBITMQ, serviceOrSkip } from '../support/services.js';
import {
  applyDataSync,
  dataSync,
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

describe('a sink that is down', { timeout: 90_000 }, () => {
  const root = tempDir('edgewise-sync-sinkdown-');
  const exchange = `edgewise-sinkdown-${process.pid}`;
  let skip: string | undefined;
  let hub: SyncHub;
  let edge: SyncAgent;
  let broker: LinkProxy;
  let rabbit: amqp.ChannelModel;
  let channel: amqp.Channel;
  let queue = '';

  before(async () => {
    skip = await serviceOrSkip(RABBITMQ);
    if (skip) return;
    broker = await LinkProxy.start({ host: '127.0.0.1', port: RABBITMQ.port });
    rabbit = await amqp.connect('amqp://guest:guest@127.0.0.1:5672');
    channel = await rabbit.createChannel();
    await channel.assertExchange(exchange, 'topic', { durable: false, autoDelete: true });
    queue = (await channel.assertQueue('', { exclusive: true })).queue;
    await channel.bindQueue(queue, exchange, '#');
    hub = await startSyncHub(path.join(root, 'hub'));
    edge = await startSyncAgent(root, 'dock-1', { hubUrl: hub.url, token: await joinToken(hub.hub) });
    await applyDataSync(
      hub.hub,
      dataSync('shipments', {
        streams: ['shipments'],
        sink: { rabbitmq: { url: `amqp://guest:guest@127.0.0.1:${broker.port}`, exchange, timeoutMs: 1000 } },
      }),
    );
    await waitForShipped(edge.agent, DATA_SYNC_STORAGE, 1);
  });
  after(async () => {
    if (skip) return;
    await edge.agent.close();
    await hub.close();
    await broker.close();
    await rabbit.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('keeps the backlog at the edge until the sink is back, then delivers each record once', async (t) => {
    if (skip) return t.skip(skip);
    broker.down();
    for (let b = 0; b < 4; b++)
      await write(
        edge.url,
        'shipments',
        Array.from({ length: 25 }, (_, i) => ({ po: `PO-${b * 25 + i}` })),
      );
    const held = await waitFor('the stream to be held by the sink', () => {
      const s = localStream(edge, 'shipments');
      return s?.held?.startsWith('sink-unavailable') ? s : undefined;
    });
    assert.equal(held.backlog, 100, 'nothing was trimmed');
    assert.equal((await hub.ingest.ledger?.totals('dock-1', 'shipments'))?.delivered, 0);
    const condition = await waitFor('SinkReady=False on the DataSync', async () => {
      const ds = await hub.hub.service.find(dataSyncType, 'default', 'shipments');
      const c = (
        (ds?.status as { conditions?: { type: string; status: string; message: string }[] })?.conditions ?? []
      ).find((x) => x.type === 'SinkReady');
      return c?.status === 'False' ? c : undefined;
    });
    assert.match(condition.message, /rabbitmq/i);
    await write(edge.url, 'shipments', { po: 'PO-100' });
    assert.equal(localStream(edge, 'shipments')?.backlog, 101, 'the backlog grows at the edge meanwhile');

    broker.up();
    await waitFor(
      'the backlog to drain',
      () => (localStream(edge, 'shipments')?.backlog === 0 ? true : undefined),
      60_000,
    );
    const seen: string[] = [];
    for (;;) {
      const message = await channel.get(queue, { noAck: true });
      if (!message) break;
      seen.push(String((JSON.parse(message.content.toString()) as { po: string }).po));
    }
    assert.deepEqual(
      seen,
      Array.from({ length: 101 }, (_, i) => `PO-${i}`),
    );
    await waitFor('SinkReady=True again', async () => {
      const ds = await hub.hub.service.find(dataSyncType, 'default', 'shipments');
      const c = ((ds?.status as { conditions?: { type: string; status: string }[] })?.conditions ?? []).find(
        (x) => x.type === 'SinkReady',
      );
      return c?.status === 'True' ? true : undefined;
    });
  });
});
