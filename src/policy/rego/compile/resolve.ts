/**
 * Name resolution: turns a module's syntax tree into resolved rules. Names are
 * looked up as OPA does: a declared local first, then the `input`/`data`
 * roots, then rules of the same package, then imports, and otherwise the name
 * is a unification variable. Calls resolve to a user function or a builtin.
 */
import { RegoError } from '../errors.js';
import type { Body, Expr, Loc, Module, Rule, Term } from '../syntax/ast.js';
import { callName } from '../syntax/parse-terms.js';
import { RObject, RSet, type Value } from '../value/value.js';
import { type FnTarget, fnName, type RBody, type RExpr, type RRule, type RT, type RWith } from './ir.js';
import { Frame, type Scope } from './scope.js';

/** What the resolver needs to know about the whole policy. */
export interface ResolveEnv {
  /** Package path ("a.b") → first names of its rules. */
  pkgNames: Map<string, Set<string>>;
  /** Data paths ("a.b.f") of user functions. */
  funcPaths: Set<string>;
  /** Whether a builtin exists (v1 modules do not see deprecated builtins). */
  hasBuiltin: (name: string, v1: boolean) => boolean;
  /** Inputs a function takes; -1 for variadic builtins such as print. */
  arity: (fn: FnTarget) => number;
  /** Apply v1's compile-time checks to every module (CompileOptions.strict). */
  strict: boolean;
}

interface ImportAlias {
  root: 'data' | 'input';
  path: string[];
}

const DATA_ROOT = (loc: Loc): RT => ({ k: 'data', loc });

class Resolver {
  private readonly frame = new Frame();
  private readonly aliases: Map<string, ImportAlias>;
  private readonly pkgKey: string;
  private readonly names: Set<string>;

  constructor(
    private readonly mod: Module,
    private readonly env: ResolveEnv,
  ) {
    this.pkgKey = mod.pkg.join('.');
    this.names = env.pkgNames.get(this.pkgKey) ?? new Set();
    this.aliases = importAliases(mod, env.strict);
  }

  get strict(): boolean {
    return this.mod.regoVersion === 'v1' || this.env.strict;
  }

  /** Resolves one rule (with its else chain) into RRule. */
  rule(rule: Rule, headRef: (string | RT)[] | undefined): RRule {
    const h = rule.head;
    const loc = rule.loc;
    const scope = this.frame.newScope(undefined, collectNames(rule.body));
    if (this.strict) {
      const name = (h.ref[0] as { name?: string }).name;
      if (name === 'input' || name === 'data') {
        throw RegoError.one('rego_compile_error', `${name} cannot be shadowed`, loc);
      }
    }
    let args: RT[] | undefined;
    if (h.args) args = h.args.map((a) => this.pattern(a, scope, 'arg'));
    const body = this.body(rule.body, scope);
    const ref = headRef ?? this.headRef(rule, scope);
    const kind = h.args ? 'func' : h.key && !h.value ? 'multi' : 'single';
    const valueTerm = kind === 'multi' ? (h.key as Term) : (h.value as Term);
    const value = this.term(valueTerm, scope);
    const staticLen = staticPrefix(ref);
    const r: RRule = {
      kind,
      ref,
      staticLen,
      args,
      value,
      body,
      else: undefined,
      isDefault: rule.default,
      slots: 0,
      slotNames: this.frame.names,
      slotOwners: this.frame.owner,
      loc,
      file: this.mod.file,
    };
    if (rule.else) r.else = this.rule(rule.else, ref);
    r.slots = this.frame.names.length;
    return r;
  }

  private headRef(rule: Rule, scope: Scope): (string | RT)[] {
    const out: (string | RT)[] = [...this.mod.pkg];
    rule.head.ref.forEach((t, i) => {
      if (i === 0) out.push((t as { name: string }).name);
      else if (t.type === 'string') out.push(t.value);
      else out.push(this.term(t, scope));
    });
    return out;
  }

  body(body: Body, scope: Scope): RBody {
    const exprs: RExpr[] = [];
    body.forEach((e, i) => {
      const r = this.expr(e, scope, i);
      if (r) exprs.push(r);
    });
    return { exprs, scope: scope.id };
  }

  private expr(e: Expr, scope: Scope, index: number): RExpr | undefined {
    const b = e.body;
    const withs = e.with.map((w) => this.with(w.target, w.value, w.loc, scope));
    const mk = (eb: RExpr['e']): RExpr => ({ e: eb, negated: e.negated, with: withs, loc: e.loc, index });
    switch (b.kind) {
      case 'some':
        for (const v of b.vars) this.frame.declare(scope, (v as { name: string }).name, v.loc, 'some');
        return undefined;
      case 'somein': {
        const domain = this.term(b.domain, scope);
        const key = b.key ? this.pattern(b.key, scope, 'some') : undefined;
        const value = this.pattern(b.value, scope, 'some');
        return mk({ k: 'somein', key, value, domain });
      }
      case 'every': {
        const domain = this.term(b.domain, scope);
        const inner = this.frame.newScope(scope, collectNames(b.body));
        const key = b.key ? this.pattern(b.key, inner, 'some') : undefined;
        const value = this.pattern(b.value, inner, 'some');
        const body = this.body(b.body, inner);
        return mk({ k: 'every', key, value, domain, body });
      }
      case 'term':
        return mk({ k: 'term', t: this.term(b.term, scope) });
      case 'call': {
        const name = callName(b.op);
        if (name === 'assign' || name === 'eq') {
          const [l, r] = b.args as [Term, Term];
          if (name === 'assign') {
            const rhs = this.term(r, scope);
            if (l.type !== 'var' && l.type !== 'array' && l.type !== 'object' && l.type !== 'ref') {
              throw RegoError.one('rego_compile_error', `cannot assign to ${l.type}`, l.loc);
            }
            this.checkAssignable(l);
            const lhs = this.pattern(l, scope, 'assign');
            return mk({ k: 'unify', a: lhs, b: rhs, assign: true });
          }
          return mk({ k: 'unify', a: this.term(l, scope), b: this.term(r, scope), assign: false });
        }
        const fn = this.fn(b.op, b.args.length, e.loc, true);
        return mk({ k: 'call', fn, args: b.args.map((a) => this.term(a, scope)) });
      }
    }
  }

  private checkAssignable(t: Term): void {
    switch (t.type) {
      case 'var':
        if (this.strict && (t.name === 'input' || t.name === 'data')) {
          throw RegoError.one('rego_compile_error', `${t.name} cannot be shadowed`, t.loc);
        }
        return;
      case 'array':
        for (const x of t.items) this.checkAssignable(x);
        return;
      case 'object':
        for (const [, v] of t.entries) this.checkAssignable(v);
        return;
      case 'string':
      case 'number':
      case 'boolean':
      case 'null':
        return;
      case 'ref':
        if (t.terms.length === 1 && t.terms[0]?.type === 'var') {
          const n = t.terms[0].name;
          if (this.strict) throw RegoError.one('rego_compile_error', `${n} cannot be shadowed`, t.loc);
          return;
        }
        throw RegoError.one('rego_compile_error', `cannot assign to ${t.type}`, t.loc);
      default:
        throw RegoError.one('rego_compile_error', `cannot assign to ${t.type}`, t.loc);
    }
  }

  private with(target: Term, value: Term, loc: Loc, scope: Scope): RWith {
    const name = target.type === 'var' ? target.name : callName(target);
    const valueName = value.type === 'var' || value.type === 'ref' ? callName(value) : undefined;
    let valueFn: FnTarget | undefined;
    if (valueName && !this.frame.findDeclared(scope, valueName.split('.')[0] as string)) {
      valueFn = this.tryFn(valueName);
    }
    // A function used as the replacement is not a value to evaluate.
    const v: RT = valueFn ? { k: 'const', v: null, loc: value.loc } : this.term(value, scope);
    const w = (t: RWith['target']): RWith => ({ target: t, value: v, valueFn, loc });
    if (target.type === 'ref' && target.terms[0]?.type === 'var') {
      const head = target.terms[0].name;
      if (head === 'input')
        return w({ kind: 'input', path: target.terms.slice(1).map((t) => this.term(t, scope)) });
      if (head === 'data') {
        const path = target.terms.slice(1).map((t) => {
          if (t.type !== 'string')
            throw RegoError.one('rego_compile_error', 'with target must be a plain data path', loc);
          return t.value;
        });
        if (this.env.funcPaths.has(path.join('.'))) return w({ kind: 'fn', fn: { kind: 'func', path } });
        return w({ kind: 'data', path });
      }
    }
    if (name === 'input') return w({ kind: 'input', path: [] });
    if (name === 'data') return w({ kind: 'data', path: [] });
    if (name) {
      const fn = this.tryFn(name);
      if (fn) return w({ kind: 'fn', fn });
      // A rule of this package or an import alias: a data path.
      const resolved = this.term(target, scope);
      const path = dataPathOf(resolved);
      if (path) return w({ kind: 'data', path });
    }
    throw RegoError.one(
      'rego_compile_error',
      `with keyword target must reference existing input, data, or a function`,
      loc,
    );
  }

  /** Resolves a call operator to a function or builtin and checks the argument count. */
  fn(op: Term, nargs: number, loc: Loc, exprPosition = false): FnTarget {
    const name = callName(op);
    if (!name) throw RegoError.one('rego_compile_error', 'illegal call operator', loc);
    const fn = this.tryFn(name);
    if (!fn) throw RegoError.one('rego_type_error', `undefined function ${name}`, loc);
    const arity = this.env.arity(fn);
    // An expression may pass one extra argument to receive the result.
    if (arity >= 0 && nargs !== arity && !(exprPosition && nargs === arity + 1)) {
      throw RegoError.one(
        'rego_type_error',
        `${fnName(fn)}: arity mismatch: have ${nargs} argument${nargs === 1 ? '' : 's'}, want ${arity}`,
        loc,
      );
    }
    return fn;
  }

  private tryFn(name: string): FnTarget | undefined {
    const comps = name.split('.');
    const first = comps[0] as string;
    let path: string[] | undefined;
    const alias = this.aliases.get(first);
    // For calls an import wins over a same-named rule of the package (as regorus and OPA resolve lib.f).
    if (first === 'data') path = comps.slice(1);
    else if (alias && alias.root === 'data' && comps.length > 1) path = [...alias.path, ...comps.slice(1)];
    else if (this.names.has(first)) path = [...this.mod.pkg, ...comps];
    else if (alias && alias.root === 'data') path = [...alias.path, ...comps.slice(1)];
    if (path && this.env.funcPaths.has(path.join('.'))) return { kind: 'func', path };
    if (first !== 'data' && this.env.hasBuiltin(name, this.strict)) return { kind: 'builtin', name };
    return undefined;
  }

  /** A term in a binding position (`:=` left side, `some`, parameters). */
  private pattern(t: Term, scope: Scope, how: 'assign' | 'some' | 'arg'): RT {
    switch (t.type) {
      case 'var':
        return { k: 'local', slot: this.frame.declare(scope, t.name, t.loc, how), name: t.name, loc: t.loc };
      case 'ref':
        if (t.terms.length === 1 && t.terms[0]?.type === 'var' && how !== 'arg') {
          const n = t.terms[0].name;
          return { k: 'local', slot: this.frame.declare(scope, n, t.loc, how), name: n, loc: t.loc };
        }
        return this.term(t, scope);
      case 'array':
        return fold({ k: 'array', items: t.items.map((x) => this.pattern(x, scope, how)), loc: t.loc });
      case 'object':
        return fold({
          k: 'object',
          entries: t.entries.map(([k, v]) => [this.term(k, scope), this.pattern(v, scope, how)]),
          loc: t.loc,
        });
      default:
        return this.term(t, scope);
    }
  }

  term(t: Term, scope: Scope): RT {
    const loc = t.loc;
    switch (t.type) {
      case 'null':
        return { k: 'const', v: null, loc };
      case 'boolean':
      case 'number':
      case 'string':
        return { k: 'const', v: t.value, loc };
      case 'var':
        return this.name(t.name, scope, loc);
      case 'ref': {
        const [head, ...rest] = t.terms as [Term, ...Term[]];
        const h = head.type === 'var' ? this.name(head.name, scope, head.loc) : this.term(head, scope);
        const path = rest.map((p) => this.term(p, scope));
        if (h.k === 'ref') return { k: 'ref', head: h.head, path: [...h.path, ...path], loc };
        if (path.length === 0) return h;
        return { k: 'ref', head: h, path, loc };
      }
      case 'array':
        return fold({ k: 'array', items: t.items.map((x) => this.term(x, scope)), loc });
      case 'set':
        return fold({ k: 'set', items: t.items.map((x) => this.term(x, scope)), loc });
      case 'object':
        return fold({
          k: 'object',
          entries: t.entries.map(([a, b]) => [this.term(a, scope), this.term(b, scope)]),
          loc,
        });
      case 'arraycompr':
      case 'setcompr': {
        const inner = this.frame.newScope(scope, collectNames(t.body));
        const body = this.body(t.body, inner);
        const head = this.term(t.head, inner);
        return { k: t.type, head, body, loc };
      }
      case 'objectcompr': {
        const inner = this.frame.newScope(scope, collectNames(t.body));
        const body = this.body(t.body, inner);
        return {
          k: 'objectcompr',
          key: this.term(t.key, inner),
          value: this.term(t.value, inner),
          body,
          loc,
        };
      }
      case 'call': {
        const fn = this.fn(t.op, t.args.length, loc);
        return { k: 'call', fn, args: t.args.map((a) => this.term(a, scope)), loc };
      }
    }
  }

  private name(name: string, scope: Scope, loc: Loc): RT {
    if (name.startsWith('$')) {
      return { k: 'local', slot: this.frame.newSlot('_', scope), name: '_', loc };
    }
    const declared = this.frame.findDeclared(scope, name);
    if (declared !== undefined) return { k: 'local', slot: declared, name, loc };
    if (name === 'input') return { k: 'input', loc };
    if (name === 'data') return DATA_ROOT(loc);
    if (this.names.has(name)) {
      return { k: 'ref', head: DATA_ROOT(loc), path: [...this.mod.pkg, name].map((s) => str(s, loc)), loc };
    }
    const alias = this.aliases.get(name);
    if (alias) {
      const head: RT = alias.root === 'data' ? DATA_ROOT(loc) : { k: 'input', loc };
      if (alias.path.length === 0) return head;
      return { k: 'ref', head, path: alias.path.map((s) => str(s, loc)), loc };
    }
    return { k: 'local', slot: this.frame.implicitVar(scope, name), name, loc };
  }

  /** Resolves a query body; its named variables are the result bindings. */
  query(body: Body): { body: RBody; slots: number; names: string[]; owners: number[] } {
    const scope = this.frame.newScope(undefined, collectNames(body));
    const b = this.body(body, scope);
    return { body: b, slots: this.frame.names.length, names: this.frame.names, owners: this.frame.owner };
  }

  /** Slots declared or used at the top level of the query scope (its bindings). */
  topSlots(): number[] {
    const out: number[] = [];
    this.frame.owner.forEach((o, i) => {
      if (o === 0 && this.frame.names[i] !== '_') out.push(i);
    });
    return out;
  }
}

/** Import aliases of a module; rejects duplicate and conflicting imports. */
function importAliases(mod: Module, strict: boolean): Map<string, ImportAlias> {
  const aliases = new Map<string, ImportAlias>();
  let sawRego = false;
  let sawFuture = false;
  for (const imp of mod.imports) {
    const key = imp.alias ?? imp.path[imp.path.length - 1] ?? '';
    const root = imp.path[0];
    if (root === 'rego' || root === 'future') {
      // rego.v1 already brings the future keywords; importing both is an error.
      if (sawRego || (root === 'rego' && sawFuture)) {
        throw RegoError.one('rego_compile_error', 'this import shadows previous import', imp.loc);
      }
      if (root === 'rego') sawRego = true;
      else sawFuture = true;
      continue;
    }
    if ((mod.regoVersion === 'v1' || strict) && aliases.has(key)) {
      throw RegoError.one('rego_compile_error', `import ${key} shadows previous import`, imp.loc);
    }
    if (root === 'data' || root === 'input') aliases.set(key, { root, path: imp.path.slice(1) });
  }
  return aliases;
}

function str(s: string, loc: Loc): RT {
  return { k: 'const', v: s, loc };
}

function dataPathOf(t: RT): string[] | undefined {
  if (t.k === 'data') return [];
  if (t.k !== 'ref' || t.head.k !== 'data') return undefined;
  const out: string[] = [];
  for (const p of t.path) {
    if (p.k !== 'const' || typeof p.v !== 'string') return undefined;
    out.push(p.v);
  }
  return out;
}

/** Length of the leading run of constant scalar parts of a head ref. */
function staticPrefix(ref: (string | RT)[]): number {
  let i = 0;
  for (; i < ref.length; i++) {
    const p = ref[i] as string | RT;
    if (typeof p === 'string') continue;
    if (p.k === 'const' && (p.v === null || typeof p.v !== 'object')) continue;
    break;
  }
  return i;
}

/** Folds a composite whose parts are all constants into one constant. */
function fold(t: RT): RT {
  if (t.k === 'array') {
    if (!t.items.every((x) => x.k === 'const')) return t;
    return { k: 'const', v: t.items.map((x) => (x as { v: Value }).v), loc: t.loc };
  }
  if (t.k === 'set') {
    if (!t.items.every((x) => x.k === 'const')) return t;
    return { k: 'const', v: RSet.of(t.items.map((x) => (x as { v: Value }).v)), loc: t.loc };
  }
  if (t.k === 'object') {
    if (!t.entries.every(([a, b]) => a.k === 'const' && b.k === 'const')) return t;
    const o = new RObject();
    for (const [a, b] of t.entries) {
      const key = (a as { v: Value }).v;
      if (o.has(key)) return t; // duplicate keys: decided at run time
      o.set(key, (b as { v: Value }).v);
    }
    return { k: 'const', v: o, loc: t.loc };
  }
  return t;
}

/** Names of variables at the top level of a body (not inside closures). */
export function collectNames(body: Body): Set<string> {
  const out = new Set<string>();
  const term = (t: Term): void => {
    switch (t.type) {
      case 'var':
        if (!t.name.startsWith('$')) out.add(t.name);
        return;
      case 'ref':
        t.terms.forEach(term);
        return;
      case 'array':
      case 'set':
        t.items.forEach(term);
        return;
      case 'object':
        for (const [a, b] of t.entries) {
          term(a);
          term(b);
        }
        return;
      case 'call':
        t.args.forEach(term);
        return;
      default:
        return;
    }
  };
  for (const e of body) {
    const b = e.body;
    switch (b.kind) {
      case 'term':
        term(b.term);
        break;
      case 'call':
        b.args.forEach(term);
        break;
      case 'somein':
        term(b.domain);
        break;
      case 'every':
        term(b.domain);
        break;
      case 'some':
        break;
    }
    for (const w of e.with) term(w.value);
  }
  return out;
}

/** Resolves all rules of a module. */
export function resolveModule(mod: Module, env: ResolveEnv): RRule[] {
  // Imports are checked even when the module has no rules.
  if (mod.rules.length === 0) importAliases(mod, env.strict);
  return mod.rules.map((r) => new Resolver(mod, env).rule(r, undefined));
}

/** Resolves a query in the context of a package (for rule names) or none. */
export function resolveQuery(
  body: Body,
  env: ResolveEnv,
  mod: Module,
): { body: RBody; slots: number; names: string[]; owners: number[]; bindings: number[] } {
  const r = new Resolver(mod, env);
  const q = r.query(body);
  return { ...q, bindings: r.topSlots() };
}
