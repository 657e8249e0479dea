/**
 * Drain after an outage, and what the backlog costs on the agent's disk.
 *
 *   node dist/bench/sync-drain.js [--quick]
 *
 * An `edgewise agent` process takes one hour of a busy site's records (100/s, about
 * 130 bytes of JSON each: 360,000 records; --quick: 6 minutes) while its hub is gone.
 * The agent's database is measured before and after (checkpointed, by stopping the
 * agent) for bytes per record. Then the hub comes back and the agent restarts: the
 * table shows how long the backlog took to reach the hub and at what rate. Writes
 * bench/results/sync-drain.json.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, stop } from '../test/support/fleet.js';
import { joinToken } from '../test/support/hub.js';
import { write } from '../test/sync/support/fleet.js';
import { startEdge } from '../test/sync/support/processes.js';
import { printTable, writeResult } from './common.js';
import { routeStream, startHub } from './sync-common.js';

const quick = process.argv.includes('--quick');
const RATE = 100;
const SECONDS = quick ? 360 : 3600;
const TOTAL = RATE * SECONDS;
const PER_POST = 1000;

function record(n: number) {
  return {
    po: `PO-${100000 + n}`,
    status: n % 3 === 0 ? 'arrived' : 'scanned',
    site: 'store-042',
    dock: n % 12,
    weightKg: 18.5,
    scannedAt: new Date(1_767_000_000_000 + n * 10).toISOString(),
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'edgewise-bench-drain-'));
  const edgeDir = path.join(dir, 'edge');
  const db = path.join(edgeDir, 'agent.db');
  const port = await freePort();
  let hub = await startHub(path.join(dir, 'hub'), port);
  await routeStream(hub.hub, 'scans');
  let agent = await startEdge(edgeDir, {
    hubUrl: hub.url,
    token: await joinToken(hub.hub),
    name: 'store-042',
  });
  try {
    while (
      (await write(agent.url, 'scans', record(-1))).status !== 200 ||
      !(await hub.ingest.ledger?.totals('store-042', 'scans'))?.delivered
    )
      await sleep(200);
    await hub.close();
    await stop(agent.child);
    const before = statSync(db).size;
    agent = await startEdge(edgeDir);
    const writeStart = performance.now();
    let jsonBytes = 0;
    for (let n = 0; n < TOTAL; n += PER_POST * 4) {
      const posts = [];
      for (let k = 0; k < 4 && n + k * PER_POST < TOTAL; k++) {
        const batch = Array.from({ length: Math.min(PER_POST, TOTAL - n - k * PER_POST) }, (_, i) =>
          record(n + k * PER_POST + i),
        );
        jsonBytes += batch.reduce((sum, r) => sum + Buffer.byteLength(JSON.stringify(r)), 0);
        posts.push(write(agent.url, 'scans', batch));
      }
      for (const { status } of await Promise.all(posts))
        if (status !== 200) throw new Error(`write refused: ${status}`);
    }
    const writeSeconds = (performance.now() - writeStart) / 1000;
    await stop(agent.child);
    const after = statSync(db).size;

    hub = await startHub(path.join(dir, 'hub'), port);
    const started = performance.now();
    agent = await startEdge(edgeDir);
    let first = 0;
    for (;;) {
      const delivered = (await hub.ingest.ledger?.totals('store-042', 'scans'))?.delivered ?? 0;
      if (!first && delivered > 1) first = performance.now();
      if (delivered >= TOTAL + 1) break;
      await sleep(20);
    }
    const done = performance.now();
    const result = {
      records: TOTAL,
      backlogOf: `${SECONDS / 60} minutes at ${RATE} records/s`,
      writeSeconds,
      writeRate: TOTAL / writeSeconds,
      jsonBytesPerRecord: jsonBytes / TOTAL,
      diskBytesPerRecord: (after - before) / TOTAL,
      untilFirstCommitSeconds: (first - started) / 1000,
      drainSeconds: (done - started) / 1000,
      drainRate: TOTAL / ((done - first) / 1000),
    };
    printTable(
      ['records', 'JSON B/rec', 'disk B/rec', 'write rec/s', 'first commit s', 'drain s', 'drain rec/s'],
      [
        [
          String(result.records),
          result.jsonBytesPerRecord.toFixed(0),
          result.diskBytesPerRecord.toFixed(0),
          result.writeRate.toFixed(0),
          result.untilFirstCommitSeconds.toFixed(2),
          result.drainSeconds.toFixed(1),
          result.drainRate.toFixed(0),
        ],
      ],
    );
    writeResult('sync-drain', { parameters: { quick, rate: RATE, seconds: SECONDS }, results: [result] });
  } finally {
    await stop(agent.child);
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
