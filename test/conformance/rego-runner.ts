/**
 * Runs the Rego conformance suites in ../shared/conformance/rego-cases as they
 * are (never edited). Two dialects of the same YAML shape:
 * - opa/: `want_result` is a list of binding maps (order matters, sets are
 *   sorted arrays; `sort_bindings` sorts array values first); errors by
 *   `want_error_code` / `want_error`; `strict_error` turns on strict builtin
 *   errors. Modules are Rego v1.
 * - regorus/: `want_result` is the query's value (or bindings), `many!` lists
 *   several, `set!` / `object!` encode sets and non-string keys; `error` is an
 *   expected error; builtin errors are strict unless `strict: false`. Modules
 *   pick v0/v1 per module.
 * A case that expects an error passes when evaluation fails with an error of
 * that kind (the code when the case names one); whether OPA's wording matched
 * too is reported separately, since wording varies between OPA versions.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import {
  compile,
  type EvalOptions,
  equals,
  fromJSON,
  type RawResult,
  RegoError,
  RObject,
  RSet,
  toJSON,
  toJSONText,
  type Value,
} from '../../src/policy/rego/index.js';

export interface CaseOutcome {
  suite: string;
  folder: string;
  file: string;
  note: string;
  passed: boolean;
  /** For error cases: whether the message also matched the expected text. */
  messageMatched?: boolean;
  reason?: string;
  /** Why the case is left out of the pass rate (it still runs; `passed` tells how it went). */
  skipped?: string;
}

/** Cases excluded from the score, each with its reason. */
function skipReason(c: Raw): string | undefined {
  if (c.skip === true)
    return 'marked `skip: true` upstream (regorus): its expectation is unfinished (TODO) there';
  const mods = (c.modules as string[] | undefined) ?? [];
  if (mods.some((m) => /^\s*import\s+rego\.v2\b/m.test(m))) {
    return 'uses `import rego.v2`, which only unreleased OPA has';
  }
  return undefined;
}

const here = path.dirname(fileURLToPath(import.meta.url));

/** ../shared/conformance beside the repo (override with EDGEWISE_CONFORMANCE_DIR). */
export function conformanceDir(): string {
  if (process.env.EDGEWISE_CONFORMANCE_DIR) return process.env.EDGEWISE_CONFORMANCE_DIR;
  let dir = here;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, '..', 'shared', 'conformance');
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  return path.resolve(here, '../../../../shared/conformance');
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const f of fs.readdirSync(dir).sort()) {
    const p = path.join(dir, f);
    if (fs.statSync(p).isDirectory()) out.push(...walk(p));
    else if (f.endsWith('.yaml')) out.push(p);
  }
  return out;
}

type Raw = Record<string, unknown>;

const CASE_BUDGET = { maxSteps: 2_000_000, timeoutMs: 5_000 };

function errorCodeIn(text: string | undefined): string | undefined {
  return text ? /\b((?:rego|eval)_[a-z_]+_error)\b/.exec(text)?.[1] : undefined;
}

function stripLocation(text: string): string {
  return text.replace(/^[^\s:]+:\d+(:\d+)?: (?:(?:rego|eval)_[a-z_]+_error: )?/, '');
}

/**
 * YAML values (exact big integers, mappings as Maps) → engine values. For
 * regorus, mapping keys keep their YAML type (`1:`, `true:`, `null:`) and the
 * `set!` / `object!` encodings apply; for OPA keys are JSON strings.
 */
function toValue(x: unknown, regorus: boolean): Value {
  if (typeof x === 'bigint') return fromJSON(x);
  if (Array.isArray(x)) return x.map((e) => toValue(e, regorus));
  if (x instanceof Map) {
    if (regorus && x.size === 1 && Array.isArray(x.get('set!'))) {
      return RSet.of((x.get('set!') as unknown[]).map((e) => toValue(e, regorus)));
    }
    if (regorus && x.size === 1 && Array.isArray(x.get('object!'))) {
      const out = new RObject();
      for (const item of x.get('object!') as Map<string, unknown>[]) {
        out.set(toValue(item.get('key'), regorus), toValue(item.get('value'), regorus));
      }
      return out;
    }
    const out = new RObject();
    for (const [k, v] of x) out.set(regorus ? toValue(k, regorus) : String(k), toValue(v, regorus));
    return out;
  }
  return fromJSON(x);
}

/** A case's fields as a plain object (values stay as parsed). */
function plain(x: unknown): Raw {
  if (!(x instanceof Map)) return (x ?? {}) as Raw;
  const out: Raw = {};
  for (const [k, v] of x) out[String(k)] = v;
  return out;
}

function isMany(x: unknown): x is Map<string, unknown> {
  return x instanceof Map && x.size === 1 && Array.isArray(x.get('many!'));
}

function sortArrays(v: Value): Value {
  return Array.isArray(v) ? [...v].sort((a, b) => (toJSONText(a) < toJSONText(b) ? -1 : 1)) : v;
}

function describe(v: unknown): string {
  const text = toJSONText(v as Value);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

function inputOf(c: Raw, regorus: boolean): { inputs: (Value | undefined)[] } {
  if (typeof c.input_term === 'string') {
    const r = compile([]).queryValues(`__x := ${c.input_term}`);
    return { inputs: [r[0]?.bindings.get('__x')] };
  }
  if (!('input' in c)) return { inputs: [undefined] };
  const raw = c.input;
  if (regorus && isMany(raw)) return { inputs: (raw.get('many!') as unknown[]).map((x) => toValue(x, true)) };
  return { inputs: [toValue(raw, regorus)] };
}

/** regorus's view of a result set: bindings if any, else the expression value(s). */
function regorusResults(rs: RawResult[]): Value[] {
  const obj = (r: RawResult): RObject => {
    const o = new RObject();
    for (const [k, v] of r.bindings) o.set(k, v);
    return o;
  };
  if (rs.length === 1) {
    const r = rs[0] as RawResult;
    if (r.bindings.size > 0) return [obj(r)];
    return r.expressions;
  }
  return rs.map((r) => (r.bindings.size > 0 ? obj(r) : r.expressions));
}

export function runCase(
  suite: 'opa' | 'regorus',
  c: Raw,
): { passed: boolean; reason?: string; messageMatched?: boolean } {
  const regorus = suite === 'regorus';
  const modules = ((c.modules as string[] | undefined) ?? []).map((source, i) => ({
    path: regorus ? `rego_${i}` : `test-${i}.rego`,
    source,
  }));
  const wantError = regorus
    ? (c.error as string | undefined)
    : ((c.want_error_code ?? c.want_error) as string | undefined);
  const strict = regorus ? c.strict !== false : c.strict_error === true;
  const query = String(c.query ?? '');
  try {
    const policy = compile(modules, { regoVersion: regorus ? 'auto' : 'v1' });
    const data = 'data' in c && c.data !== null ? toValue(c.data, regorus) : undefined;
    const { inputs } = inputOf(c, regorus);
    const computed: Value[] = [];
    const optsBase: EvalOptions = { strictBuiltinErrors: strict, budget: CASE_BUDGET, print: () => {} };
    let opaResults: RawResult[] = [];
    for (const input of inputs) {
      const opts: EvalOptions = { ...optsBase };
      if (input !== undefined) opts.input = input;
      if (data !== undefined) opts.data = data;
      const rs = policy.queryValues(query, opts);
      opaResults = rs;
      computed.push(...regorusResults(rs));
    }
    if (wantError !== undefined)
      return { passed: false, reason: `expected error "${wantError}", got a result` };
    if (regorus) {
      const w = c.want_result;
      const expected = isMany(w)
        ? (w.get('many!') as unknown[]).map((x) => toValue(x, true))
        : [toValue(w, true)];
      const sortB = c.sort_bindings === true;
      const got = sortB ? computed.map(sortArrays) : computed;
      if (got.length !== expected.length || !got.every((g, i) => equals(g, expected[i] as Value))) {
        return { passed: false, reason: `want ${describe(expected)}, got ${describe(got)}` };
      }
      return { passed: true };
    }
    const want = (c.want_result as unknown[] | undefined) ?? [];
    const sortB = c.sort_bindings === true;
    // OPA compares JSON: sets become sorted arrays, non-string keys their JSON text.
    const got = opaResults.map((r) => {
      const o = new RObject();
      for (const [k, v] of r.bindings) {
        const j = fromJSON(toJSON(v, { bigint: true }));
        o.set(k, sortB ? sortArrays(j) : j);
      }
      return o as Value;
    });
    const expected = want.map((w) => {
      const o = toValue(w, false) as RObject;
      if (!sortB) return o;
      const s = new RObject();
      for (const k of o.keys()) s.set(k, sortArrays(o.get(k) as Value));
      return s;
    });
    if (got.length !== expected.length || !got.every((g, i) => equals(g, expected[i] as Value))) {
      return { passed: false, reason: `want ${describe(expected)}, got ${describe(got)}` };
    }
    return { passed: true };
  } catch (e) {
    if (!RegoError.isRegoError(e)) {
      const err = e as Error;
      return {
        passed: false,
        reason: `crash: ${err?.stack?.split('\n').slice(0, 3).join(' | ') ?? String(e)}`,
      };
    }
    if (wantError === undefined) return { passed: false, reason: `unexpected error: ${e.message}` };
    const code = errorCodeIn(regorus ? undefined : wantError);
    const messageMatched = e.errors.some(
      (d) => d.message.includes(stripLocation(wantError)) || e.message.includes(stripLocation(wantError)),
    );
    if (code && !e.errors.some((d) => d.code === code)) {
      return { passed: false, reason: `expected ${code}, got ${e.message}`, messageMatched };
    }
    return { passed: true, messageMatched };
  }
}

export interface SuiteReport {
  outcomes: CaseOutcome[];
}

/** Runs every case of both suites (or those whose file path contains filter). */
export function runAll(filter?: string): CaseOutcome[] {
  const base = path.join(conformanceDir(), 'rego-cases');
  const out: CaseOutcome[] = [];
  for (const suite of ['opa', 'regorus'] as const) {
    const dir = path.join(base, suite);
    for (const file of walk(dir)) {
      if (filter && !file.includes(filter)) continue;
      const rel = path.relative(dir, file);
      const folder = `${suite}/${rel.split(path.sep)[0]}`;
      let doc: { cases?: Raw[] };
      try {
        doc = plain(YAML.parse(fs.readFileSync(file, 'utf8'), { intAsBigInt: true, mapAsMap: true })) as {
          cases?: Raw[];
        };
      } catch (e) {
        const count = (fs.readFileSync(file, 'utf8').match(/^\s*- note:/gm) ?? []).length || 1;
        for (let i = 0; i < count; i++) {
          out.push({
            suite,
            folder,
            file: rel,
            note: `(case ${i + 1} of unparseable file)`,
            passed: false,
            reason: `YAML the yaml package cannot parse: ${(e as Error).message.split('\n')[0]}`,
          });
        }
        continue;
      }
      for (const raw of doc.cases ?? []) {
        const c = plain(raw);
        const r = runCase(suite, c);
        const o: CaseOutcome = { suite, folder, file: rel, note: String(c.note), ...r };
        const skip = skipReason(c);
        if (skip) o.skipped = skip;
        out.push(o);
      }
    }
  }
  return out;
}
