/** Shared by the bench/wasm-* programs: latency summaries, markdown tables, example modules. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { percentile, ROOT } from './common.js';

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

export function printMarkdownTable(title: string, rows: Array<Record<string, string | number>>): void {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(width[i] as number)).join(' | ')} |`;
  console.log(`\n${title}\n`);
  console.log(line(cols));
  console.log(`|${width.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(cols.map((c) => String(r[c] ?? ''))));
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
