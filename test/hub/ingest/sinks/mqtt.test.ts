import assert from 'node:assert/strict';
import { connectAsync, type IPublishPacket, type MqttClient } from 'mqtt';
import { HEADERS, MqttSink } from '../../../../src/hub/ingest/sinks/index.js';
import { MOSQUITTO } from '../../../support/services.js';
import { eventually, rejectsWithCode } from './support/expect.js';
import { batch } from './support/records.js';
import { type Destination, type Received, sinkSuite, unique } from './support/suite.js';

interface MqttDestination extends Destination {
  /** Topics under it reach the subscriber. */
  readonly prefix: string;
  readonly packets: IPublishPacket[];
}

const url = (port: number) => `mqtt://127.0.0.1:${port}`;

function received(p: IPublishPacket): Received {
  const props = (p.properties?.userProperties ?? {}) as Record<string, string>;
  return {
    dedupKey: props[HEADERS.dedupKey] as string,
    node: props[HEADERS.node] as string,
    epoch: props[HEADERS.epoch] as string,
    stream: props[HEADERS.stream] as string,
    seq: Number(props[HEADERS.seq]),
    data: JSON.parse(p.payload.toString()),
  };
}

/** A subscriber (MQTT 5, QoS 1) on a fresh topic prefix, collecting what arrives. */
async function destination(): Promise<MqttDestination> {
  const prefix = unique('ewtest', '_');
  const subscriber: MqttClient = await connectAsync(url(MOSQUITTO.port), {
    protocolVersion: 5,
    reconnectPeriod: 0,
    clientId: unique('ewsub', '_'),
  });
  const packets: IPublishPacket[] = [];
  subscriber.on('message', (_topic, _payload, packet) => packets.push(packet));
  await subscriber.subscribeAsync(`${prefix}/#`, { qos: 1 });
  return {
    prefix,
    packets,
    sink: (port, options) => new MqttSink({ url: url(port), topic: `${prefix}/{stream}/{node}`, ...options }),
    read: async (count) => {
      await eventually(`${count} messages arrived`, () => packets.length >= count);
      return packets.map(received);
    },
    cleanup: () => subscriber.endAsync(),
  };
}

sinkSuite('MQTT sink', { probe: MOSQUITTO, redelivery: 'same-dedup-key', destination }, (test) => {
  test('publishes at QoS 1 with the dedup key and metadata as user properties', async ({ dest, sink }) => {
    const records = batch({ node: 'store-007', epoch: 'e9', from: 41, count: 2 });
    await sink().deliver(records);
    await dest.read(2);
    const [p] = dest.packets;
    assert.ok(p);
    assert.equal(p.topic, `${dest.prefix}/shipments/store-007`);
    assert.equal(p.qos, 1);
    assert.equal(p.properties?.contentType, 'application/json');
    assert.deepEqual(
      { ...p.properties?.userProperties },
      {
        [HEADERS.node]: 'store-007',
        [HEADERS.epoch]: 'e9',
        [HEADERS.stream]: 'shipments',
        [HEADERS.seq]: '41',
        [HEADERS.time]: records[0]?.time,
        [HEADERS.dedupKey]: 'store-007/e9/shipments/41',
      },
    );
    assert.deepEqual(JSON.parse(p.payload.toString()), records[0]?.data);
  });

  test('can send the whole record as the body, for MQTT 3.1.1 subscribers', async ({
    dest,
    proxy,
    track,
  }) => {
    const s = track(
      new MqttSink({ url: url(proxy.port), topic: `${dest.prefix}/{node}/{epoch}`, payload: 'record' }),
    );
    const [record] = batch({ count: 1 });
    await s.deliver([record!]);
    await dest.read(1);
    assert.equal(dest.packets[0]?.topic, `${dest.prefix}/store-001/e1`);
    assert.deepEqual(JSON.parse(dest.packets[0]?.payload.toString() ?? ''), record);
  });

  test('a topic nobody subscribes to fails with EW_NOT_FOUND, unless requireSubscriber is off', async ({
    proxy,
    track,
  }) => {
    const topic = `${unique('ewnobody', '_')}/{stream}`;
    const strict = track(new MqttSink({ url: url(proxy.port), topic }));
    await rejectsWithCode(strict.deliver(batch({ count: 3 })), 'EW_NOT_FOUND', /no subscription matches/);
    const lax = track(new MqttSink({ url: url(proxy.port), topic, requireSubscriber: false }));
    await lax.deliver(batch({ count: 3 }));
  });

  test('a record whose topic would be invalid fails the whole batch before connecting', async ({
    proxy,
    sink,
  }) => {
    const records = [...batch({ count: 3 }), ...batch({ stream: 'shipments+returns', count: 1 })];
    await rejectsWithCode(sink().deliver(records), 'EW_INVALID', /shipments\+returns/);
    assert.equal(proxy.accepted, 0);
  });
});
