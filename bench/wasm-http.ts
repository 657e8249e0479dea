/**
 * Throughput and latency under load: a Wasm hello handler (fresh instance per
 * request, WAGI, worker pool — the agent's default) against a bare node:http hello
 * server. Each server runs alone in its own child process; the load generator (wrk
 * when installed, else autocannon) drives it with the same connections and duration:
 * first flat out (max throughput), then paced at 80 % of that rate (latency).
 *
 * On a shared machine the figures move with other jobs, so `--runs=N` repeats the
 * whole set N times, modes interleaved (order reversed every other round), and
 * reports the median and the best run, and each mode's median ratio to the bare
 * run of the same round (`vs_bare_paired`).
 * `--baseline=<dir>` also serves the Wasm modes from another built checkout (e.g. the
 * previous commit, after `npm run build` there), interleaved with these, for a
 * before/after comparison under the same load.
 *
 *   node dist/bench/wasm-http.js [--duration=10] [--connections=50] [--threads=1]
 *        [--runs=3] [--loadgen=wrk|autocannon] [--modes=bare,wasm-pool,wasm-inline]
 *        [--workers=N] [--baseline=<dir>]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HttpHandler } from '../src/runtime/driver.js';
import { WasmDriver } from '../src/runtime/wasm/driver.js';
import { arg, loadAverage, median, ROOT, textArg, writeResult } from './common.js';
import { exampleModule, HELLO, printMarkdownTable } from './wasm-common.js';
import { type LoadResult, loadGenerator } from './wasm-load.js';

const MODES = ['bare', 'wasm-pool', 'wasm-inline'] as const;
type Mode = (typeof MODES)[number];

/** Child side: serve one mode on a loopback port and print it. */
async function serveMode(mode: Mode): Promise<void> {
  let handler: HttpHandler;
  if (mode === 'bare') {
    const body = Buffer.from('Hello from the edge!\n');
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
      res.end(body);
    };
  } else {
    const workers = arg('workers', 0);
    const driver = new WasmDriver({
      isolation: mode === 'wasm-pool' ? 'worker' : 'inline',
      ...(workers > 0 ? { workers } : {}),
    });
    const started = await driver.start({
      id: 'bench/hello',
      pod: { namespace: 'bench', name: 'hello', uid: 'bench' },
      container: 'hello',
      handler: 'wasmedge',
      image: 'hello:bench',
      artifactPath: exampleModule(HELLO),
      command: [],
      args: [],
      env: {},
      workDir: ROOT,
      logDir: `${ROOT}/bench/results/.logs-${mode}`,
      ports: [{ containerPort: 8080, protocol: 'TCP', hostPort: 8080 }],
      mounts: [],
      limits: { memoryBytes: 64 << 20 },
    });
    handler = started.httpHandlers?.get(8080) as HttpHandler;
  }
  // Exit cleanly on SIGTERM so --cpu-prof and similar flags can write their output.
  process.once('SIGTERM', () => process.exit(0));
  const server = http.createServer(handler);
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
  });
}

/** A server to measure: a mode, served by this build or by the baseline's. */
interface Target {
  label: string;
  mode: Mode;
  script: string;
}

function startChild(target: Target): Promise<{ child: ChildProcess; url: string }> {
  const { mode } = target;
  const passOn = process.argv.filter((a) => a.startsWith('--workers='));
  const child = spawn(process.execPath, [target.script, `--serve=${mode}`, ...passOn], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${mode} server exited with ${code}`)));
    child.stdout?.once('data', (chunk: Buffer) => {
      const { port } = JSON.parse(chunk.toString()) as { port: number };
      resolve({ child, url: `http://127.0.0.1:${port}/` });
    });
  });
}

interface Run {
  label: string;
  round: number;
  max: LoadResult;
  at80: LoadResult;
  target80: number;
  load_before: number;
  load_after: number;
}

async function main(): Promise<void> {
  const duration = arg('duration', 10);
  const connections = arg('connections', 50);
  const threads = arg('threads', 1);
  const runs = arg('runs', 3);
  const modes = (textArg('modes')?.split(',') ?? [...MODES]) as Mode[];
  const baseline = textArg('baseline');
  const self = fileURLToPath(import.meta.url);
  const targets: Target[] = modes.map((mode) => ({ label: mode, mode, script: self }));
  if (baseline) {
    const script = path.resolve(baseline, 'dist/bench/wasm-http.js');
    for (const mode of modes) {
      if (mode !== 'bare') targets.push({ label: `${mode} (baseline)`, mode, script });
    }
  }
  const gen = loadGenerator(textArg('loadgen'));
  const all: Run[] = [];
  console.log(`load generator: ${gen.name}; ${connections} connections, ${duration} s per run, ${runs} runs`);
  for (let round = 1; round <= runs; round++) {
    // Every other round runs the servers in reverse order, so neither side is always
    // the one that meets a slow spell of the machine first.
    const order = round % 2 === 1 ? targets : [...targets].reverse();
    for (const target of order) {
      const label = target.label;
      const { child, url } = await startChild(target);
      try {
        const load_before = loadAverage();
        const o = { url, duration, connections, threads };
        await gen.run({ ...o, duration: 2 }); // warm-up: JIT, pool, connections
        const max = await gen.run(o);
        const target80 = Math.round(max.rps * 0.8);
        const at80 = await gen.run({ ...o, rate: target80 });
        const run = { label, round, max, at80, target80, load_before, load_after: loadAverage() };
        all.push(run);
        console.log(
          `round ${round} ${label}: ${max.rps} req/s (p99 ${max.p99_ms} ms); at ${at80.rps} req/s p99 ${at80.p99_ms} ms; load ${load_before} → ${run.load_after}`,
        );
      } finally {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
    }
  }
  const rows: Array<Record<string, string | number>> = [];
  const bareRuns = all.filter((r) => r.label === 'bare');
  const bareMedian = median(bareRuns.map((r) => r.max.rps));
  const bareBest = Math.max(...bareRuns.map((r) => r.max.rps));
  // Paired: each run against the bare run of its own round, seconds apart, so a slow
  // spell of the machine that lasts tens of seconds weighs on both sides of a ratio.
  const pairedRatio = (mine: Run[]): number | undefined => {
    const ratios = mine.flatMap((r) => {
      const bare = bareRuns.find((b) => b.round === r.round);
      return bare ? [r.max.rps / bare.max.rps] : [];
    });
    return ratios.length ? median(ratios) : undefined;
  };
  for (const { label } of targets) {
    const mine = all.filter((r) => r.label === label);
    const paired = pairedRatio(mine);
    const best = mine.reduce((a, b) => (b.max.rps > a.max.rps ? b : a));
    const med = median(mine.map((r) => r.max.rps));
    rows.push({
      server: label,
      median_rps: Math.round(med),
      best_rps: best.max.rps,
      p50_at_max_ms: median(mine.map((r) => r.max.p50_ms)),
      p99_at_max_ms: median(mine.map((r) => r.max.p99_ms)),
      rps_at_80pct: Math.round(median(mine.map((r) => r.at80.rps))),
      p50_at_80_ms: median(mine.map((r) => r.at80.p50_ms)),
      p99_at_80_ms: median(mine.map((r) => r.at80.p99_ms)),
      best_p99_at_80_ms: Math.min(...mine.map((r) => r.at80.p99_ms)),
      errors: mine.reduce((n, r) => n + r.max.errors + r.at80.errors + r.max.non2xx + r.at80.non2xx, 0),
      vs_bare_median: bareRuns.length ? `${Math.round((med / bareMedian) * 100)} %` : '',
      vs_bare_best: bareRuns.length ? `${Math.round((best.max.rps / bareBest) * 100)} %` : '',
      vs_bare_paired: paired === undefined ? '' : `${Math.round(paired * 100)} %`,
    });
  }
  const loads = all.flatMap((r) => [r.load_before, r.load_after]);
  printMarkdownTable(
    `HTTP hello under load, ${gen.name}, ${connections} connections, ${threads} thread(s), ${duration} s per run, ${runs} runs (loopback); load average ${Math.min(...loads)}–${Math.max(...loads)}`,
    rows,
  );
  const pool = rows.find((r) => r.server === 'wasm-pool');
  let met: boolean | undefined;
  if (pool && bareRuns.length) {
    met = Number(pool.median_rps) >= 0.5 * bareMedian && Number(pool.p99_at_80_ms) < 10;
    console.log(
      `\ngoal (wasm-pool ≥ 50 % of bare, p99 < 10 ms at 80 % load, medians): ${met ? 'met' : 'not met'}`,
    );
  }
  writeResult('wasm-http', {
    load_generator: gen.name,
    duration_s: duration,
    connections,
    threads,
    baseline,
    runs: all,
    rows,
    goal: { met },
  });
}

const serveArg = process.argv.find((a) => a.startsWith('--serve='));
if (serveArg) await serveMode(serveArg.slice('--serve='.length) as Mode);
else await main();
