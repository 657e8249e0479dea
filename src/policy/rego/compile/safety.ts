/**
 * Safety: every variable must be bound before it is read. Bodies are reordered
 * as OPA does — repeatedly take, in source order, each expression whose inputs
 * are bound — and a variable that never becomes bound is a
 * rego_unsafe_var_error. Each expression records which slots are bound before
 * it, which the code generator uses to skip run-time checks.
 */
import { RegoError, type RegoErrorDetail } from '../errors.js';
import type { FnTarget, RBody, RExpr, RRule, RT } from './ir.js';
import { allSlots, bodySlots, exprTerms, forEachClosure, forEachVar, varsOf } from './walk.js';

export interface SafetyEnv {
  /** Number of inputs a function takes; -1 when unknown (then no output argument). */
  arity: (fn: FnTarget) => number;
  /** Scope that owns each slot of the frame being checked. */
  owner: readonly number[];
  names: readonly string[];
  file: string;
}

function refHeadSafe(head: RT, safe: Set<number>): boolean {
  switch (head.k) {
    case 'local':
      return safe.has(head.slot);
    case 'input':
    case 'data':
    case 'const':
    case 'arraycompr':
    case 'setcompr':
    case 'objectcompr':
      return true;
    default: {
      let ok = true;
      forEachVar(head, (s) => {
        if (!safe.has(s)) ok = false;
      });
      return ok;
    }
  }
}

/** Variables of a ref's path element, skipping the heads of nested refs (as OPA's OutputVars). */
function pathVars(t: RT, out: Set<number>): void {
  switch (t.k) {
    case 'local':
      out.add(t.slot);
      return;
    case 'ref':
      for (const p of t.path) pathVars(p, out);
      return;
    case 'array':
    case 'set':
      for (const x of t.items) pathVars(x, out);
      return;
    case 'object':
      for (const [a, b] of t.entries) {
        pathVars(a, out);
        pathVars(b, out);
      }
      return;
    case 'call':
      for (const a of t.args) pathVars(a, out);
      return;
    default:
      return;
  }
}

/** Variables a term binds by iterating refs (`x[i]` binds i once x is bound). */
function refOutputs(t: RT, safe: Set<number>, out: Set<number>): void {
  switch (t.k) {
    case 'ref': {
      refOutputs(t.head, safe, out);
      const headSafe = refHeadSafe(t.head, new Set([...safe, ...out]));
      for (const p of t.path) {
        if (headSafe) pathVars(p, out);
        refOutputs(p, safe, out);
      }
      return;
    }
    case 'array':
    case 'set':
      for (const x of t.items) refOutputs(x, safe, out);
      return;
    case 'object':
      for (const [a, b] of t.entries) {
        refOutputs(a, safe, out);
        refOutputs(b, safe, out);
      }
      return;
    case 'call':
      for (const a of t.args) refOutputs(a, safe, out);
      return;
    default:
      return;
  }
}

function termsOutputs(ts: RT[], safe: Set<number>): Set<number> {
  const out = new Set<number>();
  // Iterate: a ref head may become safe through another ref's output.
  for (let n = -1; n !== out.size; ) {
    n = out.size;
    for (const t of ts) refOutputs(t, safe, out);
  }
  return out;
}

/** OPA's unifier: which variables `a = b` binds given the safe set. */
class Unifier {
  readonly unified = new Set<number>();
  private readonly unknown = new Map<number, Set<number>>();

  constructor(private readonly safe: Set<number>) {}

  private isSafe(s: number): boolean {
    return this.safe.has(s) || this.unified.has(s);
  }

  private allSafe(t: RT): boolean {
    let ok = true;
    forEachVar(t, (s) => {
      if (!this.isSafe(s)) ok = false;
    });
    return ok;
  }

  private markSafe(s: number): void {
    if (this.unified.has(s)) return;
    this.unified.add(s);
    const deps = this.unknown.get(s);
    this.unknown.delete(s);
    if (deps) for (const d of deps) this.markSafe(d);
    for (const [v, ds] of [...this.unknown]) {
      if (ds.delete(s) && ds.size === 0) this.markSafe(v);
    }
  }

  /** Like OPA, object keys are never bound by unification: they must be bound already. */
  private markAllSafe(t: RT): void {
    forEachVarSkipKeys(t, (s) => this.markSafe(s));
  }

  private link(a: number, b: number): void {
    let x = this.unknown.get(a);
    if (!x) {
      x = new Set();
      this.unknown.set(a, x);
    }
    x.add(b);
  }

  private unifyAll(v: number, t: RT): void {
    if (this.isSafe(v)) this.markAllSafe(t);
    else if (this.allSafe(t)) this.markSafe(v);
    else
      forEachVarSkipKeys(t, (w) => {
        this.link(v, w);
        this.link(w, v);
      });
  }

  private evaluable(t: RT): boolean {
    switch (t.k) {
      case 'ref':
        return refHeadSafe(t.head, new Set([...this.safe, ...this.unified]));
      case 'call':
        return this.allSafe(t);
      case 'const':
      case 'arraycompr':
      case 'setcompr':
      case 'objectcompr':
      case 'set':
        return true;
      default:
        return false;
    }
  }

  unify(a: RT, b: RT): void {
    if (a.k === 'local') {
      if (b.k === 'local') {
        if (this.isSafe(b.slot)) this.markSafe(a.slot);
        else if (this.isSafe(a.slot)) this.markSafe(b.slot);
        else {
          this.link(a.slot, b.slot);
          this.link(b.slot, a.slot);
        }
      } else if (b.k === 'array' || b.k === 'object') this.unifyAll(a.slot, b);
      else if (b.k === 'ref' || b.k === 'call') {
        if (this.evaluable(b)) this.markSafe(a.slot);
      } else this.markSafe(a.slot);
      return;
    }
    if (b.k === 'local') {
      this.unify(b, a);
      return;
    }
    if (a.k === 'array' && b.k === 'array') {
      if (a.items.length === b.items.length)
        for (const [i, x] of a.items.entries()) this.unify(x, b.items[i] as RT);
      return;
    }
    if (a.k === 'array' && b.k === 'const') {
      if (Array.isArray(b.v) && b.v.length === a.items.length) this.markAllSafe(a);
      return;
    }
    if (b.k === 'array' && a.k === 'const') {
      this.unify(b, a);
      return;
    }
    if (a.k === 'object' && b.k === 'object') {
      if (a.entries.length === b.entries.length) {
        for (const [ka, va] of a.entries) {
          const m = b.entries.find(([kb]) => kb.k === 'const' && ka.k === 'const' && sameConst(ka, kb));
          if (m) this.unify(va, m[1]);
        }
      }
      return;
    }
    if (a.k === 'object' && b.k === 'const') {
      this.markAllSafe(a);
      return;
    }
    if (b.k === 'object' && a.k === 'const') {
      this.unify(b, a);
      return;
    }
    if ((a.k === 'array' || a.k === 'object') && this.evaluable(b)) {
      this.markAllSafe(a);
      return;
    }
    if ((b.k === 'array' || b.k === 'object') && this.evaluable(a)) this.markAllSafe(b);
  }
}

function forEachVarSkipKeys(t: RT, fn: (slot: number) => void): void {
  switch (t.k) {
    case 'local':
      fn(t.slot);
      return;
    case 'array':
    case 'set':
      for (const x of t.items) forEachVarSkipKeys(x, fn);
      return;
    case 'object':
      for (const [, b] of t.entries) forEachVarSkipKeys(b, fn);
      return;
    case 'ref':
      for (const p of t.path) forEachVarSkipKeys(p, fn);
      return;
    case 'call':
      for (const a of t.args) forEachVarSkipKeys(a, fn);
      return;
    default:
      return;
  }
}

function sameConst(a: RT, b: RT): boolean {
  return a.k === 'const' && b.k === 'const' && JSON.stringify(a.v) === JSON.stringify(b.v);
}

class BodyChecker {
  readonly errors: RegoErrorDetail[] = [];

  constructor(private readonly env: SafetyEnv) {}

  private name(slot: number): string {
    return this.env.names[slot] ?? '_';
  }

  /** What an expression binds, given the bound set; undefined when it cannot run yet. */
  private outputs(e: RExpr, bound: Set<number>): Set<number> | undefined {
    for (const w of e.with) {
      let ok = true;
      forEachVar(w.value, (s) => {
        if (!bound.has(s)) ok = false;
      });
      if (w.target.kind === 'input')
        for (const p of w.target.path)
          forEachVar(p, (s) => {
            if (!bound.has(s)) ok = false;
          });
      if (!ok) return undefined;
    }
    if (e.negated) return new Set();
    const b = e.e;
    switch (b.k) {
      case 'term':
        return termsOutputs([b.t], bound);
      case 'every':
        return termsOutputs([b.domain], bound);
      case 'somein': {
        const out = termsOutputs([b.domain], bound);
        if (b.key) varsOf(b.key, out);
        varsOf(b.value, out);
        return out;
      }
      case 'unify': {
        const out = termsOutputs([b.a, b.b], bound);
        const u = new Unifier(new Set([...bound, ...out]));
        u.unify(b.a, b.b);
        for (const s of u.unified) out.add(s);
        return out;
      }
      case 'call': {
        const arity = this.env.arity(b.fn);
        const inputs = arity >= 0 && b.args.length > arity ? b.args.slice(0, arity) : b.args;
        const out = termsOutputs(inputs, bound);
        if (arity >= 0 && b.args.length > arity) {
          for (const o of b.args.slice(arity)) varsOf(o, out);
        }
        return out;
      }
    }
  }

  /** Slots a closure inside e reads from this body (they must be bound before e). */
  private closureNeeds(e: RExpr, scope: number): Set<number> {
    const inner = new Set<number>();
    for (const t of exprTerms(e)) forEachClosure(t, (c) => allSlots(c, inner));
    for (const w of e.with) forEachClosure(w.value, (c) => allSlots(c, inner));
    if (e.e.k === 'every') bodySlots(e.e.body, inner);
    const out = new Set<number>();
    for (const s of inner) if (this.env.owner[s] === scope) out.add(s);
    return out;
  }

  private needs(e: RExpr): Set<number> {
    const out = new Set<number>();
    for (const t of exprTerms(e)) varsOf(t, out);
    return out;
  }

  /** Reorders body in place; bound is updated with everything the body binds. */
  check(body: RBody, bound: Set<number>): void {
    const remaining = [...body.exprs];
    const ordered: RExpr[] = [];
    let progress = true;
    while (remaining.length > 0 && progress) {
      progress = false;
      for (let i = 0; i < remaining.length; i++) {
        const e = remaining[i] as RExpr;
        const outs = this.outputs(e, bound);
        if (!outs) continue;
        let ready = true;
        for (const s of this.needs(e)) if (!bound.has(s) && !outs.has(s)) ready = false;
        for (const s of this.closureNeeds(e, body.scope)) if (!bound.has(s)) ready = false;
        if (!ready) continue;
        e.bound = new Set(bound);
        for (const s of outs) bound.add(s);
        ordered.push(e);
        remaining.splice(i, 1);
        i--;
        progress = true;
      }
    }
    for (const e of remaining) this.reportUnsafe(e, bound, body.scope);
    body.exprs = ordered;
    for (const e of ordered) this.checkClosures(e);
  }

  private reportUnsafe(e: RExpr, bound: Set<number>, scope: number): void {
    const seen = new Set<number>();
    const all = this.needs(e);
    for (const s of this.closureNeeds(e, scope)) all.add(s);
    for (const w of e.with) varsOf(w.value, all);
    for (const s of [...all].sort((a, b) => a - b)) {
      if (bound.has(s) || seen.has(s)) continue;
      seen.add(s);
      this.errors.push({
        code: 'rego_unsafe_var_error',
        message: `var ${this.name(s)} is unsafe`,
        location: e.loc,
      });
    }
    if (seen.size === 0) {
      this.errors.push({ code: 'rego_unsafe_var_error', message: 'expression is unsafe', location: e.loc });
    }
  }

  private checkClosures(e: RExpr): void {
    const bound = e.bound as Set<number>;
    const visit = (t: RT): void =>
      forEachClosure(t, (c) => {
        const inner = new Set(bound);
        this.check(c.body, inner);
        const heads = c.k === 'objectcompr' ? [c.key, c.value] : [c.head];
        this.checkHead(heads, inner, e);
        for (const h of heads) visit(h);
      });
    for (const t of exprTerms(e)) visit(t);
    for (const w of e.with) visit(w.value);
    if (e.e.k === 'every') {
      const inner = new Set(bound);
      for (const s of termsOutputs([e.e.domain], bound)) inner.add(s);
      if (e.e.key) varsOf(e.e.key, inner);
      varsOf(e.e.value, inner);
      this.check(e.e.body, inner);
    }
  }

  /** Head terms may iterate refs but must not read unbound variables. */
  checkHead(heads: RT[], bound: Set<number>, at: { loc: RExpr['loc'] }): void {
    const outs = termsOutputs(heads, bound);
    for (const h of heads) {
      const vs = varsOf(h);
      for (const s of vs) {
        if (bound.has(s) || outs.has(s)) continue;
        this.errors.push({
          code: 'rego_unsafe_var_error',
          message: `var ${this.name(s)} is unsafe`,
          location: at.loc,
        });
      }
    }
  }
}

function argSlots(args: RT[] | undefined): Set<number> {
  const out = new Set<number>();
  if (args) for (const a of args) varsOf(a, out);
  return out;
}

/** Checks and reorders one rule (and its else chain); throws on unsafe variables. */
export function checkRule(rule: RRule, env: SafetyEnv): void {
  const errors: RegoErrorDetail[] = [];
  for (let r: RRule | undefined = rule; r; r = r.else) {
    const c = new BodyChecker(env);
    const bound = argSlots(r.args);
    c.check(r.body, bound);
    const heads = [r.value, ...r.ref.filter((p): p is RT => typeof p !== 'string')];
    c.checkHead(heads, bound, { loc: r.loc });
    errors.push(...c.errors);
  }
  if (errors.length) throw new RegoError(dedupe(errors));
}

/** Checks and reorders a query body. */
export function checkQuery(body: RBody, env: SafetyEnv): void {
  const c = new BodyChecker(env);
  c.check(body, new Set());
  if (c.errors.length) throw new RegoError(dedupe(c.errors));
}

function dedupe(errors: RegoErrorDetail[]): RegoErrorDetail[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const k = `${e.message}@${e.location?.row}:${e.location?.col}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
