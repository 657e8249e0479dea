/**
 * Connected end-to-end lag: from an app's POST to the agent's local API until the
 * record is committed at the hub (durable at the edge, batched up the link, durable
 * in the hub's store), at steady write rates.
 *
 *   node dist/bench/sync-lag.js [--quick]
 *
 * The hub runs in this process, the agent is an `edgewise agent` process, and the
 * app writes single records at a fixed rate over keep-alive HTTP. Lag per record is
 * the hub's commit time minus the app's send time (same machine, same clock). Prints
 * a table and writes bench/results/sync-lag.json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, stop } from '../test/support/fleet.js';
import { joinToken } from '../test/support/hub.js';
import { startEdge } from '../test/sync/support/processes.js';
import { percentile, printTable, writeResult } from './common.js';
import { routeStream, startHub } from './sync-common.js';

const quick = process.argv.includes('--quick');
const SECONDS = quick ? 3 : 10;
const RATES = [100, 1000, 3000];

function poster(url: string): (body: unknown) => Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  return (body) =>
    new Promise((resolve, reject) => {
      const payload = JSON.stringify(body);
      const req = http.request(
        `${url}/v1/streams/lag/records`,
        {
          method: 'POST',
          agent,
          headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'edgewise-bench-lag-'));
  const hub = await startHub(path.join(dir, 'hub'), await freePort());
  const agent = await startEdge(path.join(dir, 'edge'), {
    hubUrl: hub.url,
    token: await joinToken(hub.hub),
    name: 'lag-node',
  });
  const results = [];
  try {
    await routeStream(hub.hub, 'lag');
    const post = poster(agent.url);
    // Wait until the DataSync reached the node and a record went through.
    for (;;) {
      await post({ warm: true, sentAt: Date.now() });
      await sleep(200);
      if (((await hub.ingest.ledger?.totals('lag-node', 'lag'))?.delivered ?? 0) > 0) break;
    }
    let sent = (await hub.ingest.ledger?.totals('lag-node', 'lag'))?.delivered ?? 0;
    let after =
      (await hub.ingest.ledger?.records({ node: 'lag-node', after: 0, limit: 100_000 }))?.at(-1)?.id ?? 0;
    for (const rate of RATES) {
      const total = rate * SECONDS;
      const perTick = rate / 100;
      let issued = 0;
      let failed = 0;
      const pending: Promise<void>[] = [];
      const started = performance.now();
      for (let tick = 0; issued < total; tick++) {
        const due = Math.min(total, Math.round((tick + 1) * perTick));
        for (; issued < due; issued++)
          pending.push(
            post({ n: issued, rate, sentAt: Date.now(), payload: 'shipment scanned at dock 4' }).then((s) => {
              if (s !== 200) failed++;
            }),
          );
        const wait = started + (tick + 1) * 10 - performance.now();
        if (wait > 0) await sleep(wait);
      }
      await Promise.all(pending);
      sent += total - failed;
      for (;;) {
        if (((await hub.ingest.ledger?.totals('lag-node', 'lag'))?.delivered ?? 0) >= sent) break;
        await sleep(50);
      }
      const lags: number[] = [];
      for (;;) {
        const page = (await hub.ingest.ledger?.records({ node: 'lag-node', after, limit: 5000 })) ?? [];
        for (const r of page) lags.push(r.received - (JSON.parse(r.data) as { sentAt: number }).sentAt);
        after = page.at(-1)?.id ?? after;
        if (page.length < 5000) break;
      }
      lags.sort((a, b) => a - b);
      results.push({
        rate,
        records: lags.length,
        failed,
        p50Ms: percentile(lags, 50),
        p99Ms: percentile(lags, 99),
        maxMs: lags.at(-1) ?? 0,
      });
    }
  } finally {
    await stop(agent.child);
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  }
  printTable(
    ['records/s', 'records', 'p50 ms', 'p99 ms', 'max ms'],
    results.map((r) => [r.rate, r.records, r.p50Ms, r.p99Ms, r.maxMs].map(String)),
  );
  writeResult('sync-lag', { parameters: { quick, seconds: SECONDS, goal: 'p99 < 1000 ms' }, results });
}

await main();
