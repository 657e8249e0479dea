/**
 * Prints the Rego conformance pass rate per folder and overall.
 *
 *   node dist/test/conformance/rego-report.js [--failures] [--filter <text>] [--json <file>]
 */
import fs from 'node:fs';
import { type CaseOutcome, runAll } from './rego-runner.js';

function pct(n: number, d: number): string {
  return d === 0 ? '-' : `${((100 * n) / d).toFixed(1)}%`;
}

/** Pass rate table; skipped cases are counted apart, not in the rate. */
export function table(all: CaseOutcome[]): string {
  const outcomes = all.filter((o) => !o.skipped);
  const folders = new Map<string, { pass: number; total: number }>();
  for (const o of outcomes) {
    const f = folders.get(o.folder) ?? { pass: 0, total: 0 };
    f.total++;
    if (o.passed) f.pass++;
    folders.set(o.folder, f);
  }
  const rows: string[] = ['| folder | passed | cases | rate |', '| --- | ---: | ---: | ---: |'];
  const sums = new Map<string, { pass: number; total: number }>();
  for (const [name, f] of [...folders].sort(([a], [b]) => a.localeCompare(b))) {
    rows.push(`| ${name} | ${f.pass} | ${f.total} | ${pct(f.pass, f.total)} |`);
    const suite = name.split('/')[0] as string;
    const s = sums.get(suite) ?? { pass: 0, total: 0 };
    s.pass += f.pass;
    s.total += f.total;
    sums.set(suite, s);
  }
  for (const [suite, s] of sums)
    rows.push(`| **${suite} (all)** | ${s.pass} | ${s.total} | ${pct(s.pass, s.total)} |`);
  const pass = outcomes.filter((o) => o.passed).length;
  rows.push(`| **overall** | ${pass} | ${outcomes.length} | ${pct(pass, outcomes.length)} |`);
  const skipped = all.filter((o) => o.skipped);
  rows.push('', `skipped (not in the rate, reason listed): ${skipped.length}`);
  return rows.join('\n');
}

function main(): void {
  const args = process.argv.slice(2);
  const fi = args.indexOf('--filter');
  const filter = fi >= 0 ? args[fi + 1] : undefined;
  const outcomes = runAll(filter);
  console.log(table(outcomes));
  const errorCases = outcomes.filter((o) => o.messageMatched !== undefined);
  const matched = errorCases.filter((o) => o.messageMatched).length;
  console.log(
    `\nerror cases whose message also matched the expected text: ${matched} of ${errorCases.length}`,
  );
  if (args.includes('--failures')) {
    console.log('\nfailures:');
    for (const o of outcomes.filter((x) => !x.passed && !x.skipped)) {
      console.log(`- ${o.suite}/${o.file} — ${o.note}: ${o.reason}`);
    }
    console.log('\nskipped:');
    for (const o of outcomes.filter((x) => x.skipped)) {
      console.log(
        `- ${o.suite}/${o.file} — ${o.note}: ${o.skipped} (${o.passed ? 'passes anyway' : `fails: ${o.reason}`})`,
      );
    }
  }
  const ji = args.indexOf('--json');
  if (ji >= 0 && args[ji + 1]) fs.writeFileSync(args[ji + 1] as string, JSON.stringify(outcomes, null, 2));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() as string)) main();
