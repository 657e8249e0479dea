/**
 * Edge decision figures: latency (p50/p99) of `POST /v1/data/<path>` on an agent's
 * local API — the way a workload asks — and decisions/s in-process (with the decision
 * log, and the bare engine for reference). `edgewise hub` and `edgewise agent` run as
 * child processes (the CLI, so this also exercises its wiring); the agent gets the
 * examples' policy ConfigMaps over the link and is measured linked (its decision log
 * shipping to the hub) and after the hub is killed. The in-process figures come from
 * a second agent started in this process.
 *
 *   npx tsc -p . && node dist/bench/edge-decisions.js [--requests=20000] [--iterations=200000] [--concurrency=16]
 *
 * Prints a table and writes bench/results/edge-decisions.json.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import YAML from 'yaml';
import { Agent } from '../src/agent/agent.js';
import { EdgePolicyFeature } from '../src/agent/edge-policy/index.js';
import type { KubeObject } from '../src/api/object.js';
import {
  createToken,
  freePort,
  killAll,
  startAgentProcess,
  startHubProcess,
  stop,
  waitFor,
} from '../test/support/fleet.js';
import { arg, percentile, post, ROOT, writeResult } from './common.js';
import { EDUCATION_JOIN, TELEMEDICINE_CALL } from './policy-inputs.js';

interface Row {
  name: string;
  decision: unknown;
  requests: number;
  concurrency: number;
  p50_us: number;
  p99_us: number;
  per_s: number;
}

function row(
  name: string,
  decision: unknown,
  samples: Float64Array,
  seconds: number,
  concurrency: number,
): Row {
  const sorted = samples.slice().sort();
  return {
    name,
    decision,
    requests: samples.length,
    concurrency,
    p50_us: Number(percentile(sorted, 50).toFixed(2)),
    p99_us: Number(percentile(sorted, 99).toFixed(2)),
    per_s: Math.round(samples.length / seconds),
  };
}

/** Keep-alive connections, fresh for each measurement (a server closes idle ones after 5 s). */
let keepAlive = new http.Agent({ keepAlive: true, maxSockets: 64 });

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve(text));
      })
      .on('error', reject);
  });
}

/** `requests` POSTs from `concurrency` clients, each timed from send to full response. */
async function measureHttp(
  name: string,
  url: string,
  body: string,
  requests: number,
  concurrency: number,
): Promise<Row> {
  keepAlive.destroy();
  keepAlive = new http.Agent({ keepAlive: true, maxSockets: 64 });
  for (let i = 0; i < Math.min(2000, requests); i++) await post(url, body, keepAlive);
  const samples = new Float64Array(requests);
  let next = 0;
  let decision: unknown;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= requests) return;
        const t0 = process.hrtime.bigint();
        const text = await post(url, body, keepAlive);
        samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
        if (i === 0) decision = (JSON.parse(text) as { result?: unknown }).result;
      }
    }),
  );
  return row(name, decision, samples, Number(process.hrtime.bigint() - start) / 1e9, concurrency);
}

function measureInProcess(name: string, run: () => unknown, iterations: number): Row {
  const decision = run();
  for (let i = 0; i < Math.min(20_000, iterations); i++) run();
  const samples = new Float64Array(iterations);
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    run();
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  return row(name, decision, samples, Number(process.hrtime.bigint() - start) / 1e9, 1);
}

async function main(): Promise<void> {
  const requests = arg('requests', 20_000);
  const iterations = arg('iterations', 200_000);
  const concurrency = arg('concurrency', 16);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-bench-decisions-'));
  try {
    const hub = await startHubProcess(path.join(root, 'hub'), await freePort(), []);
    // The node under test: `edgewise agent` as its own process, the way workloads reach it.
    const node = await startAgentProcess(path.join(root, 'node'), {
      hubUrl: hub.url,
      token: await createToken(hub.client),
      name: 'bench-node',
      labels: 'node-type=edge',
    });
    // pino writes asynchronously: the line may follow the "running" the start waited for.
    const localApi = await waitFor(
      'the local API address in the agent log',
      () => /"localApi":"(http:[^"]+)"/.exec(node.output())?.[1],
      10_000,
    );
    const manifests = path.join(ROOT, 'examples', 'policy', 'manifests');
    for (const file of fs.readdirSync(manifests)) {
      for (const doc of YAML.parseAllDocuments(fs.readFileSync(path.join(manifests, file), 'utf8'))) {
        const cm = doc.toJS() as KubeObject;
        await hub.client.request('POST', `/api/v1/namespaces/${cm.metadata.namespace}/configmaps`, {
          contentType: 'application/json',
          body: JSON.stringify(cm),
        });
      }
    }
    // A second agent in this process, for the in-process figures.
    const policy = new EdgePolicyFeature({ maxDecisions: 10_000_000 });
    const inProcess = await Agent.start({
      hubUrl: hub.url,
      token: await createToken(hub.client),
      name: 'bench-inprocess',
      dataDir: path.join(root, 'inprocess'),
      address: '127.0.0.1',
      labels: { 'node-type': 'edge' },
      logger: pino({ level: 'silent' }),
      drivers: [],
      features: [policy],
    });
    const edu = JSON.stringify({ input: EDUCATION_JOIN });
    const call = JSON.stringify({ input: TELEMEDICINE_CALL });
    const eduUrl = `${localApi}/v1/data/education/allow`;
    const callUrl = `${localApi}/v1/data/healthcare/telemedicine/allow`;
    await waitFor('the example policies on both nodes', async () =>
      policy.decide(['education', 'allow'], EDUCATION_JOIN).result === true &&
      (await post(callUrl, call, keepAlive).catch(() => '')).includes('"result":true')
        ? true
        : undefined,
    );
    const rows: Row[] = [];
    rows.push(await measureHttp('HTTP education/allow, linked', eduUrl, edu, requests, 1));
    rows.push(await measureHttp('HTTP telemedicine/allow, linked', callUrl, call, requests, 1));
    rows.push(await measureHttp('HTTP education/allow, linked', eduUrl, edu, requests, concurrency));
    // The hub goes away (killed, as a lost uplink looks to the node): the site keeps deciding.
    await stop(hub.child, 'SIGKILL');
    rows.push(await measureHttp('HTTP education/allow, hub down', eduUrl, edu, requests, 1));
    rows.push(await measureHttp('HTTP education/allow, hub down', eduUrl, edu, requests, concurrency));
    rows.push(
      measureInProcess(
        'in-process decide() with decision log',
        () => policy.decide(['education', 'allow'], EDUCATION_JOIN).result,
        iterations,
      ),
    );
    const bundle = policy.bundle;
    rows.push(
      measureInProcess(
        'in-process engine only (no log)',
        () => bundle.policy.evalPath(['education', 'allow'], { input: EDUCATION_JOIN, data: bundle.data }),
        iterations,
      ),
    );
    const nodeStatus = JSON.parse(await get(`${localApi}/edgewise/v1/policy`)) as {
      decisions: { pending: number; dropped: number };
    };
    await inProcess.close();
    await stop(node.child);
    report(rows, { requests, iterations, concurrency, nodeDecisionLog: nodeStatus.decisions });
  } finally {
    killAll(root);
    fs.rmSync(root, { recursive: true, force: true });
  }
}

function report(rows: Row[], run: Record<string, unknown>): void {
  console.log('| decision | result | concurrency | p50 µs | p99 µs | decisions/s |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: |');
  for (const r of rows)
    console.log(
      `| ${r.name} | ${JSON.stringify(r.decision)} | ${r.concurrency} | ${r.p50_us} | ${r.p99_us} | ${r.per_s.toLocaleString('en-US')} |`,
    );
  console.log(`the node's decision log after the run: ${JSON.stringify(run.nodeDecisionLog)}`);
  writeResult('edge-decisions', { ...run, rows });
}

await main();
