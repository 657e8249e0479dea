/**
 * The field says containers take seconds to start. Measured here: Debian's `runc`
 * running a minimal container (a busybox-static rootfs, `true`) from create to
 * exit, against a fresh Wasm instance answering a request. Skips with a message
 * when runc cannot run here (no runc, no root, no namespaces or cgroups).
 *   node dist/bench/wasm-runc.js [--n=20]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runGuest } from '../src/runtime/wasm/exec/run.js';
import { ModuleCache, sha256Digest } from '../src/runtime/wasm/module/cache.js';
import { arg, writeResult } from './common.js';
import { HELLO, printMarkdownTable, readModule, summarize } from './wasm-common.js';

const N = arg('n', 20);
const RUNC = '/usr/sbin/runc';
const BUSYBOX = '/bin/busybox';

function skip(reason: string): never {
  console.log(`wasm-runc: skipped — ${reason}`);
  writeResult('wasm-runc', { skipped: reason });
  process.exit(0);
}

if (!existsSync(RUNC)) skip(`${RUNC} not found (apt-get install -y runc)`);
if (!existsSync(BUSYBOX)) skip(`${BUSYBOX} not found (apt-get install -y busybox-static)`);
if (process.getuid?.() !== 0) skip('runc needs root here (rootless mode not set up)');

const bundle = mkdtempSync(path.join(tmpdir(), 'edgewise-runc-'));
const root = path.join(bundle, 'rootfs');
try {
  mkdirSync(path.join(root, 'bin'), { recursive: true });
  for (const d of ['proc', 'dev', 'sys', 'tmp']) mkdirSync(path.join(root, d));
  copyFileSync(BUSYBOX, path.join(root, 'bin', 'busybox'));
  for (const tool of ['sh', 'true', 'echo']) symlinkSync('busybox', path.join(root, 'bin', tool));
  execFileSync(RUNC, ['spec'], { cwd: bundle });
  const spec = JSON.parse(readFileSync(path.join(bundle, 'config.json'), 'utf8'));
  spec.process.terminal = false;
  spec.process.args = ['/bin/true'];
  spec.root.readonly = true;
  writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(spec, null, 2));

  const samples: number[] = [];
  for (let i = 0; i < N + 2; i++) {
    const id = `edgewise-bench-${process.pid}-${i}`;
    const t = process.hrtime.bigint();
    const r = spawnSync(RUNC, ['run', '--bundle', bundle, id], { encoding: 'utf8', timeout: 60_000 });
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    if (r.status !== 0) {
      spawnSync(RUNC, ['delete', '--force', id]);
      skip(
        `runc run failed here (${(r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').pop()})`,
      );
    }
    if (i >= 2) samples.push(ms);
  }

  const bytes = readModule(HELLO);
  const compiled = await new ModuleCache().acquire(bytes, sha256Digest(bytes), 64 << 20, 'hello');
  const wasm: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const t = process.hrtime.bigint();
    runGuest(compiled.module, {
      entrypoint: '_start',
      argv: '/\0',
      environ: '',
      stdin: new Uint8Array(0),
      preopens: [],
      stdoutLimit: 1 << 20,
      stderrLimit: 1 << 16,
      memory: compiled.memory,
    });
    wasm.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const c = summarize(samples);
  const w = summarize(wasm);
  const rows = [
    { runtime: 'runc: busybox /bin/true, create → exit', ...c },
    { runtime: 'wasm: fresh instance → response (hello)', ...w },
  ];
  printMarkdownTable(
    `Container vs Wasm start (runc ${execFileSync(RUNC, ['--version'], { encoding: 'utf8' }).split('\n')[0]})`,
    rows,
  );
  console.log(`\nrunc p50 / wasm p50 = ${Math.round(c.p50_ms / w.p50_ms)}×`);
  writeResult('wasm-runc', { n: N, rows, ratio_p50: c.p50_ms / w.p50_ms });
} finally {
  rmSync(bundle, { recursive: true, force: true });
}
