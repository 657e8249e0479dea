/**
 * Hub API figures through real HTTP on loopback, for SQLite and PostgreSQL:
 * - apply throughput: objects/s for `edgewise apply`-style server-side applies;
 * - watch fan-out: latency from the start of a write to its delivery at each of
 *   100 watchers (p50/p99).
 *
 * Run: npm run build && node dist/bench/hub-api.js [--objects 2000] [--watchers 100] [--writes 200]
 * Writes bench/results/hub-api.json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { createHub, listenHub } from '../src/hub/hub.js';
import { percentile, printTable, writeResult } from './common.js';

const { values } = parseArgs({
  options: {
    objects: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '16' },
    watchers: { type: 'string', default: '100' },
    writes: { type: 'string', default: '200' },
    postgres: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
  },
});
const OBJECTS = Number(values.objects);
const CONCURRENCY = Number(values.concurrency);
const WATCHERS = Number(values.watchers);
const WRITES = Number(values.writes);

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function request(url: string, method: string, body: string, contentType: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method, agent, headers: { 'content-type': contentType, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function applyThroughput(base: string, prefix: string): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= OBJECTS) return;
      const name = `${prefix}-${i}`;
      const manifest = JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, labels: { bench: prefix } },
        data: { index: String(i), payload: 'x'.repeat(256) },
      });
      const status = await request(
        `${base}/api/v1/namespaces/default/configmaps/${name}?fieldManager=bench`,
        'PATCH',
        manifest,
        'application/apply-patch+yaml',
      );
      if (status !== 201 && status !== 200) throw new Error(`apply answered ${status}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return OBJECTS / seconds;
}

async function watchFanOut(
  base: string,
  prefix: string,
): Promise<{ p50: number; p99: number; samples: number }> {
  const startedAt = new Map<string, bigint>();
  const latencies: number[] = [];
  let ready = 0;
  const sockets: http.ClientRequest[] = [];
  await new Promise<void>((resolve, reject) => {
    for (let w = 0; w < WATCHERS; w++) {
      const req = http.get(
        `${base}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=0&labelSelector=fan%3D${prefix}`,
        (res) => {
          ready++;
          if (ready === WATCHERS) resolve();
          let buffer = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            const now = process.hrtime.bigint();
            buffer += chunk;
            let nl = buffer.indexOf('\n');
            while (nl >= 0) {
              const line = buffer.slice(0, nl);
              buffer = buffer.slice(nl + 1);
              const event = JSON.parse(line) as { object: { metadata: { name: string } } };
              const t0 = startedAt.get(event.object.metadata.name);
              if (t0 !== undefined) latencies.push(Number(now - t0) / 1e6);
              nl = buffer.indexOf('\n');
            }
          });
        },
      );
      req.on('error', reject);
      sockets.push(req);
    }
  });
  for (let i = 0; i < WRITES; i++) {
    const name = `${prefix}-w${i}`;
    startedAt.set(name, process.hrtime.bigint());
    const body = JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, labels: { fan: prefix } },
    });
    await request(`${base}/api/v1/namespaces/default/configmaps`, 'POST', body, 'application/json');
  }
  for (let i = 0; i < 500 && latencies.length < WATCHERS * WRITES; i++)
    await new Promise((r) => setTimeout(r, 10));
  for (const s of sockets) s.destroy();
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), samples: latencies.length };
}

async function reachable(): Promise<boolean> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const s = net.connect(5432, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function run(label: string, store?: string) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'edgewise-bench-'));
  const hub = await createHub({
    dataDir,
    logger: pino({ level: 'silent' }),
    secure: false,
    controllers: false,
    ...(store && { store }),
  });
  const served = await listenHub(hub, { host: '127.0.0.1', port: 0 });
  const prefix = `b${Date.now().toString(36)}`;
  try {
    const applyPerSecond = await applyThroughput(served.url, prefix);
    const fan = await watchFanOut(served.url, prefix);
    return {
      backend: label,
      applyPerSecond,
      fanoutP50Ms: fan.p50,
      fanoutP99Ms: fan.p99,
      samples: fan.samples,
    };
  } finally {
    await served.close();
    await hub.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const results = [await run('sqlite')];
if (await reachable()) {
  // A fresh schema per run keeps results comparable and leaves no rows behind.
  const schema = `bench_${Date.now().toString(36)}`;
  const url = `${values.postgres}?schema=${schema}`;
  try {
    results.push(await run('postgres', url));
  } finally {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: values.postgres });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
} else {
  console.error('PostgreSQL not reachable on 127.0.0.1:5432; skipping that backend');
}

console.log(
  `hub API, ${OBJECTS} applies at concurrency ${CONCURRENCY}; ${WATCHERS} watchers × ${WRITES} writes`,
);
printTable(
  ['backend', 'apply obj/s', 'fan-out p50 ms', 'fan-out p99 ms', 'deliveries'],
  results.map((r) => [
    r.backend,
    r.applyPerSecond.toFixed(0),
    r.fanoutP50Ms.toFixed(2),
    r.fanoutP99Ms.toFixed(2),
    String(r.samples),
  ]),
);
writeResult('hub-api', {
  objects: OBJECTS,
  concurrency: CONCURRENCY,
  watchers: WATCHERS,
  writes: WRITES,
  results,
});
agent.destroy();
