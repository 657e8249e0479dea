/**
 * Which WASI host per request? Runs the hello module N times, fresh instance each
 * time, with (a) Edgewise's in-memory host, (b) @bjorn3/browser_wasi_shim (pure JS,
 * in-memory files only) and (c) node:wasi, which needs real file descriptors, so
 * stdout goes to a temp file opened and read back per request.
 *   node dist/bench/wasm-wasi-hosts.js [--n=5000]
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WASI as NodeWasi } from 'node:wasi';
import { File, OpenFile, WASI as ShimWasi } from '@bjorn3/browser_wasi_shim';
import { cstrings } from '../src/runtime/wasm/exec/job.js';
import { runGuest } from '../src/runtime/wasm/exec/run.js';
import { WA } from '../src/runtime/wasm/wa.js';
import { arg, writeResult } from './common.js';
import { HELLO, printMarkdownTable, readModule, summarize } from './wasm-common.js';

const N = arg('n', 5000);
const module = new WA.Module(readModule(HELLO));
const env = ['REQUEST_METHOD=GET', 'PATH_INFO=/', 'QUERY_STRING=', 'SERVER_NAME=localhost'];

function time(fn: () => string): { samples: number[]; body: string } {
  let body = '';
  for (let i = 0; i < 200; i++) body = fn(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < N; i++) {
    const t = process.hrtime.bigint();
    body = fn();
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return { samples, body };
}

const ours = time(() => {
  const r = runGuest(module, {
    entrypoint: '_start',
    argv: cstrings(['/']),
    environ: cstrings(env),
    stdin: new Uint8Array(0),
    preopens: [],
    stdoutLimit: 1 << 20,
    stderrLimit: 1 << 16,
  });
  return Buffer.from(r.stdout).toString();
});

const shim = time(() => {
  const stdout = new File([]);
  const wasi = new ShimWasi(['/'], env, [
    new OpenFile(new File([])),
    new OpenFile(stdout),
    new OpenFile(new File([])),
  ]);
  const instance = new WA.Instance(module, {
    wasi_snapshot_preview1: wasi.wasiImport as unknown as Record<string, unknown>,
  });
  wasi.start(instance as never);
  return Buffer.from(stdout.data).toString();
});

const dir = mkdtempSync(path.join(tmpdir(), 'wasi-bench-'));
let seq = 0;
const node = time(() => {
  const out = path.join(dir, `out-${seq++ % 64}`);
  const stdin = openSync('/dev/null', 'r');
  const stdout = openSync(out, 'w+');
  try {
    const wasi = new NodeWasi({
      version: 'preview1',
      args: ['/'],
      env: Object.fromEntries(env.map((e) => e.split('='))),
      stdin,
      stdout,
      stderr: stdout,
      returnOnExit: true,
    });
    const instance = new WA.Instance(module, {
      wasi_snapshot_preview1: wasi.wasiImport as Record<string, unknown>,
    });
    wasi.start(instance as never);
  } finally {
    closeSync(stdin);
    closeSync(stdout);
  }
  return readFileSync(out, 'utf8');
});
rmSync(dir, { recursive: true, force: true });

for (const r of [ours, shim, node]) {
  if (!r.body.includes('Hello from the edge!'))
    throw new Error(`unexpected output: ${JSON.stringify(r.body)}`);
}
const rows = [
  {
    host: 'edgewise in-memory host',
    ...summarize(ours.samples),
    'host dirs': 'yes (preopens, RO/RW, no escapes)',
  },
  {
    host: '@bjorn3/browser_wasi_shim 0.4.2',
    ...summarize(shim.samples),
    'host dirs': 'no (in-memory FS only)',
  },
  {
    host: 'node:wasi (temp-file stdio)',
    ...summarize(node.samples),
    'host dirs': 'yes (real fds; stdio must be fds)',
  },
];
printMarkdownTable(`WASI host, fresh instance + _start of hello.wasm, ${N} runs each (same thread)`, rows);
writeResult('wasm-wasi-hosts', { n: N, rows });
