/**
 * Hub ingest throughput: records/s the hub commits (SQLite ledger, sink `hub`) when
 * nodes push batches as fast as their windows allow.
 *
 *   node dist/bench/sync-ingest.js [--quick]
 *
 * The hub runs in this process; the load comes from a child process holding N raw
 * agent links (joined with tokens like real agents), each keeping `window` batches
 * in flight, so the generator does not compete with the hub's event loop. Prints a
 * table and writes bench/results/sync-ingest.json.
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { joinHub } from '../src/agent/join.js';
import { LINK_PATH, LINK_PROTOCOL_VERSION, LINK_SUBPROTOCOL } from '../src/api/link-protocol.js';
import { freePort } from '../test/support/fleet.js';
import { joinToken } from '../test/support/hub.js';
import { printTable, writeResult } from './common.js';
import { routeStream, startHub } from './sync-common.js';

interface Config {
  nodes: number;
  batch: number;
  window: number;
  records: number;
}

interface Job extends Config {
  hubUrl: string;
  tokens: string[];
  run: number;
}

const quick = process.argv.includes('--quick');

/** The load generator (child process): joins, links and pushes batches until `records` are acknowledged. */
async function generate(job: Job): Promise<void> {
  const perNode = Math.ceil(job.records / job.nodes);
  const links = await Promise.all(
    job.tokens.map(async (t, i) => {
      const node = `bench-${job.run}-${i}`;
      const joined = await joinHub({ hubUrl: job.hubUrl, token: t, nodeName: node, machineId: randomUUID() });
      const ws = new WebSocket(`${job.hubUrl.replace('https', 'wss')}${LINK_PATH}`, LINK_SUBPROTOCOL, {
        headers: { Authorization: `Bearer ${joined.credential}` },
        ca: joined.caPem,
      });
      await new Promise((r, j) => ws.once('open', r).once('error', j));
      const synced = new Promise((r) => ws.once('message', r));
      ws.send(
        JSON.stringify({
          v: 1,
          type: 'hello',
          node,
          agentVersion: 'bench',
          lastRevision: 0,
          inventory: [],
          report: { labels: {}, status: {} },
        }),
      );
      await synced;
      return { ws, node };
    }),
  );
  process.send?.({ ready: true });
  await new Promise((r) => process.once('message', r));
  const epoch = randomUUID().replace(/-/g, '').slice(0, 12);
  await Promise.all(
    links.map(
      ({ ws, node }) =>
        new Promise<void>((resolve, reject) => {
          let next = 1;
          let acked = 0;
          let id = 0;
          const send = () => {
            if (next > perNode) return;
            const from = next;
            const to = Math.min(perNode, from + job.batch - 1);
            next = to + 1;
            const time = new Date().toISOString();
            const records = [];
            for (let seq = from; seq <= to; seq++)
              records.push({
                seq,
                time,
                data: { po: `PO-${seq}`, status: 'arrived', site: node, dock: seq % 12, weightKg: 18.5 },
              });
            ws.send(
              JSON.stringify({
                v: LINK_PROTOCOL_VERSION,
                type: 'stream-batch',
                id: ++id,
                stream: 'bench',
                epoch,
                base: 0,
                from,
                to,
                dataSync: 'default/bench',
                records,
              }),
            );
          };
          ws.on('message', (data) => {
            const m = JSON.parse(String(data)) as { type: string; through?: number; code?: string };
            if (m.type === 'stream-nack') return reject(new Error(`nack ${m.code}`));
            if (m.type !== 'stream-ack') return;
            acked = m.through ?? acked;
            if (acked >= perNode) return resolve();
            send();
          });
          for (let i = 0; i < job.window; i++) send();
        }),
    ),
  );
  process.send?.({ done: true });
  for (const { ws } of links) ws.close();
}

interface Measured {
  seconds: number;
  committed: number;
  perSecond: number;
}

async function measure(config: Config, run: number): Promise<Measured> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'edgewise-bench-ingest-'));
  const hub = await startHub(path.join(dir, 'hub'), await freePort());
  try {
    await routeStream(hub.hub, 'bench');
    const tokens = await Promise.all(Array.from({ length: config.nodes }, () => joinToken(hub.hub)));
    const child = fork(fileURLToPath(import.meta.url), ['--generator'], { stdio: 'inherit' });
    const job: Job = { ...config, hubUrl: hub.url, tokens, run };
    child.send(job);
    await new Promise((r) => child.once('message', r));
    const started = performance.now();
    child.send({ go: true });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => (code ? reject(new Error(`generator exited ${code}`)) : resolve()));
    });
    const seconds = (performance.now() - started) / 1000;
    child.kill();
    let committed = 0;
    for (let i = 0; i < config.nodes; i++)
      committed += (await hub.ingest.ledger?.totals(`bench-${run}-${i}`, 'bench'))?.delivered ?? 0;
    return { seconds, committed, perSecond: committed / seconds };
  } finally {
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const records = quick ? 40_000 : 200_000;
  const configs: Config[] = [
    { nodes: 1, batch: 500, window: 4, records },
    { nodes: 8, batch: 500, window: 4, records },
    { nodes: 32, batch: 100, window: 4, records },
  ];
  const results: (Config & Measured)[] = [];
  for (const [run, config] of configs.entries()) results.push({ ...config, ...(await measure(config, run)) });
  printTable(
    ['nodes', 'batch', 'window', 'records', 'seconds', 'records/s'],
    results.map((r) =>
      [r.nodes, r.batch, r.window, r.committed, r.seconds.toFixed(2), r.perSecond.toFixed(0)].map(String),
    ),
  );
  writeResult('sync-ingest', { parameters: { quick, goal: '>= 20000 records/s' }, results });
}

if (process.argv.includes('--generator')) {
  process.once('message', (job) => {
    generate(job as Job).catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
  });
} else {
  await main();
}
