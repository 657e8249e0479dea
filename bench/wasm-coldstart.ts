/**
 * Cold start: a fresh Wasm instance per request, from dispatch to the first
 * response byte, over ≥ 10,000 sequential requests of the hello module:
 *  - inline: instantiate + _start + CGI parse on this thread (the engine's floor);
 *  - pool: the same through the worker_threads pool (the default isolation);
 *  - http: a keep-alive node:http client on loopback, time to the response head,
 *    through the WAGI handler and the pool (what a client at the edge sees).
 *   node dist/bench/wasm-coldstart.js [--n=10000]
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { InlineRunner } from '../src/runtime/wasm/exec/inline.js';
import { cstrings, type GuestJob, type GuestRunner } from '../src/runtime/wasm/exec/job.js';
import { WorkerPool } from '../src/runtime/wasm/exec/pool.js';
import { ModuleCache, sha256Digest } from '../src/runtime/wasm/module/cache.js';
import { createWagiHandler } from '../src/runtime/wasm/wagi/handler.js';
import { RoutePattern, routeTable } from '../src/runtime/wasm/wagi/routes.js';
import { arg, writeResult } from './common.js';
import { HELLO, printMarkdownTable, readModule, summarize } from './wasm-common.js';

const N = Math.max(10_000, arg('n', 10_000));
const bytes = readModule(HELLO);
// Compiled the way the driver compiles it (memory capped and provided by the host).
const compiled = await new ModuleCache().acquire(bytes, sha256Digest(bytes), 64 << 20, 'hello');
const module = compiled.module;
const job: GuestJob = {
  entrypoint: '_start',
  argv: cstrings(['/']),
  environ: cstrings(['REQUEST_METHOD=GET', 'PATH_INFO=/', 'SERVER_NAME=localhost', 'SERVER_PORT=8080']),
  stdin: new Uint8Array(0),
  preopens: [],
  stdoutLimit: 16 << 20,
  stderrLimit: 64 << 10,
  memory: compiled.memory,
};

async function direct(runner: GuestRunner): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < N + 500; i++) {
    const t = process.hrtime.bigint();
    // cgi: the runner parses the response head where the guest ran, as the driver asks.
    const r = await runner.run('hello', module, { ...job, cgi: true }, { timeoutMs: 10_000 });
    const dt = Number(process.hrtime.bigint() - t) / 1e6;
    if (!r.head || r.head.error !== undefined) throw new Error(`bad response: ${r.head?.error ?? r.outcome}`);
    if (i >= 500) samples.push(dt); // the first 500 warm up the JIT and workers
  }
  return samples;
}

async function overHttp(runner: GuestRunner): Promise<number[]> {
  const handler = createWagiHandler({
    invoke: (inv, done) =>
      runner.submit(
        'hello',
        module,
        { ...job, argv: inv.argv, environ: inv.environ, stdin: inv.stdin, cgi: true },
        { timeoutMs: 10_000 },
        done,
      ),
    routes: routeTable(RoutePattern.parse('/...'), undefined),
    server: { defaultHost: 'localhost:8080', tls: false, moduleEnv: {} },
    maxRequestBytes: 1 << 20,
  });
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const samples: number[] = [];
  for (let i = 0; i < N + 500; i++) {
    const t = process.hrtime.bigint();
    const first = await new Promise<number>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
        const dt = Number(process.hrtime.bigint() - t) / 1e6;
        if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
        res.resume();
        res.on('end', () => resolve(dt));
      });
      req.on('error', reject);
    });
    if (i >= 500) samples.push(first);
  }
  agent.destroy();
  await new Promise<void>((r) => server.close(() => r()));
  return samples;
}

const pool = new WorkerPool({ size: 2 });
await pool.ready();
const rows = [
  {
    path: 'inline: instantiate + _start + parse (this thread)',
    ...summarize(await direct(new InlineRunner())),
  },
  { path: 'pool: same via worker_threads (2 workers)', ...summarize(await direct(pool)) },
  { path: 'http: loopback client → WAGI handler → pool, first byte', ...summarize(await overHttp(pool)) },
];
await pool.close();
printMarkdownTable(
  `Wasm cold start, hello.wasm (${readModule(HELLO).length} bytes), fresh instance per request, ${N} requests each`,
  rows,
);
const goal = rows.every((r) => r.p99_ms < 1);
console.log(`\ngoal p99 < 1 ms: ${goal ? 'met' : 'not met'} on every path`);
writeResult('wasm-coldstart', { n: N, module: HELLO, rows, goal: { p99_ms_below: 1, met: goal } });
