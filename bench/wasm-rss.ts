/**
 * Agent-style memory: one process with the Wasm driver (worker pool) and 50 Wasm
 * workloads deployed, each a distinct module (the hello module with a unique
 * custom section, so 50 digests and 50 compiled modules), each served once.
 *   node dist/bench/wasm-rss.js [--workloads=50]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { HttpHandler } from '../src/runtime/driver.js';
import { WasmDriver } from '../src/runtime/wasm/driver.js';
import { arg, writeResult } from './common.js';
import { HELLO, printMarkdownTable, readModule } from './wasm-common.js';

const COUNT = arg('workloads', 50);
const MiB = 1024 * 1024;
const rss = () => Math.round((process.memoryUsage().rss / MiB) * 10) / 10;

/** Appends a custom section named `edgewise-bench-<i>`: same code, different digest. */
function variant(bytes: Uint8Array, i: number): Uint8Array {
  const name = Buffer.from(`edgewise-bench-${i}`);
  return Buffer.concat([bytes, Buffer.from([0, name.length + 1, name.length]), name]);
}

async function serveOnce(handler: HttpHandler): Promise<void> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  const res = await fetch(`http://127.0.0.1:${port}/`);
  if (res.status !== 200) throw new Error(`status ${res.status}`);
  await res.text();
  await new Promise<void>((r) => server.close(() => r()));
}

const dir = mkdtempSync(path.join(tmpdir(), 'edgewise-rss-'));
const hello = readModule(HELLO);
globalThis.gc?.();
const baseline = rss();
const driver = new WasmDriver({});
const handlers: HttpHandler[] = [];
try {
  for (let i = 0; i < COUNT; i++) {
    const file = path.join(dir, `m${i}.wasm`);
    writeFileSync(file, variant(hello, i));
    const started = await driver.start({
      id: `uid-${i}/app`,
      pod: { namespace: 'bench', name: `app-${i}`, uid: `uid-${i}` },
      container: 'app',
      handler: 'wasmedge',
      image: `app-${i}:1`,
      artifactPath: file,
      command: [],
      args: [],
      env: { INDEX: String(i) },
      workDir: dir,
      logDir: path.join(dir, `logs-${i}`),
      ports: [{ containerPort: 8080, protocol: 'TCP', hostPort: 20000 + i }],
      mounts: [],
      limits: { memoryBytes: 64 * MiB, cpuMillis: 500 },
    });
    handlers.push(started.httpHandlers?.get(8080) as HttpHandler);
  }
  const deployed = rss();
  for (const h of handlers) await serveOnce(h);
  globalThis.gc?.();
  const served = rss();
  const rows = [
    { stage: 'driver loaded, nothing deployed', rss_mib: baseline },
    { stage: `${COUNT} workloads deployed (compiled, pool started)`, rss_mib: deployed },
    { stage: `after one request to each (modules in workers)`, rss_mib: served },
  ];
  printMarkdownTable(
    `Agent-style RSS: one process, Wasm driver, ${COUNT} distinct Wasm workloads (${hello.length}-byte module each)`,
    rows,
  );
  console.log(
    `\nper workload: ${Math.round(((served - baseline) / COUNT) * 100) / 100} MiB (compiled modules: ${driver.modules.size})`,
  );
  writeResult('wasm-rss', { workloads: COUNT, rows, per_workload_mib: (served - baseline) / COUNT });
} finally {
  await driver.close();
  rmSync(dir, { recursive: true, force: true });
}
