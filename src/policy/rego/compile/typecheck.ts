/**
 * The part of OPA's type checker that Edgewise implements: unifying literals
 * whose shapes can never match (`[a, b] = [1]`, `{"a": x} = {"b": 1}`, `some
 * [x, y] in [[1, 2, 3]]`) is a rego_type_error ("match error") at compile
 * time rather than a silently undefined expression.
 */
import { RegoError, type RegoErrorDetail } from '../errors.js';
import { RObject, RSet, type Value } from '../value/value.js';
import type { RBody, RExpr, RRule, RT } from './ir.js';
import { forEachClosure } from './walk.js';

type Shape = { kind: 'array'; len: number } | { kind: 'object'; keys: string[] | undefined } | undefined;

function shapeOf(t: RT): Shape {
  if (t.k === 'array') return { kind: 'array', len: t.items.length };
  if (t.k === 'object') {
    const keys = t.entries.every(([k]) => k.k === 'const' && typeof k.v === 'string')
      ? t.entries.map(([k]) => (k as { v: string }).v).sort()
      : undefined;
    return { kind: 'object', keys };
  }
  if (t.k === 'const') return valueShape(t.v);
  return undefined;
}

function valueShape(v: Value): Shape {
  if (Array.isArray(v)) return { kind: 'array', len: v.length };
  if (v instanceof RObject) {
    const ks = v.keys();
    return {
      kind: 'object',
      keys: ks.every((k) => typeof k === 'string') ? (ks as string[]).slice().sort() : undefined,
    };
  }
  return undefined;
}

function mismatch(a: Shape, b: Shape): boolean {
  if (!a || !b) return false;
  if (a.kind !== b.kind) return true;
  if (a.kind === 'array' && b.kind === 'array') return a.len !== b.len;
  if (a.kind === 'object' && b.kind === 'object' && a.keys && b.keys) {
    return a.keys.length !== b.keys.length || a.keys.some((k, i) => k !== b.keys?.[i]);
  }
  return false;
}

function elements(t: RT): Value[] | undefined {
  if (t.k !== 'const') return undefined;
  if (Array.isArray(t.v)) return t.v;
  if (t.v instanceof RSet) return t.v.sorted();
  return undefined;
}

function checkExpr(e: RExpr, errors: RegoErrorDetail[]): void {
  const b = e.e;
  if (b.k === 'unify' && mismatch(shapeOf(b.a), shapeOf(b.b))) {
    errors.push({
      code: 'rego_type_error',
      message: 'match error: the two sides can never unify',
      location: e.loc,
    });
  }
  if (b.k === 'somein') {
    const els = elements(b.domain);
    const want = shapeOf(b.value);
    if (els && els.length > 0 && want && els.every((x) => mismatch(want, valueShape(x)))) {
      errors.push({
        code: 'rego_type_error',
        message: 'match error: no member of the collection can match',
        location: e.loc,
      });
    }
  }
  if (b.k === 'every') checkBody(b.body, errors);
  const terms: RT[] =
    b.k === 'term' ? [b.t] : b.k === 'call' ? b.args : b.k === 'unify' ? [b.a, b.b] : [b.domain];
  for (const t of terms) {
    forEachClosure(t, (c) => checkBody(c.body, errors));
  }
}

function checkBody(body: RBody, errors: RegoErrorDetail[]): void {
  for (const e of body.exprs) checkExpr(e, errors);
}

export function typecheckRule(rule: RRule): void {
  const errors: RegoErrorDetail[] = [];
  for (let r: RRule | undefined = rule; r; r = r.else) checkBody(r.body, errors);
  if (errors.length) throw new RegoError(errors);
}
