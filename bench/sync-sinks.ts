import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { connect as amqpConnect } from 'amqplib';
import { connectAsync as mqttConnect } from 'mqtt';
import { connect as natsConnect } from 'nats';
import pg from 'pg';
import { dedupKey, type Sink, type SinkRecord } from '../src/hub/ingest/sink.js';
import { MqttSink, NatsJetStreamSink, PostgresSink, RabbitMqSink } from '../src/hub/ingest/sinks/index.js';
import { reachable } from '../test/support/services.js';
import { percentile, printTable, writeResult } from './common.js';

const quick = process.argv.includes('--quick');
const recordsFlag = process.argv.indexOf('--records');
const RECORDS = recordsFlag > 0 ? Number(process.argv[recordsFlag + 1]) : quick ? 2_000 : 20_000;
const BATCH_SIZES = [100, 1000];
const RUN = `${process.pid}_${Date.now().toString(36)}`;

interface Result {
  sink: string;
  batch: number;
  records: number;
  seconds: number;
  perSecond: number;
  p50BatchMs: number;
  p99BatchMs: number;
}

/** A destination for one sink: the sink, and how to remove what the benchmark created. */
interface Setup {
  sink: Sink;
  teardown(): Promise<void>;
}

let seq = 0;
/** Records of about 200 bytes of JSON each, like a shipment status update. */
function nextBatch(size: number): SinkRecord[] {
  return Array.from({ length: size }, () => {
    seq += 1;
    const record = {
      node: `bench-node-${RUN}`,
      epoch: 'e1',
      stream: 'shipments',
      seq,
      time: new Date().toISOString(),
      data: {
        po: `PO-${seq}`,
        status: 'arrived',
        site: 'store-0042',
        dock: 3,
        lines: [{ sku: 'A-1', qty: 12 }],
      },
    };
    return { ...record, dedupKey: dedupKey(record) };
  });
}

async function measure(name: string, sink: Sink, batchSize: number): Promise<Result> {
  await sink.deliver(nextBatch(batchSize)); // connect and warm up outside the measurement
  const batches = Math.max(1, Math.round(RECORDS / batchSize));
  const latencies: number[] = [];
  const start = performance.now();
  for (let i = 0; i < batches; i++) {
    const records = nextBatch(batchSize);
    const t = performance.now();
    await sink.deliver(records);
    latencies.push(performance.now() - t);
  }
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    sink: name,
    batch: batchSize,
    records: batches * batchSize,
    seconds,
    perSecond: (batches * batchSize) / seconds,
    p50BatchMs: percentile(latencies, 50),
    p99BatchMs: percentile(latencies, 99),
  };
}

async function rabbitmq(): Promise<Setup> {
  const url = 'amqp://guest:guest@127.0.0.1:5672';
  const admin = await amqpConnect(url);
  const channel = await admin.createChannel();
  const exchange = `ew-bench-${RUN}`;
  const queue = `ew-bench-${RUN}`;
  await channel.assertExchange(exchange, 'topic', { durable: true });
  await channel.assertQueue(queue, { durable: true });
  await channel.bindQueue(queue, exchange, '#');
  return {
    sink: new RabbitMqSink({ url, exchange }),
    teardown: async () => {
      await channel.deleteQueue(queue);
      await channel.deleteExchange(exchange);
      await admin.close();
    },
  };
}

async function nats(): Promise<Setup> {
  const nc = await natsConnect({ servers: 'nats://127.0.0.1:4222' });
  const jsm = await nc.jetstreamManager();
  const stream = `EW_BENCH_${RUN}`;
  await jsm.streams.add({ name: stream, subjects: [`ewbench_${RUN}.>`] });
  return {
    sink: new NatsJetStreamSink({
      servers: 'nats://127.0.0.1:4222',
      subject: `ewbench_${RUN}.{stream}.{node}`,
    }),
    teardown: async () => {
      await jsm.streams.delete(stream);
      await nc.close();
    },
  };
}

async function mqtt(): Promise<Setup> {
  const url = 'mqtt://127.0.0.1:1883';
  const subscriber = await mqttConnect(url, { protocolVersion: 5, reconnectPeriod: 0 });
  let received = 0;
  subscriber.on('message', () => {
    received += 1;
  });
  await subscriber.subscribeAsync(`ewbench_${RUN}/#`, { qos: 1 });
  return {
    sink: new MqttSink({ url, topic: `ewbench_${RUN}/{stream}/{node}` }),
    teardown: async () => {
      await subscriber.endAsync();
      if (received === 0) throw new Error('the MQTT subscriber received nothing');
    },
  };
}

async function postgres(): Promise<Setup> {
  const connectionString = 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `ew_bench_${RUN}`;
  return {
    sink: new PostgresSink({ connectionString, table: `${schema}.records`, createTable: true }),
    teardown: async () => {
      const client = new pg.Client({ connectionString });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    },
  };
}

const SINKS: { name: string; port: number; setup: () => Promise<Setup> }[] = [
  { name: 'rabbitmq', port: 5672, setup: rabbitmq },
  { name: 'nats-jetstream', port: 4222, setup: nats },
  { name: 'mqtt', port: 1883, setup: mqtt },
  { name: 'postgres', port: 5432, setup: postgres },
];

function printResults(results: Result[]): void {
  const rows = results.map((r) => [
    r.sink,
    String(r.batch),
    String(r.records),
    r.perSecond.toFixed(0),
    r.p50BatchMs.toFixed(1),
    r.p99BatchMs.toFixed(1),
  ]);
  printTable(['sink', 'batch', 'records', 'records/s', 'p50 batch ms', 'p99 batch ms'], rows);
}

async function main(): Promise<void> {
  // The servers share the machine with the benchmark (and, on a shared box, with other
  // work): the load when it started says how much to trust the figures.
  const loadAverage = os.loadavg().map((l) => Number(l.toFixed(2)));
  const results: Result[] = [];
  const skipped: string[] = [];
  for (const { name, port, setup } of SINKS) {
    if (!(await reachable('127.0.0.1', port))) {
      console.log(`${name}: nothing listens on 127.0.0.1:${port}; skipped`);
      skipped.push(name);
      continue;
    }
    const { sink, teardown } = await setup();
    try {
      for (const size of BATCH_SIZES) results.push(await measure(name, sink, size));
    } finally {
      await sink.close();
      await teardown();
    }
  }

  printResults(results);
  writeResult('sync-sinks', {
    loadAverage,
    parameters: { recordsPerMeasurement: RECORDS, batchSizes: BATCH_SIZES, inFlightBatches: 1, quick },
    skipped,
    results,
  });
}

await main();
