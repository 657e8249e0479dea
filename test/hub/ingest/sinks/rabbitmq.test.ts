import assert from 'node:assert/strict';
import { type Channel, type ChannelModel, type ConsumeMessage, connect } from 'amqplib';
import { HEADERS, RabbitMqSink } from '../../../../src/hub/ingest/sinks/index.js';
import { RABBITMQ } from '../../../support/services.js';
import { eventually, rejectsWithCode } from './support/expect.js';
import { batch } from './support/records.js';
import { type Destination, type Received, sinkSuite, unique } from './support/suite.js';

const url = (port: number) => `amqp://guest:guest@127.0.0.1:${port}`;

interface RabbitDestination extends Destination {
  readonly exchange: string;
  readonly queue: string;
  readonly messages: ConsumeMessage[];
  readonly channel: Channel;
}

function received(m: ConsumeMessage): Received {
  const h = m.properties.headers ?? {};
  return {
    dedupKey: m.properties.messageId as string,
    node: h[HEADERS.node],
    epoch: h[HEADERS.epoch],
    stream: h[HEADERS.stream],
    seq: h[HEADERS.seq],
    data: JSON.parse(m.content.toString()),
  };
}

let consumer: ChannelModel;

/** A fresh topic exchange with a queue bound to everything on it, consumed as messages arrive. */
async function destination(): Promise<RabbitDestination> {
  const channel = await consumer.createChannel();
  const exchange = unique('ew-sink-test');
  await channel.assertExchange(exchange, 'topic', { durable: false });
  const { queue } = await channel.assertQueue('', { exclusive: true, durable: false });
  await channel.bindQueue(queue, exchange, '#');
  const messages: ConsumeMessage[] = [];
  await channel.consume(queue, (m) => m && messages.push(m), { noAck: true });
  return {
    exchange,
    queue,
    messages,
    channel,
    sink: (port, options) => new RabbitMqSink({ url: url(port), exchange, ...options }),
    read: async (count) => {
      await eventually(`${count} messages arrived`, () => messages.length >= count);
      return messages.map(received);
    },
    cleanup: async () => {
      await channel.deleteQueue(queue);
      await channel.deleteExchange(exchange);
      await channel.close();
    },
  };
}

sinkSuite(
  'RabbitMQ sink',
  {
    probe: RABBITMQ,
    redelivery: 'same-dedup-key',
    setup: async () => {
      consumer = await connect(url(RABBITMQ.port));
    },
    teardown: () => consumer.close(),
    destination,
  },
  (test) => {
    test('publishes persistent messages with messageId = dedup key and edgewise headers', async ({
      dest,
      sink,
    }) => {
      const records = batch({ node: 'store-007', epoch: 'e9', stream: 'shipments', from: 41, count: 2 });
      await sink().deliver(records);
      await dest.read(2);
      const [m] = dest.messages;
      assert.ok(m);
      assert.equal(m.fields.exchange, dest.exchange);
      assert.equal(m.fields.routingKey, 'shipments.store-007');
      assert.equal(m.properties.deliveryMode, 2);
      assert.equal(m.properties.messageId, 'store-007/e9/shipments/41');
      assert.equal(m.properties.contentType, 'application/json');
      assert.deepEqual(m.properties.headers, {
        [HEADERS.node]: 'store-007',
        [HEADERS.epoch]: 'e9',
        [HEADERS.stream]: 'shipments',
        [HEADERS.seq]: 41,
        [HEADERS.time]: records[0]?.time,
      });
      assert.deepEqual(JSON.parse(m.content.toString()), records[0]?.data);
    });

    test('fills the routing key template and can send the whole record as the body', async ({
      dest,
      proxy,
    }) => {
      const s = new RabbitMqSink({
        url: url(proxy.port),
        exchange: dest.exchange,
        routingKey: 'edge.{node}.{epoch}.{stream}',
        payload: 'record',
      });
      try {
        const [record] = batch({ count: 1 });
        await s.deliver([record!]);
        await dest.read(1);
        assert.equal(dest.messages[0]?.fields.routingKey, 'edge.store-001.e1.shipments');
        assert.deepEqual(JSON.parse(dest.messages[0]?.content.toString() ?? ''), record);
      } finally {
        await s.close();
      }
    });

    test('publishes to the default exchange, routed by queue name', async ({ dest, proxy, track }) => {
      const s = track(new RabbitMqSink({ url: url(proxy.port), exchange: '', routingKey: dest.queue }));
      await s.deliver(batch({ count: 3 }));
      assert.deepEqual(
        (await dest.read(3)).map((r) => r.seq),
        [1, 2, 3],
      );
    });

    test('a non-existent exchange fails with EW_NOT_FOUND naming it', async ({ proxy, track }) => {
      const exchange = unique('ew-sink-missing');
      const s = track(new RabbitMqSink({ url: url(proxy.port), exchange }));
      const err = await rejectsWithCode(s.deliver(batch({ count: 3 })), 'EW_NOT_FOUND', /no exchange/);
      assert.ok(err.message.includes(exchange), err.message);
      assert.match(err.message, /assertExchange/);
      // The broker closed the channel; the next attempt opens a new one and says the same.
      await rejectsWithCode(s.deliver(batch({ count: 3 })), 'EW_NOT_FOUND', /no exchange/);
    });

    test('a refused login or vhost is EW_UNAUTHORIZED or EW_FORBIDDEN, not a server being down', async ({
      dest,
      proxy,
      track,
    }) => {
      const exchange = dest.exchange;
      const login = track(new RabbitMqSink({ url: `amqp://guest:wrong@127.0.0.1:${proxy.port}`, exchange }));
      await rejectsWithCode(login.deliver(batch({ count: 1 })), 'EW_UNAUTHORIZED', /ACCESS.REFUSED/);
      const vhost = `${url(proxy.port)}/${unique('ew-no-vhost')}`;
      const noVhost = track(new RabbitMqSink({ url: vhost, exchange }));
      await rejectsWithCode(noVhost.deliver(batch({ count: 1 })), 'EW_FORBIDDEN', /vhost/);
    });

    test('assertExchange declares the exchange, durable, on connect', async ({ dest, proxy, track }) => {
      const exchange = unique('ew-sink-asserted');
      const s = track(
        new RabbitMqSink({
          url: url(proxy.port),
          exchange,
          assertExchange: { type: 'direct' },
          mandatory: false,
        }),
      );
      try {
        await s.deliver(batch({ count: 2 }));
        // Re-declaring with the same arguments succeeds only if it is a durable direct exchange.
        await dest.channel.assertExchange(exchange, 'direct', { durable: true });
      } finally {
        await dest.channel.deleteExchange(exchange);
      }
    });

    test('a message no queue takes fails the batch with EW_NOT_FOUND, unless mandatory is off', async ({
      dest,
      proxy,
      track,
    }) => {
      const exchange = unique('ew-sink-unbound');
      await dest.channel.assertExchange(exchange, 'topic', { durable: false });
      try {
        const strict = track(new RabbitMqSink({ url: url(proxy.port), exchange }));
        await rejectsWithCode(strict.deliver(batch({ count: 3 })), 'EW_NOT_FOUND', /no queue is bound/);
        const lax = track(new RabbitMqSink({ url: url(proxy.port), exchange, mandatory: false }));
        await lax.deliver(batch({ count: 3 }));
      } finally {
        await dest.channel.deleteExchange(exchange);
      }
    });

    test('a nacked message fails the batch with EW_UNAVAILABLE', async ({ dest, sink }) => {
      // A queue that refuses publishes beyond 5 messages makes the broker nack the rest.
      const { queue } = await dest.channel.assertQueue('', {
        exclusive: true,
        arguments: { 'x-max-length': 5, 'x-overflow': 'reject-publish' },
      });
      try {
        await dest.channel.bindQueue(queue, dest.exchange, '#');
        await rejectsWithCode(sink().deliver(batch({ count: 10 })), 'EW_UNAVAILABLE', /nacked/);
      } finally {
        await dest.channel.deleteQueue(queue);
      }
    });
  },
);
