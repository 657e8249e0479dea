/** Shared by the bench/wasm-* programs: percentiles, tables, results files, example modules. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (bench files run from dist/bench/). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  const i = Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1);
  return sortedMs[Math.max(0, i)] as number;
}

export interface LatencySummary {
  n: number;
  p50_ms: number;
  p99_ms: number;
  p999_ms: number;
  mean_ms: number;
}

export function summarize(samplesMs: number[]): LatencySummary {
  const s = [...samplesMs].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  const r = (v: number) => Math.round(v * 1000) / 1000;
  return {
    n: s.length,
    p50_ms: r(percentile(s, 50)),
    p99_ms: r(percentile(s, 99)),
    p999_ms: r(percentile(s, 99.9)),
    mean_ms: r(mean),
  };
}

export function printTable(title: string, rows: Array<Record<string, string | number>>): void {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(width[i] as number)).join(' | ')} |`;
  console.log(`\n${title}\n`);
  console.log(line(cols));
  console.log(`|${width.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(cols.map((c) => String(r[c] ?? ''))));
}

export function machine(): Record<string, string | number> {
  return {
    node: process.version,
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memory_gb: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()}-${os.arch()}`,
  };
}

export function writeResult(name: string, data: unknown): string {
  const dir = path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ bench: name, at: new Date().toISOString(), machine: machine(), ...(data as object) }, null, 2)}\n`,
  );
  console.log(`\nresults written to ${path.relative(ROOT, file)}`);
  return file;
}

/** Path of an example module, building the examples first when it is missing. */
export function exampleModule(relative: string): string {
  const file = path.join(ROOT, relative);
  if (!existsSync(file))
    execFileSync(process.execPath, [path.join(ROOT, 'scripts/build-examples.mjs')], { stdio: 'inherit' });
  return file;
}

export function readModule(relative: string): Uint8Array {
  return readFileSync(exampleModule(relative));
}

export const HELLO = 'examples/hello/hello.wasm';

/** Arguments of the form --name=value. */
export function arg(name: string, fallback: number): number {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.slice(name.length + 3)) : fallback;
}

/** A string argument of the form --name=value. */
export function textArg(name: string): string | undefined {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit?.slice(name.length + 3);
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** 1-minute load average, rounded: what else the machine was doing during a run. */
export function loadAverage(): number {
  return Math.round((os.loadavg()[0] ?? 0) * 100) / 100;
}
