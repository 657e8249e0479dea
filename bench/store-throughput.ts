/**
 * Store throughput and watch fan-out latency, SQLite and PostgreSQL.
 *
 *   node dist/bench/store-throughput.js [--quick] [--postgres postgres://user@host:5432/db]
 *
 * Measures writes/s for creates and updates, one at a time and with 16 in flight,
 * and the latency from issuing a write to its event reaching each of 100 watchers
 * (p50/p99), for PostgreSQL also with the watchers on a second replica. Prints a
 * table and writes bench/results/store-throughput.json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { KubeObject } from '../src/api/object.js';
import { openPostgresStore } from '../src/store/postgres/index.js';
import { openSqliteStore } from '../src/store/sqlite/index.js';
import type { Store } from '../src/store/store.js';
import { percentile, printTable, writeResult } from './common.js';

const quick = process.argv.includes('--quick');
const pgFlag = process.argv.indexOf('--postgres');
const POSTGRES_URL = (pgFlag > 0 && process.argv[pgFlag + 1]) || 'postgres://postgres@127.0.0.1:5432/test';
const WRITES = quick ? 300 : 3000;
const CONCURRENCY = 16;
const WATCHERS = 100;
const FANOUT_WRITES = quick ? 50 : 300;
const RESOURCE = 'core/pods';

interface Result {
  backend: string;
  workload: string;
  operations: number;
  seconds?: number;
  perSecond?: number;
  p50Ms?: number;
  p99Ms?: number;
}

/** A pod of about 1 KiB of JSON, like the ones the scheduler writes. */
function pod(name: string, generation = 0): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: `site-${name.length % 7}`,
      labels: { app: 'edge-service', 'edgewise.io/site': 'store-0042', tier: 'front' },
      annotations: { 'edgewise.io/revision': String(generation) },
    },
    spec: {
      nodeName: 'edge-node-0042-a',
      runtimeClassName: 'wasmedge',
      containers: [
        {
          name: 'app',
          image: 'registry.edgewise.local/edge-service:1.4.2',
          env: [{ name: 'GENERATION', value: String(generation) }],
          resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
        },
      ],
      tolerations: [{ key: 'edgewise.io/offline', operator: 'Exists', effect: 'NoExecute' }],
    },
    status: { phase: 'Running', hostIP: '10.42.0.17' },
  };
}

/** Runs `count` operations with at most `concurrency` in flight; returns seconds taken. */
async function timed(
  count: number,
  concurrency: number,
  op: (i: number) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await op(next++);
    }),
  );
  return (performance.now() - start) / 1000;
}

async function throughput(backend: string, store: Store, results: Result[]): Promise<void> {
  const run = async (workload: string, concurrency: number, op: (i: number) => Promise<unknown>) => {
    const seconds = await timed(WRITES, concurrency, op);
    results.push({ backend, workload, operations: WRITES, seconds, perSecond: WRITES / seconds });
  };
  await run('create, sequential', 1, (i) => store.create(RESOURCE, pod(`seq-${i}`)));
  await run(`create, ${CONCURRENCY} in flight`, CONCURRENCY, (i) => store.create(RESOURCE, pod(`par-${i}`)));
  await run('update, sequential', 1, (i) => store.update(RESOURCE, pod(`seq-${i}`, 1)));
  await run(`update, ${CONCURRENCY} in flight`, CONCURRENCY, (i) =>
    store.update(RESOURCE, pod(`par-${i}`, 1)),
  );
}

/** Latency from issuing a write until each watcher's consumer has the event. */
async function fanOut(backend: string, writer: Store, watched: Store, results: Result[]): Promise<void> {
  const from = await watched.revision();
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  let delivered = 0;
  let allDelivered: (() => void) | undefined;
  const watches = Array.from({ length: WATCHERS }, () =>
    watched.watch({ resource: RESOURCE, fromRevision: from }),
  );
  const consumers = watches.map(async (watch) => {
    for await (const event of watch) {
      const at = sentAt.get(event.revision);
      if (at !== undefined) latencies.push(performance.now() - at);
      if (++delivered % WATCHERS === 0) allDelivered?.();
    }
  });
  // The revision a write will get is known in advance (this is the only writer), and
  // must be: delivery can come before the write returns (SQLite publishes on commit).
  let nextRevision = from + 1;
  // Round 0 warms up: every watcher reads (empty) history once before going live, so
  // the measured rounds see the steady state, not 100 first reads at once.
  for (let i = 0; i <= FANOUT_WRITES; i++) {
    const done = new Promise<void>((resolve) => {
      allDelivered = resolve;
    });
    if (i > 0) sentAt.set(nextRevision, performance.now());
    nextRevision++;
    await writer.create(RESOURCE, pod(`fan-${backend.length}-${i}`));
    await done;
  }
  for (const watch of watches) watch.close();
  await Promise.all(consumers);
  latencies.sort((a, b) => a - b);
  results.push({
    backend,
    workload: `write → ${WATCHERS} watchers`,
    operations: latencies.length,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  });
}

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false; // reported as a skipped backend below
  }
}

function printResults(results: Result[]): void {
  const rows = results.map((r) => [
    r.backend,
    r.workload,
    String(r.operations),
    r.perSecond === undefined ? '' : r.perSecond.toFixed(0),
    r.p50Ms === undefined ? '' : r.p50Ms.toFixed(2),
    r.p99Ms === undefined ? '' : r.p99Ms.toFixed(2),
  ]);
  printTable(['backend', 'workload', 'ops', 'writes/s', 'p50 ms', 'p99 ms'], rows, 2);
}

async function main(): Promise<void> {
  const results: Result[] = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'edgewise-bench-'));
  try {
    const sqlite = await openSqliteStore({ path: path.join(dir, 'bench.db'), compaction: false });
    await throughput('sqlite', sqlite, results);
    await fanOut('sqlite', sqlite, sqlite, results);
    await sqlite.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  if (await postgresReachable()) {
    const schema = `ew_bench_${process.pid}`;
    const a = await openPostgresStore({ connectionString: POSTGRES_URL, schema, compaction: false });
    const b = await openPostgresStore({ connectionString: POSTGRES_URL, schema, compaction: false });
    try {
      await throughput('postgresql', a, results);
      await fanOut('postgresql', a, a, results);
      await fanOut('postgresql, other replica', a, b, results);
    } finally {
      await a.close();
      await b.close();
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    }
  } else {
    console.log(`PostgreSQL not reachable at ${POSTGRES_URL}: skipped`);
  }

  printResults(results);
  writeResult('store-throughput', {
    parameters: {
      writes: WRITES,
      concurrency: CONCURRENCY,
      watchers: WATCHERS,
      fanOutWrites: FANOUT_WRITES,
      quick,
    },
    results,
  });
}

await main();
