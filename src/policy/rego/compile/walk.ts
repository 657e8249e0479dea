/** Walks over resolved terms and expressions: variables, closures, calls. */
import type { RBody, RExpr, RT } from './ir.js';

/** Calls fn for each variable slot in t, not looking inside closures. */
export function forEachVar(t: RT, fn: (slot: number) => void): void {
  switch (t.k) {
    case 'local':
      fn(t.slot);
      return;
    case 'ref':
      forEachVar(t.head, fn);
      for (const p of t.path) forEachVar(p, fn);
      return;
    case 'array':
    case 'set':
      for (const x of t.items) forEachVar(x, fn);
      return;
    case 'object':
      for (const [a, b] of t.entries) {
        forEachVar(a, fn);
        forEachVar(b, fn);
      }
      return;
    case 'call':
      for (const a of t.args) forEachVar(a, fn);
      return;
    default:
      return;
  }
}

export function varsOf(t: RT, out = new Set<number>()): Set<number> {
  forEachVar(t, (s) => out.add(s));
  return out;
}

/** Every slot mentioned anywhere in a closure (comprehension or every body), recursively. */
export function allSlots(t: RT, out: Set<number>): void {
  switch (t.k) {
    case 'local':
      out.add(t.slot);
      return;
    case 'ref':
      allSlots(t.head, out);
      for (const p of t.path) allSlots(p, out);
      return;
    case 'array':
    case 'set':
      for (const x of t.items) allSlots(x, out);
      return;
    case 'object':
      for (const [a, b] of t.entries) {
        allSlots(a, out);
        allSlots(b, out);
      }
      return;
    case 'call':
      for (const a of t.args) allSlots(a, out);
      return;
    case 'arraycompr':
    case 'setcompr':
      allSlots(t.head, out);
      bodySlots(t.body, out);
      return;
    case 'objectcompr':
      allSlots(t.key, out);
      allSlots(t.value, out);
      bodySlots(t.body, out);
      return;
    default:
      return;
  }
}

export function bodySlots(b: RBody, out: Set<number>): void {
  for (const e of b.exprs) exprSlots(e, out);
}

export function exprSlots(e: RExpr, out: Set<number>): void {
  for (const t of exprTerms(e)) allSlots(t, out);
  if (e.e.k === 'every') {
    if (e.e.key) allSlots(e.e.key, out);
    allSlots(e.e.value, out);
    bodySlots(e.e.body, out);
  }
  for (const w of e.with) {
    allSlots(w.value, out);
    if (w.target.kind === 'input') for (const p of w.target.path) allSlots(p, out);
  }
}

/** The top-level terms of an expression (not closure bodies). */
export function exprTerms(e: RExpr): RT[] {
  const b = e.e;
  switch (b.k) {
    case 'term':
      return [b.t];
    case 'call':
      return b.args;
    case 'unify':
      return [b.a, b.b];
    case 'somein':
      return b.key ? [b.key, b.value, b.domain] : [b.value, b.domain];
    case 'every':
      return [b.domain];
  }
}

/** Calls fn for each closure (comprehension term) directly inside t. */
export function forEachClosure(t: RT, fn: (c: Extract<RT, { body: RBody }>) => void): void {
  switch (t.k) {
    case 'arraycompr':
    case 'setcompr':
    case 'objectcompr':
      fn(t);
      return;
    case 'ref':
      forEachClosure(t.head, fn);
      for (const p of t.path) forEachClosure(p, fn);
      return;
    case 'array':
    case 'set':
      for (const x of t.items) forEachClosure(x, fn);
      return;
    case 'object':
      for (const [a, b] of t.entries) {
        forEachClosure(a, fn);
        forEachClosure(b, fn);
      }
      return;
    case 'call':
      for (const a of t.args) forEachClosure(a, fn);
      return;
    default:
      return;
  }
}
