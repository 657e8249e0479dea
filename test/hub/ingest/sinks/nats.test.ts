import assert from 'node:assert/strict';
import { connect, type JetStreamManager, type NatsConnection, type StoredMsg } from 'nats';
import { HEADERS, NatsJetStreamSink } from '../../../../src/hub/ingest/sinks/index.js';
import { NATS } from '../../../support/services.js';
import { eventually, rejectsWithCode } from './support/expect.js';
import { batch } from './support/records.js';
import { type Destination, type Received, sinkSuite, unique } from './support/suite.js';

interface NatsDestination extends Destination {
  /** The JetStream stream capturing `<prefix>.>`. */
  readonly stream: string;
  readonly prefix: string;
  /** Every message the stream holds, oldest first. */
  stored(): Promise<StoredMsg[]>;
}

let nc: NatsConnection;
let jsm: JetStreamManager;

function received(m: StoredMsg): Received {
  const h = (name: string) => m.header.get(name);
  return {
    dedupKey: h(HEADERS.dedupKey),
    node: h(HEADERS.node),
    epoch: h(HEADERS.epoch),
    stream: h(HEADERS.stream),
    seq: Number(h(HEADERS.seq)),
    data: m.json(),
  };
}

/** A fresh JetStream stream on its own subject prefix, read back message by message. */
async function destination(): Promise<NatsDestination> {
  const stream = unique('EW_SINK_TEST', '_');
  const prefix = unique('ewtest', '_');
  await jsm.streams.add({ name: stream, subjects: [`${prefix}.>`] });
  const stored = async () => {
    const { state } = await jsm.streams.info(stream);
    const messages: StoredMsg[] = [];
    for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq++) {
      messages.push(await jsm.streams.getMessage(stream, { seq }));
    }
    return messages;
  };
  return {
    stream,
    prefix,
    stored,
    sink: (port, options) =>
      new NatsJetStreamSink({
        servers: `nats://127.0.0.1:${port}`,
        subject: `${prefix}.{stream}.{node}`,
        ...options,
      }),
    read: async (count) => {
      await eventually(
        `${count} messages stored`,
        async () => (await jsm.streams.info(stream)).state.messages >= count,
      );
      return (await stored()).map(received);
    },
    cleanup: async () => {
      await jsm.streams.delete(stream);
    },
  };
}

sinkSuite(
  'NATS JetStream sink',
  {
    probe: NATS,
    redelivery: 'no-effect',
    setup: async () => {
      nc = await connect({ servers: `nats://${NATS.host}:${NATS.port}` });
      jsm = await nc.jetstreamManager();
    },
    teardown: () => nc.close(),
    destination,
  },
  (test) => {
    test('stores each record under its subject with Nats-Msg-Id = dedup key', async ({ dest, sink }) => {
      const records = batch({ node: 'store-007', epoch: 'e9', from: 41, count: 2 });
      await sink().deliver(records);
      const [first] = await dest.stored();
      assert.ok(first);
      assert.equal(first.subject, `${dest.prefix}.shipments.store-007`);
      assert.equal(first.header.get('Nats-Msg-Id'), 'store-007/e9/shipments/41');
      assert.equal(first.header.get(HEADERS.seq), '41');
      assert.equal(first.header.get(HEADERS.time), records[0]?.time);
      assert.deepEqual(first.json(), records[0]?.data);
    });

    test('a redelivery is acknowledged as a duplicate, leaving the stream as it was', async ({
      dest,
      sink,
    }) => {
      const s = sink();
      const records = batch({ count: 10 });
      await s.deliver(records);
      const before = (await jsm.streams.info(dest.stream)).state;
      await s.deliver(records);
      const afterwards = (await jsm.streams.info(dest.stream)).state;
      assert.equal(afterwards.messages, 10);
      assert.equal(afterwards.last_seq, before.last_seq);
    });

    test('can send the whole record as the body', async ({ dest, proxy, track }) => {
      const s = track(
        new NatsJetStreamSink({
          servers: `nats://127.0.0.1:${proxy.port}`,
          subject: `${dest.prefix}.{node}.{epoch}`,
          payload: 'record',
        }),
      );
      const [record] = batch({ count: 1 });
      await s.deliver([record!]);
      const [stored] = await dest.stored();
      assert.equal(stored?.subject, `${dest.prefix}.store-001.e1`);
      assert.deepEqual(stored?.json(), record);
    });

    test('a subject no stream captures fails with EW_NOT_FOUND naming it', async ({ proxy, track }) => {
      const prefix = unique('ewnone', '_');
      const s = track(
        new NatsJetStreamSink({ servers: `nats://127.0.0.1:${proxy.port}`, subject: `${prefix}.{stream}` }),
      );
      const err = await rejectsWithCode(
        s.deliver(batch({ count: 2 })),
        'EW_NOT_FOUND',
        /no JetStream stream captures/,
      );
      assert.ok(err.message.includes(`"${prefix}.shipments"`), err.message);
    });

    test('expectStream: a message stored by another stream fails with EW_INVALID', async ({
      dest,
      proxy,
      track,
    }) => {
      const servers = `nats://127.0.0.1:${proxy.port}`;
      const subject = `${dest.prefix}.{stream}`;
      const wrong = track(new NatsJetStreamSink({ servers, subject, expectStream: 'SOMETHING_ELSE' }));
      await rejectsWithCode(wrong.deliver(batch({ count: 2 })), 'EW_INVALID', /expected stream/);
      const right = track(new NatsJetStreamSink({ servers, subject, expectStream: dest.stream }));
      await right.deliver(batch({ count: 2 }));
      assert.equal((await dest.stored()).length, 2);
    });

    test('a record whose subject would be invalid fails the whole batch before anything is sent', async ({
      dest,
      sink,
    }) => {
      const records = [...batch({ count: 3 }), ...batch({ node: 'store*9', count: 1 })];
      await rejectsWithCode(sink().deliver(records), 'EW_INVALID', /store\*9/);
      assert.equal((await jsm.streams.info(dest.stream)).state.messages, 0);
    });
  },
);
