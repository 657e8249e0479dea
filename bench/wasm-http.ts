/**
 * Throughput and latency under load: a Wasm hello handler (fresh instance per
 * request, WAGI, worker pool — the agent's default) against a bare node:http hello
 * server. Each server runs in its own child process; autocannon drives it from
 * this one: first flat out (max throughput), then at 80 % of that rate (latency).
 *   node dist/bench/wasm-http.js [--duration=10] [--connections=50]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { HttpHandler } from '../src/runtime/driver.js';
import { WasmDriver } from '../src/runtime/wasm/driver.js';
import { arg, exampleModule, HELLO, printTable, ROOT, writeResult } from './wasm-common.js';

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
    const driver = new WasmDriver({ isolation: mode === 'wasm-pool' ? 'worker' : 'inline' });
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

function startChild(mode: Mode): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), `--serve=${mode}`], {
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

interface Load {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
  non2xx: number;
}

async function load(url: string, duration: number, connections: number, rate?: number): Promise<Load> {
  const r = await autocannon({ url, duration, connections, ...(rate ? { overallRate: rate } : {}) });
  return {
    rps: Math.round(r.requests.average),
    p50_ms: r.latency.p50,
    p99_ms: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
  };
}

async function main(): Promise<void> {
  const duration = arg('duration', 10);
  const connections = arg('connections', 50);
  const rows: Array<Record<string, string | number>> = [];
  for (const mode of MODES) {
    const { child, url } = await startChild(mode);
    try {
      await load(url, 2, connections); // warm-up
      const max = await load(url, duration, connections);
      const at80 = await load(url, duration, connections, Math.round(max.rps * 0.8));
      rows.push({
        server: mode,
        max_rps: max.rps,
        p50_at_max_ms: max.p50_ms,
        p99_at_max_ms: max.p99_ms,
        rate_80pct: Math.round(max.rps * 0.8),
        p50_at_80_ms: at80.p50_ms,
        p99_at_80_ms: at80.p99_ms,
        errors: max.errors + at80.errors,
        non2xx: max.non2xx + at80.non2xx,
      });
    } finally {
      child.kill('SIGTERM');
    }
  }
  const bare = Number(rows[0]?.max_rps);
  for (const r of rows) r.vs_bare = `${Math.round((Number(r.max_rps) / bare) * 100)} %`;
  printTable(
    `HTTP hello under load, autocannon ${connections} connections, ${duration} s per run (loopback)`,
    rows,
  );
  const pool = rows[1] as { max_rps: number; p99_at_80_ms: number };
  const met = pool.max_rps >= 0.5 * bare && pool.p99_at_80_ms < 10;
  console.log(`\ngoal (wasm-pool ≥ 50 % of bare, p99 < 10 ms at 80 % load): ${met ? 'met' : 'not met'}`);
  writeResult('wasm-http', { duration_s: duration, connections, rows, goal: { met } });
}

const serveArg = process.argv.find((a) => a.startsWith('--serve='));
if (serveArg) await serveMode(serveArg.slice('--serve='.length) as Mode);
else await main();
