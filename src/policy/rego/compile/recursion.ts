/**
 * Rego forbids recursion. Each rule depends on the rule-tree nodes its
 * references can reach (a reference with a variable part reaches everything
 * below its ground prefix); a cycle in that graph is a rego_recursion_error,
 * reported as OPA does: "rule data.x.p is recursive: data.x.p -> data.x.p".
 */
import { RegoError } from '../errors.js';
import type { DocNode } from '../eval/tree.js';
import type { Value } from '../value/value.js';
import type { RBody, RExpr, RRule, RT } from './ir.js';
import type { Placement } from './tree-build.js';

/** A variable part of a reference (matches any key). */
const ANY = Symbol('any');
type PathPattern = (Value | typeof ANY)[];

function collectTerm(t: RT, out: (path: PathPattern) => void): void {
  switch (t.k) {
    case 'data':
      out([]);
      return;
    case 'ref': {
      if (t.head.k === 'data') {
        out(t.path.map((p) => (p.k === 'const' && (p.v === null || typeof p.v !== 'object') ? p.v : ANY)));
      } else collectTerm(t.head, out);
      for (const p of t.path) collectTerm(p, out);
      return;
    }
    case 'array':
    case 'set':
      for (const x of t.items) collectTerm(x, out);
      return;
    case 'object':
      for (const [a, b] of t.entries) {
        collectTerm(a, out);
        collectTerm(b, out);
      }
      return;
    case 'call':
      if (t.fn.kind === 'func') out(t.fn.path);
      for (const a of t.args) collectTerm(a, out);
      return;
    case 'arraycompr':
    case 'setcompr':
      collectTerm(t.head, out);
      collectBody(t.body, out);
      return;
    case 'objectcompr':
      collectTerm(t.key, out);
      collectTerm(t.value, out);
      collectBody(t.body, out);
      return;
    default:
      return;
  }
}

function collectExpr(e: RExpr, out: (path: PathPattern) => void): void {
  const b = e.e;
  switch (b.k) {
    case 'term':
      collectTerm(b.t, out);
      break;
    case 'call':
      if (b.fn.kind === 'func') out(b.fn.path);
      for (const a of b.args) collectTerm(a, out);
      break;
    case 'unify':
      collectTerm(b.a, out);
      collectTerm(b.b, out);
      break;
    case 'somein':
      collectTerm(b.domain, out);
      break;
    case 'every':
      collectTerm(b.domain, out);
      collectBody(b.body, out);
      break;
  }
  for (const w of e.with) {
    collectTerm(w.value, out);
    if (w.valueFn?.kind === 'func') out(w.valueFn.path);
  }
}

function collectBody(b: RBody, out: (path: PathPattern) => void): void {
  for (const e of b.exprs) collectExpr(e, out);
}

function collectRule(r: RRule, out: (path: PathPattern) => void): void {
  for (let cur: RRule | undefined = r; cur; cur = cur.else) {
    collectBody(cur.body, out);
    collectTerm(cur.value, out);
    for (const p of cur.ref) if (typeof p !== 'string') collectTerm(p, out);
    for (const a of cur.args ?? []) collectTerm(a, out);
  }
}

/**
 * Nodes with rules a reference can read: the first rule node on its path, or
 * every rule node below its end. A variable part matches any child.
 */
function reach(node: DocNode, path: PathPattern, i: number, out: DocNode[]): void {
  if (node.planned) {
    out.push(node);
    return;
  }
  if (i === path.length) {
    for (const c of node.children.values()) reach(c, path, i, out);
    return;
  }
  const el = path[i] as Value | typeof ANY;
  if (el === ANY) {
    for (const c of node.children.values()) reach(c, path, i + 1, out);
    return;
  }
  const c = node.child(el);
  if (c) reach(c, path, i + 1, out);
}

export function checkRecursion(root: DocNode, placements: Placement[]): void {
  const deps = new Map<DocNode, Set<DocNode>>();
  const locOf = new Map<DocNode, RRule['loc']>();
  for (const { rule, node } of placements) {
    let d = deps.get(node);
    if (!d) {
      d = new Set();
      deps.set(node, d);
    }
    if (!locOf.has(node)) locOf.set(node, rule.loc);
    const set = d;
    collectRule(rule, (path) => {
      const found: DocNode[] = [];
      reach(root, path, 0, found);
      for (const n of found) set.add(n);
    });
  }
  const state = new Map<DocNode, 1 | 2>();
  const stack: DocNode[] = [];
  const visit = (n: DocNode): void => {
    const s = state.get(n);
    if (s === 2) return;
    if (s === 1) {
      const cycle = stack.slice(stack.indexOf(n)).concat(n);
      throw RegoError.one(
        'rego_recursion_error',
        `rule ${n.name} is recursive: ${cycle.map((c) => c.name).join(' -> ')}`,
        locOf.get(n),
      );
    }
    state.set(n, 1);
    stack.push(n);
    for (const m of deps.get(n) ?? []) visit(m);
    stack.pop();
    state.set(n, 2);
  };
  for (const n of deps.keys()) visit(n);
}
