/**
 * A compiled set of modules and the ways to evaluate it: a query (OPA result
 * sets), a reference (the fast path for decisions), or a data path (the data
 * API). Compilation happens once; each evaluation only converts its input and
 * runs closures.
 */

import { compileQueryBody } from './codegen/exprs.js';
import type { CompileOptions, Image, ModuleSource } from './compile/compiler.js';
import { compileModules } from './compile/compiler.js';
import { hoistQuery } from './compile/hoist.js';
import { resolveQuery } from './compile/resolve.js';
import { checkQuery } from './compile/safety.js';
import { RegoError } from './errors.js';
import { Budget, type BudgetOptions, Ctx } from './eval/ctx.js';
import { dataAt } from './eval/refs.js';
import type { CExpr, CTerm, Frame } from './eval/types.js';
import type { Module } from './syntax/ast.js';
import { parseQuery } from './syntax/parser.js';
import { fromJSON, type JSONValue, toJSON } from './value/json.js';
import { RObject, type Value } from './value/value.js';

export interface EvalOptions {
  /** The input document (JSON). */
  input?: unknown;
  /** Base documents under `data` (JSON, or data prepared once with prepareData). */
  data?: unknown;
  /** Step and time limits; exceeding them throws an eval_budget_error. */
  budget?: BudgetOptions;
  /** Builtin errors abort evaluation instead of making the expression undefined (OPA's strict-builtin-errors). @default false */
  strictBuiltinErrors?: boolean;
  /** Receives the output of `print(...)`; without it, print does nothing. */
  print?: (msg: string) => void;
  /** Return integers beyond 2^53 as bigint instead of rounding them. @default false */
  bigint?: boolean;
}

/** One solution of a query: its variable bindings and the value of each expression. */
export interface QueryResult {
  bindings: Record<string, JSONValue>;
  expressions: JSONValue[];
}

/** A solution with the engine's own values. */
export interface RawResult {
  bindings: Map<string, Value>;
  expressions: Value[];
}

/** Base data converted once, to reuse across evaluations. */
export class PreparedData {
  constructor(readonly value: Value) {}
}

export function prepareData(data: unknown): PreparedData {
  return new PreparedData(fromJSON(data));
}

interface CompiledQuery {
  run: CExpr;
  frameSize: number;
  valueBase: number;
  exprCount: number;
  bindings: { name: string; slot: number }[];
}

const EMPTY_DATA = new RObject();
const QUERY_MODULE: Module = {
  file: '',
  pkg: [],
  pkgLoc: { file: '', row: 1, col: 1 },
  imports: [],
  rules: [],
  regoVersion: 'v1',
};
const QUERY_CACHE_LIMIT = 256;

/** Turns a JS stack overflow into a policy error instead of a crash. */
function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      throw RegoError.one('eval_limit_error', 'evaluation nested too deeply (stack exhausted)');
    }
    throw e;
  }
}

export class CompiledPolicy {
  private readonly queries = new Map<string, CompiledQuery>();
  private readonly refs = new Map<string, CTerm>();

  constructor(private readonly image: Image) {}

  /** The parsed modules, in the order given. */
  get modules(): readonly Module[] {
    return this.image.modules;
  }

  /** Package paths ("a.b") defined by the modules. */
  get packages(): string[] {
    return [...new Set(this.image.modules.map((m) => m.pkg.join('.')))];
  }

  private ctx(opts: EvalOptions | undefined): Ctx {
    const input = opts?.input === undefined ? undefined : fromJSON(opts.input);
    const d = opts?.data;
    const data = d === undefined ? EMPTY_DATA : d instanceof PreparedData ? d.value : fromJSON(d);
    return new Ctx(
      this.image.root,
      input,
      data,
      {
        budget: new Budget(opts?.budget),
        nowNs: undefined,
        strict: opts?.strictBuiltinErrors === true,
        print: opts?.print,
        memo: new Map(),
      },
      null,
      null,
    );
  }

  private compileQuery(text: string): CompiledQuery {
    const hit = this.queries.get(text);
    if (hit) return hit;
    const body = parseQuery(text);
    const q = resolveQuery(body, this.image.env, QUERY_MODULE);
    const slots = hoistQuery(q.body, { names: q.names, owners: q.owners });
    checkQuery(q.body, { arity: this.image.safety.arity, owner: q.owners, names: q.names, file: '' });
    const cg = this.image.cg;
    cg.bound = new Set();
    const run = compileQueryBody(cg, q.body, slots);
    const bindings = q.bindings
      .map((slot) => ({ name: q.names[slot] as string, slot }))
      .filter((b) => !b.name.startsWith('$') && b.name !== '_');
    const compiled: CompiledQuery = {
      run,
      frameSize: slots + body.length,
      valueBase: slots,
      exprCount: body.length,
      bindings,
    };
    if (this.queries.size >= QUERY_CACHE_LIMIT)
      this.queries.delete(this.queries.keys().next().value as string);
    this.queries.set(text, compiled);
    return compiled;
  }

  /** Evaluates a query and returns the engine's values (sets stay sets). */
  queryValues(text: string, opts?: EvalOptions): RawResult[] {
    const q = this.compileQuery(text);
    const ctx = this.ctx(opts);
    const f: Frame = new Array(q.frameSize);
    const out: RawResult[] = [];
    guard(() =>
      q.run(ctx, f, () => {
        const bindings = new Map<string, Value>();
        for (const b of q.bindings) {
          const v = f[b.slot];
          if (v !== undefined) bindings.set(b.name, v);
        }
        const expressions: Value[] = [];
        for (let i = 0; i < q.exprCount; i++) expressions.push(f[q.valueBase + i] ?? true);
        out.push({ bindings, expressions });
        return false;
      }),
    );
    return out;
  }

  /** Evaluates a query; one result per solution, as OPA's result sets. */
  query(text: string, opts?: EvalOptions): QueryResult[] {
    const keepBig = { bigint: opts?.bigint === true };
    return this.queryValues(text, opts).map((r) => {
      const bindings: Record<string, JSONValue> = {};
      for (const [k, v] of r.bindings) bindings[k] = toJSON(v, keepBig);
      return { bindings, expressions: r.expressions.map((v) => toJSON(v, keepBig)) };
    });
  }

  /** Evaluates a query and returns the bindings of each solution. */
  evalQuery(text: string, opts?: EvalOptions): Record<string, JSONValue>[] {
    return this.query(text, opts).map((r) => r.bindings);
  }

  private compileRef(ref: string): CTerm {
    const hit = this.refs.get(ref);
    if (hit) return hit;
    const body = parseQuery(ref);
    const e = body[0];
    if (body.length !== 1 || !e || e.body.kind !== 'term' || e.negated || e.with.length) {
      throw RegoError.one('rego_parse_error', `expected a reference such as data.pkg.rule, got: ${ref}`);
    }
    const q = resolveQuery(body, this.image.env, QUERY_MODULE);
    const re = q.body.exprs[0];
    if (re?.e.k !== 'term' || q.slots > 0) {
      throw RegoError.one('rego_compile_error', `reference must be ground (no variables): ${ref}`);
    }
    const cg = this.image.cg;
    cg.bound = new Set();
    const t = cg.term(re.e.t);
    if (this.refs.size >= QUERY_CACHE_LIMIT) this.refs.delete(this.refs.keys().next().value as string);
    this.refs.set(ref, t);
    return t;
  }

  /** The value of a ground reference (`data.pkg.allow`), or undefined when it is undefined. */
  evalRef(ref: string, opts?: EvalOptions): JSONValue | undefined {
    const v = this.evalRefValue(ref, opts);
    return v === undefined ? undefined : toJSON(v, { bigint: opts?.bigint === true });
  }

  /** Like evalRef, but returns the engine's value (sets stay sets). */
  evalRefValue(ref: string, opts?: EvalOptions): Value | undefined {
    const t = this.compileRef(ref);
    const ctx = this.ctx(opts);
    return guard(() => {
      if (t.get !== null) return t.get(ctx, []);
      let out: Value | undefined;
      t.gen(ctx, [], (v) => {
        out = v;
        return true;
      });
      return out;
    });
  }

  /** The document at a data path (["pkg", "allow"]), as the data API serves it. */
  evalPath(path: readonly string[], opts?: EvalOptions): JSONValue | undefined {
    const ctx = this.ctx(opts);
    const v = guard(() => dataAt(ctx, [...path]));
    return v === undefined ? undefined : toJSON(v, { bigint: opts?.bigint === true });
  }

  /** Paths of rules named test_* (for `policy test`), sorted. */
  testRules(): string[][] {
    const out: string[][] = [];
    const visit = (node: typeof this.image.root): void => {
      const last = node.path[node.path.length - 1];
      if (node.planned && typeof last === 'string' && last.startsWith('test_')) {
        out.push(node.path.map(String));
      }
      for (const c of node.children.values()) visit(c);
    };
    visit(this.image.root);
    return out.sort((a, b) => a.join('.').localeCompare(b.join('.')));
  }
}

/** Compiles modules once; throws a RegoError with file:line:col on any error. */
export function compile(modules: ModuleSource[], options?: CompileOptions): CompiledPolicy {
  return new CompiledPolicy(compileModules(modules, options));
}
