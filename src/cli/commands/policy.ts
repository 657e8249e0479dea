/**
 * `edgewise policy eval` and `edgewise policy test`: check Rego policies
 * before shipping them, the way `opa eval` and `opa test` do.
 *
 *   edgewise policy eval -d policy.rego -i input.json 'data.education.allow'
 *   edgewise policy test ./policies
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import YAML from 'yaml';
import {
  type CompiledPolicy,
  compile,
  type JSONValue,
  type ModuleSource,
  parseQuery,
  RegoError,
  toJSONText,
} from '../../policy/rego/index.js';
import { ExitCode, UserError } from '../errors.js';

interface Loaded {
  modules: ModuleSource[];
  data: Record<string, unknown>;
}

function listFiles(p: string): string[] {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    throw new UserError(`no such file or directory: ${p}`);
  }
  if (!st.isDirectory()) return [p];
  return fs
    .readdirSync(p)
    .sort()
    .flatMap((f) => (f.startsWith('.') ? [] : listFiles(path.join(p, f))));
}

function merge(into: Record<string, unknown>, from: unknown, file: string): void {
  if (from === null || typeof from !== 'object' || Array.isArray(from)) {
    throw new UserError(`${file}: a data file must hold an object`);
  }
  for (const [k, v] of Object.entries(from)) {
    const cur = into[k];
    if (
      cur !== undefined &&
      typeof cur === 'object' &&
      cur !== null &&
      !Array.isArray(cur) &&
      typeof v === 'object' &&
      v !== null &&
      !Array.isArray(v)
    ) {
      merge(cur as Record<string, unknown>, v, file);
    } else if (cur !== undefined) {
      throw new UserError(`${file}: data conflicts at key "${k}"`);
    } else into[k] = v;
  }
}

function readDataFile(file: string): unknown {
  const text = fs.readFileSync(file, 'utf8');
  try {
    return file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
  } catch (e) {
    throw new UserError(`${file}: ${(e as Error).message}`);
  }
}

/** .rego files become modules; .json/.yaml files are merged into base data at the root. */
export function loadPolicyFiles(paths: string[]): Loaded {
  const out: Loaded = { modules: [], data: {} };
  for (const p of paths) {
    for (const file of listFiles(p)) {
      if (file.endsWith('.rego')) out.modules.push({ path: file, source: fs.readFileSync(file, 'utf8') });
      else if (/\.(json|ya?ml)$/.test(file)) merge(out.data, readDataFile(file), file);
    }
  }
  return out;
}

function compileOrExplain(modules: ModuleSource[]): CompiledPolicy {
  try {
    return compile(modules);
  } catch (e) {
    if (RegoError.isRegoError(e)) throw new UserError(e.message);
    throw e;
  }
}

interface EvalOpts {
  data?: string[];
  input?: string;
  bundleData?: string;
  fail?: boolean;
  failDefined?: boolean;
}

/** The JSON `opa eval` prints for a result set. */
export function evalOutput(policy: CompiledPolicy, query: string, input: unknown, data: unknown): string {
  const exprs = parseQuery(query);
  const results = policy.query(query, {
    input,
    data,
    bigint: true,
    print: (m) => process.stderr.write(`${m}\n`),
  });
  const out: { result?: unknown[] } = {};
  if (results.length > 0) {
    out.result = results.map((r) => {
      const entry: Record<string, JSONValue | unknown> = {
        expressions: r.expressions.map((value, i) => {
          const e = exprs[i];
          const span = e?.span ?? [0, query.length];
          return {
            value,
            text: query.slice(span[0], span[1]),
            location: { row: e?.loc.row ?? 1, col: e?.loc.col ?? 1 },
          };
        }),
      };
      if (Object.keys(r.bindings).length > 0) entry.bindings = r.bindings;
      return entry;
    });
  }
  return toJSONText(out as JSONValue, 2);
}

function runEval(program: Command, query: string, opts: EvalOpts): void {
  const write = (s: string) => program.configureOutput().writeOut?.(s) ?? process.stdout.write(s);
  const loaded = loadPolicyFiles(opts.data ?? []);
  if (opts.bundleData) merge(loaded.data, readDataFile(opts.bundleData), opts.bundleData);
  const input = opts.input === undefined ? undefined : readDataFile(opts.input);
  const policy = compileOrExplain(loaded.modules);
  let text: string;
  try {
    text = evalOutput(policy, query, input, loaded.data);
  } catch (e) {
    if (RegoError.isRegoError(e)) throw new UserError(e.message);
    throw e;
  }
  write(`${text}\n`);
  const defined = text !== '{}';
  if ((opts.fail && !defined) || (opts.failDefined && defined)) throw new ExitCode(1);
}

function runTests(program: Command, paths: string[], verbose: boolean): void {
  const write = (s: string) => program.configureOutput().writeOut?.(s) ?? process.stdout.write(s);
  const loaded = loadPolicyFiles(paths);
  const policy = compileOrExplain(loaded.modules);
  let pass = 0;
  let fail = 0;
  let errors = 0;
  const tests = policy.testRules();
  for (const t of tests) {
    const name = `data.${t.join('.')}`;
    const start = process.hrtime.bigint();
    let status: 'PASS' | 'FAIL' | 'ERROR';
    let detail = '';
    try {
      const v = policy.evalPath(t, { data: loaded.data, print: (m) => write(`  ${m}\n`) });
      status = v !== undefined && v !== false ? 'PASS' : 'FAIL';
    } catch (e) {
      status = 'ERROR';
      detail = `\n  ${e instanceof Error ? e.message : String(e)}`;
    }
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (status === 'PASS') pass++;
    else if (status === 'FAIL') fail++;
    else errors++;
    if (verbose || status !== 'PASS') write(`${name}: ${status} (${ms.toFixed(3)}ms)${detail}\n`);
  }
  const total = tests.length;
  write(`${'-'.repeat(80)}\n`);
  if (pass) write(`PASS: ${pass}/${total}\n`);
  if (fail) write(`FAIL: ${fail}/${total}\n`);
  if (errors) write(`ERROR: ${errors}/${total}\n`);
  if (total === 0) write('no test rules found (rules named test_*)\n');
  if (fail || errors) throw new ExitCode(2);
}

/** Adds `policy eval` and `policy test` to the edgewise CLI. */
export function registerPolicyCommands(program: Command): void {
  const policy = program.command('policy').description('Evaluate and test Rego policies locally');
  policy
    .command('eval')
    .description('Evaluate a Rego query against policies, input and data (prints JSON like opa eval)')
    .argument('<query>', 'the query, e.g. data.education.allow')
    .option(
      '-d, --data <path>',
      'a policy (.rego) or data (.json, .yaml) file or directory; repeat for more',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option('-i, --input <file>', 'input document (JSON or YAML)')
    .option('--bundle-data <file>', 'an extra base data file (JSON or YAML)')
    .option('--fail', 'exit 1 when the result is undefined')
    .option('--fail-defined', 'exit 1 when the result is defined')
    .action((query: string, opts: EvalOpts) => runEval(policy, query, opts));
  policy
    .command('test')
    .description('Run test_* rules (like opa test); exits 2 when a test fails')
    .argument('<paths...>', 'policy and data files or directories')
    .option('-v, --verbose', 'print passing tests too')
    .action((paths: string[], opts: { verbose?: boolean }) => runTests(policy, paths, opts.verbose === true));
}
