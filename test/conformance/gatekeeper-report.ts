/**
 * Prints the Gatekeeper library's pass rate per suite, played through hub admission.
 *
 *   node <dist>/test/conformance/gatekeeper-report.js [--failures] [--filter <text>] [--json <file>]
 */
import fs from 'node:fs';
import { type CaseResult, runLibrary } from './gatekeeper-runner.js';

function pct(n: number, d: number): string {
  return d === 0 ? '-' : `${((100 * n) / d).toFixed(1)}%`;
}

/** A Markdown table: one row per suite, then the overall rate. */
export function table(results: CaseResult[]): string {
  const suites = new Map<string, { pass: number; total: number; webhook: number }>();
  for (const r of results) {
    const s = suites.get(r.suite) ?? { pass: 0, total: 0, webhook: 0 };
    s.total++;
    if (r.passed) s.pass++;
    if (r.via !== 'service') s.webhook++;
    suites.set(r.suite, s);
  }
  const rows = ['| suite | passed | cases | rate | via webhook |', '| --- | ---: | ---: | ---: | ---: |'];
  for (const [name, s] of [...suites].sort(([a], [b]) => a.localeCompare(b)))
    rows.push(`| ${name} | ${s.pass} | ${s.total} | ${pct(s.pass, s.total)} | ${s.webhook} |`);
  const pass = results.filter((r) => r.passed).length;
  rows.push(
    `| **overall (${suites.size} suites)** | ${pass} | ${results.length} | ${pct(pass, results.length)} | |`,
  );
  return rows.join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const fi = args.indexOf('--filter');
  const results = await runLibrary(fi >= 0 ? args[fi + 1] : undefined);
  console.log(table(results));
  if (args.includes('--failures')) {
    console.log('\nfailures:');
    for (const r of results.filter((x) => !x.passed))
      console.log(`- ${r.suite} ${r.test}/${r.case}: ${r.reason}`);
  }
  if (args.includes('--fallbacks')) {
    console.log('\nreviewed through the webhook because hub validation refused the sample:');
    for (const r of results.filter((x) => x.via === 'webhook-fallback'))
      console.log(`- ${r.suite} ${r.test}/${r.case}: ${r.refused}`);
  }
  const ji = args.indexOf('--json');
  if (ji >= 0 && args[ji + 1]) fs.writeFileSync(args[ji + 1] as string, JSON.stringify(results, null, 2));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() as string)) await main();
