/**
 * The Wasm host functions against the agent's local HTTP API, on one agent in this
 * process (an in-process hub with edge policy and data ingest, the agent linked to
 * it, its Wasm driver on the default worker pool of 2):
 *
 *  - decisions (`education/allow`, the education example's policy and the input of
 *    bench/edge-decisions.ts): the time a guest spends in policy_decide + policy_result
 *    (its own monotonic clock around the calls); the whole guest run through the
 *    pool with a fresh instance per request, with and without that decision; and
 *    `POST /v1/data/education/allow` over keep-alive HTTP, as a process workload asks;
 *  - stream writes: the time a guest spends in stream_write until the record is
 *    durable (worker → main thread → group commit → fsync → back), one guest at a
 *    time and 8 at once; the same call to a service that answers at once (the cost of
 *    the cross-thread call alone); and `POST /v1/streams/<name>/records` over HTTP.
 *
 *   npx tsc -p . && node dist/bench/wasm-host-calls.js [--decisions=10000] [--writes=2000]
 *
 * Prints a table and writes bench/results/wasm-host-calls.json.
 */
import http from 'node:http';
import path from 'node:path';
import { Agent } from '../src/agent/agent.js';
import { EdgePolicyFeature } from '../src/agent/edge-policy/index.js';
import { streamsFeature } from '../src/agent/streams/feature.js';
import { AgentWasmHost } from '../src/agent/wasm-host.js';
import { EdgePolicyHubFeature } from '../src/hub/edge-policy/index.js';
import { WasmDriver } from '../src/runtime/wasm/driver.js';
import { cstrings, type GuestJob } from '../src/runtime/wasm/exec/job.js';
import { sha256Digest } from '../src/runtime/wasm/module/cache.js';
import { applyConfigMap, exampleConfigMaps } from '../test/support/edge-policy-fleet.js';
import { joinToken } from '../test/support/hub.js';
import { tempDir, wat } from '../test/support/wasm.js';
import { BUF_AT, hostGuest, LEN_AT, SEQ_AT } from '../test/support/wasm-host-guests.js';
import { quiet, startSyncHub, waitFor } from '../test/sync/support/fleet.js';
import { arg, loadAverage, post, writeResult } from './common.js';
import { EDUCATION_JOIN } from './policy-inputs.js';
import { printMarkdownTable, summarize } from './wasm-common.js';

const DECISIONS = arg('decisions', 10_000);
const WRITES = arg('writes', 2000);
const WARMUP = 500;

const EDU_INPUT = JSON.stringify(EDUCATION_JOIN);
const RECORD = JSON.stringify({ po: 'PO-1234', event: 'shipped', location: 'Shenzhen', site: 'store-001' });

const CLOCK =
  '(import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))';
const tick = (at: number) => `(drop (call $clock (i32.const 1) (i64.const 0) (i32.const ${at})))`;
/** Prints the errno and the nanoseconds between the two ticks, then the response when there is one. */
const report = (then: string) =>
  `(call $e (local.get $r)) (call $num (i64.sub (i64.load (i32.const 308)) (i64.load (i32.const 300)))) ${then}`;

const DECIDE_TIMED = hostGuest({
  policy: true,
  imports: CLOCK,
  strings: ['education/allow', EDU_INPUT],
  body: `${tick(300)}
    (local.set $r (call $decide (global.get $s0) (global.get $s0len) (global.get $s1) (global.get $s1len) (i32.const ${LEN_AT})))
    (if (i32.eqz (local.get $r)) (then (local.set $r (call $result (i32.const ${BUF_AT}) (i32.load (i32.const ${LEN_AT}))))))
    ${tick(308)}
    ${report(`(call $out (i32.const ${BUF_AT}) (i32.load (i32.const ${LEN_AT})))`)}`,
});
/** The same guest and input, deciding nothing: the baseline of a fresh instance. */
const NO_DECISION = hostGuest({
  imports: CLOCK,
  strings: ['education/allow', EDU_INPUT],
  body: `${tick(300)} ${tick(308)} ${report('')}`,
});
const WRITE_TIMED = hostGuest({
  streams: true,
  imports: CLOCK,
  strings: ['bench', RECORD],
  body: `${tick(300)}
    (local.set $r (call $write (global.get $s0) (global.get $s0len) (global.get $s1) (global.get $s1len) (i32.const ${SEQ_AT})))
    ${tick(308)}
    ${report('')}`,
});

const ns = (stdout: Uint8Array) => {
  const [errno, elapsed] = Buffer.from(stdout).toString().split(' ');
  if (errno !== '0')
    throw new Error(`host call failed with errno ${errno}: ${Buffer.from(stdout).toString()}`);
  return Number(elapsed);
};

let keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });

async function timedHttp(url: string, body: string, n: number, warmup: number): Promise<number[]> {
  keepAlive.destroy();
  keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const samples: number[] = [];
  for (let i = 0; i < n + warmup; i++) {
    const t = process.hrtime.bigint();
    await post(url, body, keepAlive);
    if (i >= warmup) samples.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return samples;
}

/** Runs `measure` while `clients` keep-alive clients keep the agent's main thread busy with HTTP decisions. */
async function busy<T>(url: string, body: string, clients: number, measure: () => Promise<T>): Promise<T> {
  let stop = false;
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const load = Array.from({ length: clients }, async () => {
    while (!stop) await post(url, body, agent);
  });
  try {
    return await measure();
  } finally {
    stop = true;
    await Promise.all(load);
    agent.destroy();
  }
}

const root = tempDir('edgewise-bench-host-');
const hub = await startSyncHub(path.join(root.dir, 'hub'), { features: [new EdgePolicyHubFeature()] });
const wasmHost = new AgentWasmHost();
const driver = new WasmDriver({ workers: 2, hostServices: wasmHost });
const policy = new EdgePolicyFeature({ maxDecisions: 10_000_000 });
const agent = await Agent.start({
  hubUrl: hub.url,
  token: await joinToken(hub.hub),
  name: 'bench-node',
  dataDir: path.join(root.dir, 'node'),
  address: '127.0.0.1',
  logger: quiet,
  labels: { 'node-type': 'edge' },
  drivers: [driver],
  wasmHost,
  features: [policy, streamsFeature()],
});
try {
  for (const cm of exampleConfigMaps('education-policy.yaml')) await applyConfigMap(hub.hub, cm);
  await waitFor('the education policy on the node', () =>
    policy.bundle.sources.some((s) => s.name === 'education-policy') ? true : undefined,
  );
  // The cross-thread call alone: a stream service that answers at once, touching no disk.
  const noDisk = new WasmDriver({
    workers: 2,
    hostServices: { streams: { write: async () => ({ seq: 1 }) } },
  });
  const run = async (source: string, n: number, concurrency = 1, on = driver) => {
    const bytes = await wat(source);
    const compiled = await on.modules.acquire(bytes, sha256Digest(bytes), 64 << 20, 'bench');
    const runner = on.runner;
    const job: GuestJob = {
      entrypoint: '_start',
      argv: cstrings(['/']),
      environ: '',
      stdin: new Uint8Array(0),
      preopens: [],
      stdoutLimit: 1 << 20,
      stderrLimit: 64 << 10,
      memory: compiled.memory,
      cgi: true,
      hostImports: compiled.hostImports,
    };
    const inGuest: number[] = [];
    const whole: number[] = [];
    let next = 0;
    let first = '';
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (;;) {
          const i = next++;
          if (i >= n + WARMUP) return;
          const t = process.hrtime.bigint();
          const r = await runner.run(compiled.key, compiled.module, job, { timeoutMs: 10_000 });
          const dt = Number(process.hrtime.bigint() - t) / 1e6;
          if (r.outcome !== 'ok') throw new Error(`${r.outcome}: ${r.message}`);
          if (i === 0) first = Buffer.from(r.stdout).toString();
          if (i >= WARMUP) {
            inGuest.push(ns(r.stdout) / 1e6);
            whole.push(dt);
          }
        }
      }),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { inGuest, whole, first, perSecond: Math.round((n + WARMUP) / seconds) };
  };

  const load = [loadAverage()];
  const decided = await run(DECIDE_TIMED, DECISIONS);
  if (!/"result":true/.test(decided.first)) throw new Error(`unexpected decision: ${decided.first}`);
  const bare = await run(NO_DECISION, DECISIONS);
  const decisionUrl = `${agent.localApi.url}/v1/data/education/allow`;
  const httpDecisions = await timedHttp(decisionUrl, `{"input":${EDU_INPUT}}`, DECISIONS, WARMUP);
  // With the main thread busy serving HTTP: a decision in the worker does not wait for it; a call to it does.
  const busyBody = `{"input":${EDU_INPUT}}`;
  const decidedBusy = await busy(decisionUrl, busyBody, 4, () => run(DECIDE_TIMED, DECISIONS));
  const callBusy = await busy(decisionUrl, busyBody, 4, () => run(WRITE_TIMED, DECISIONS, 1, noDisk));
  load.push(loadAverage());
  const written = await run(WRITE_TIMED, WRITES);
  const written8 = await run(WRITE_TIMED, WRITES, 8);
  const roundTrip = await run(WRITE_TIMED, DECISIONS, 1, noDisk);
  const httpWrites = await timedHttp(
    `${agent.localApi.url}/v1/streams/bench-http/records`,
    RECORD,
    WRITES,
    100,
  );
  load.push(loadAverage());

  const row = (what: string, samples: number[], extra: Record<string, string | number> = {}) => {
    const s = summarize(samples);
    return { what, n: s.n, p50_ms: s.p50_ms, p99_ms: s.p99_ms, p999_ms: s.p999_ms, ...extra };
  };
  await noDisk.close();
  const decisionRows = [
    row('policy_decide + policy_result, in the guest', decided.inGuest),
    row('the same, main thread serving 4 HTTP clients', decidedBusy.inGuest),
    row(
      'for comparison: a call to the main thread (answered at once), main thread serving 4 HTTP clients',
      callBusy.inGuest,
    ),
    row('fresh instance + one decision, through the pool', decided.whole, { per_s: decided.perSecond }),
    row('fresh instance, no decision, through the pool', bare.whole, { per_s: bare.perSecond }),
    row('local HTTP API: POST /v1/data/education/allow (keep-alive)', httpDecisions),
  ];
  const writeRows = [
    row('stream_write until durable, in the guest, 1 at a time', written.inGuest, {
      per_s: written.perSecond,
    }),
    row('stream_write until durable, in the guest, 8 guests at once', written8.inGuest, {
      per_s: written8.perSecond,
    }),
    row('local HTTP API: POST /v1/streams/<name>/records (keep-alive)', httpWrites),
    row('stream_write to a service answering at once (the call alone)', roundTrip.inGuest),
  ];
  printMarkdownTable(
    `Decisions, education/allow (${DECISIONS} each, fresh instance per request)`,
    decisionRows,
  );
  printMarkdownTable(`Stream writes, one ${RECORD.length}-byte record each (${WRITES} each)`, writeRows);
  console.log(`\nload average during the runs: ${load.join(', ')}`);
  writeResult('wasm-host-calls', {
    decisions: DECISIONS,
    writes: WRITES,
    workers: 2,
    load_average: load,
    decision_rows: decisionRows,
    write_rows: writeRows,
  });
} finally {
  await agent.close();
  await hub.close();
  root.remove();
}
