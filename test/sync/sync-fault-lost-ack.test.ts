/**
 * Fault 3 — lost acknowledgements. The agent (a real process) reaches the hub through
 * a proxy that lets its batches through but drops every byte coming back: the hub
 * commits, the acks never arrive. Then the agent is SIGKILLed and restarted with the
 * link healed: it resends its whole backlog, and nothing arrives twice downstream —
 * neither in the hub's own store nor in RabbitMQ, a broker with no dedup of its own.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import amqp from 'amqplib';
import { streamType } from '../../src/api/kinds/data-stream.js';
import { killAll, stop } from '../support/fleet.js';
import { joinToken, tempDir } from '../support/hub.js';
import { RABBITMQ, serviceOrSkip } from '../support/services.js';
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
import { startEdge } from './support/processes.js';
import { LinkProxy } from './support/proxy.js';

const RABBIT_URL = process.env.EDGEWISE_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

describe('fault 3: lost acknowledgements', { timeout: 180_000 }, () => {
  const root = tempDir('edgewise-sync-lostack-');
  const exchange = `edgewise-lostack-${process.pid}`;
  let hub: SyncHub;
  let proxy: LinkProxy;
  let skip: string | undefined;
  let rabbit: amqp.ChannelModel | undefined;
  let channel: amqp.Channel | undefined;
  let queue = '';

  before(async () => {
    skip = await serviceOrSkip(RABBITMQ);
    hub = await startSyncHub(path.join(root, 'hub'));
    proxy = await LinkProxy.start({ host: '127.0.0.1', port: hub.port });
    await applyDataSync(hub.hub, dataSync('orders', { streams: ['orders'] }));
    if (skip) return;
    rabbit = await amqp.connect(RABBIT_URL);
    channel = await rabbit.createChannel();
    await channel.assertExchange(exchange, 'topic', { durable: false, autoDelete: true });
    queue = (await channel.assertQueue('', { exclusive: true })).queue;
    await channel.bindQueue(queue, exchange, '#');
    await applyDataSync(
      hub.hub,
      dataSync('telemetry', {
        streams: ['telemetry'],
        sink: { rabbitmq: { url: RABBIT_URL, exchange, routingKey: '{stream}.{node}' } },
      }),
    );
  });
  after(async () => {
    killAll(root);
    await rabbit?.close().catch(() => undefined);
    await proxy.close();
    await hub.close();
    rmSync(root, { recursive: true, force: true });
  });

  /** Every message in the test queue, by messageId (the dedup key). */
  async function drainQueue(): Promise<Map<string, number>> {
    const seen = new Map<string, number>();
    for (;;) {
      const message = await channel?.get(queue, { noAck: true });
      if (!message) return seen;
      const id = String(message.properties.messageId);
      seen.set(id, (seen.get(id) ?? 0) + 1);
    }
  }

  it('resends after the acks were lost and the agent crashed, with no duplicate downstream', async () => {
    const streams = skip ? ['orders'] : ['orders', 'telemetry'];
    if (skip) console.log(`# RabbitMQ part skipped: ${skip}`);
    const dataDir = path.join(root, 'edge-1');
    let edge = await startEdge(dataDir, {
      hubUrl: proxy.url,
      token: await joinToken(hub.hub),
      name: 'edge-1',
      labels: 'node-type=edge',
    });
    for (const stream of streams)
      assert.equal((await write(edge.url, stream, { id: `${stream}-warm` })).status, 200);
    await waitFor('the warm-up records delivered', async () => {
      const local = (await (await fetch(`${edge.url}/v1/streams`)).json()) as {
        streams: { backlog: number }[];
      };
      return local.streams.length === streams.length && local.streams.every((s) => s.backlog === 0)
        ? true
        : undefined;
    });

    // From here the hub hears everything and the agent hears nothing. Records go in three
    // bulk writes per stream, so the batches fit the agent's window of unacknowledged ones.
    proxy.dropHubToAgent(true);
    const acked = new Set<string>();
    for (const stream of streams)
      for (let b = 0; b < 3; b++) {
        const batch = Array.from({ length: 50 }, (_, i) => ({ id: `${stream}-${b * 50 + i}` }));
        assert.equal((await write(edge.url, stream, batch)).status, 200);
        for (const r of batch) acked.add(r.id);
      }
    await waitFor('the hub to commit every orders record', async () => {
      const ids = new Set(
        (await hubRecords(hub.ingest, { node: 'edge-1' })).map((r) => JSON.parse(r.data).id as string),
      );
      return [...acked].filter((id) => id.startsWith('orders')).every((id) => ids.has(id)) ? true : undefined;
    });
    if (!skip)
      await waitFor('RabbitMQ to confirm every telemetry record', async () =>
        (await hub.ingest.ledger?.totals('edge-1', 'telemetry'))?.delivered === 151 ? true : undefined,
      );
    const before = (await (await fetch(`${edge.url}/v1/streams/orders`)).json()) as { backlog: number };
    assert.equal(before.backlog, 150, 'no ack reached the agent: it still holds everything');
    assert.ok(proxy.dropped > 0);

    const exited = once(edge.child, 'exit');
    edge.child.kill('SIGKILL');
    await exited;
    proxy.dropHubToAgent(false);
    edge = await startEdge(dataDir);
    await waitFor('the backlog to drain after the restart', async () => {
      const local = (await (await fetch(`${edge.url}/v1/streams`)).json()) as {
        streams: { backlog: number }[];
      };
      return local.streams.every((s) => s.backlog === 0) ? true : undefined;
    });

    const records = await hubRecords(hub.ingest, { node: 'edge-1', stream: 'orders' });
    const orders = new Set([...acked].filter((id) => id.startsWith('orders')).concat('orders-warm'));
    assert.deepEqual(checkExactlyOnce(records, orders), []);
    assert.deepEqual(checkOrder(records).problems, []);
    const status = await waitFor('the Stream object to count the dropped duplicates', async () => {
      const s = (await hub.hub.service.find(streamType, '', 'edge-1.orders'))?.status as
        | Record<string, number>
        | undefined;
      return s && s.backlog === 0 && (s.duplicatesDropped ?? 0) > 0 ? s : undefined;
    });
    assert.equal(status.delivered, 151, 'delivered counts each record once');

    if (!skip) {
      const seen = await drainQueue();
      const duplicates = [...seen].filter(([, n]) => n > 1);
      assert.deepEqual(duplicates, [], 'RabbitMQ got every record once');
      assert.equal(seen.size, 151, 'the warm-up record and 150 written');
    }
    await stop(edge.child);
  });
});
