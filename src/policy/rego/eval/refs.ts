/**
 * Reference evaluation. A path element that is an unbound variable (or a
 * pattern) iterates the collection and binds; anything else is a lookup, and a
 * failed lookup makes the whole reference undefined. Under `data` the walk
 * goes through the rule tree, evaluating rules where it meets them, and falls
 * through to base data where the tree ends.
 */
import { compare, equals, RObject, type Value } from '../value/value.js';
import { index, indexBase, iterate } from './collections.js';
import type { Ctx } from './ctx.js';
import { evalNode } from './docs.js';
import { type DocNode, nodeKey } from './tree.js';
import type { CTerm, Frame, VK } from './types.js';
import { match, unbound } from './unify.js';

/** Walks path[i..] from the value v (a base document when `base`, see indexBase). */
export function walkValue(
  ctx: Ctx,
  f: Frame,
  v: Value,
  path: CTerm[],
  i: number,
  k: VK,
  base = false,
): boolean {
  const at = base ? indexBase : index;
  let cur = v;
  for (; i < path.length; i++) {
    const el = path[i] as CTerm;
    if (el.shape === 'const') {
      const next = at(cur, el.value);
      if (next === undefined) return false;
      cur = next;
      continue;
    }
    if (el.shape === 'var') {
      const b = f[el.slot];
      if (b !== undefined) {
        const next = at(cur, b);
        if (next === undefined) return false;
        cur = next;
        continue;
      }
      const slot = el.slot;
      const j = i + 1;
      return iterate(ctx, cur, (key, val) => {
        f[slot] = key;
        const r = walkValue(ctx, f, val, path, j, k, base);
        f[slot] = undefined;
        return r;
      });
    }
    const j = i + 1;
    const from = cur;
    if (unbound(el, f)) {
      return iterate(ctx, from, (key, val) =>
        match(ctx, f, el, key, () => walkValue(ctx, f, val, path, j, k, base)),
      );
    }
    return el.gen(ctx, f, (key) => {
      const next = at(from, key);
      return next !== undefined && walkValue(ctx, f, next, path, j, k, base);
    });
  }
  return k(cur);
}

/** Keys under a node: its children and the base data there, in OPA's order. */
function nodeKeys(node: DocNode, base: Value | undefined): Value[] {
  const keys = new Map<string, Value>();
  for (const [k, c] of node.children) keys.set(k, c.key);
  if (base instanceof RObject) {
    for (const k of base.keys()) {
      const nk = nodeKey(k);
      if (!keys.has(nk)) keys.set(nk, k);
    }
  }
  return [...keys.values()].sort(compare);
}

/** Walks data[path[i..]] from a rule-tree node (undefined node: base data only). */
export function walkData(
  ctx: Ctx,
  f: Frame,
  node: DocNode | undefined,
  base: Value | undefined,
  path: CTerm[],
  i: number,
  k: VK,
): boolean {
  let n = node;
  let b = base;
  for (;;) {
    if (n === undefined) return b !== undefined && walkValue(ctx, f, b, path, i, k, true);
    if (n.hasOwnRules || i === path.length) {
      const v = evalNode(ctx, n);
      return v !== undefined && walkValue(ctx, f, v, path, i, k);
    }
    const el = path[i] as CTerm;
    let key: Value | undefined;
    if (el.shape === 'const') key = el.value;
    else if (el.shape === 'var') key = f[el.slot];
    else if (!unbound(el, f) && el.get !== null) {
      key = el.get(ctx, f);
      if (key === undefined) return false;
    }
    if (key !== undefined) {
      n = n.child(key);
      b = b === undefined ? undefined : indexBase(b, key);
      if (n === undefined && b === undefined) return false;
      i++;
      continue;
    }
    const from = n;
    const fromBase = b;
    const j = i + 1;
    const sorted = nodeKeys(from, fromBase);
    for (const kv of sorted) {
      ctx.tick();
      const sub = (): boolean =>
        walkData(
          ctx,
          f,
          from.child(kv),
          fromBase === undefined ? undefined : index(fromBase, kv),
          path,
          j,
          k,
        );
      const stop =
        el.shape === 'var'
          ? bindAndRun(f, el.slot, kv, sub)
          : unbound(el, f)
            ? match(ctx, f, el, kv, sub)
            : el.gen(ctx, f, (w) => equals(w, kv) && sub());
      if (stop) return true;
    }
    return false;
  }
}

function bindAndRun(f: Frame, slot: number, v: Value, k: () => boolean): boolean {
  f[slot] = v;
  const r = k();
  f[slot] = undefined;
  return r;
}

/** data at a ground path from the root, honouring `with` overrides. */
export function dataAt(ctx: Ctx, path: Value[]): Value | undefined {
  let out: Value | undefined;
  walkData(
    ctx,
    [],
    ctx.root,
    ctx.data,
    path.map((p) => constTerm(p)),
    0,
    (v) => {
      out = v;
      return true;
    },
  );
  return out;
}

function constTerm(v: Value): CTerm {
  return {
    gen: (_c, _f, k) => k(v),
    get: () => v,
    pvars: [],
    shape: 'const',
    slot: -1,
    items: [],
    entries: [],
    value: v,
  };
}
