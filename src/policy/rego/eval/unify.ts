/**
 * Unification at run time. A term is a pattern while it holds unbound
 * variables in binding positions; matching a value against a pattern binds
 * them (and unbinds on the way back). `[x, 1] = [2, y]` unifies pairwise,
 * taking first whichever pair is already decidable.
 */
import { equals, RObject, type Value } from '../value/value.js';
import type { Ctx } from './ctx.js';
import type { CTerm, Frame, K } from './types.js';

export function unbound(t: CTerm, f: Frame): boolean {
  const p = t.pvars;
  for (let i = 0; i < p.length; i++) if (f[p[i] as number] === undefined) return true;
  return false;
}

/** Matches v against the pattern t, calling k for each way it matches. */
export function match(ctx: Ctx, f: Frame, t: CTerm, v: Value, k: K): boolean {
  switch (t.shape) {
    case 'var': {
      const cur = f[t.slot];
      if (cur === undefined) {
        f[t.slot] = v;
        const r = k();
        f[t.slot] = undefined;
        return r;
      }
      return equals(cur, v) && k();
    }
    case 'const':
      return equals(t.value, v) && k();
    case 'array': {
      if (!Array.isArray(v) || v.length !== t.items.length) return false;
      return matchItems(ctx, f, t.items, v, 0, k);
    }
    case 'object': {
      if (!(v instanceof RObject) || v.size !== t.entries.length) return false;
      return matchEntries(ctx, f, t.entries, v, 0, k);
    }
    default:
      return t.gen(ctx, f, (w) => equals(w, v) && k());
  }
}

function matchItems(ctx: Ctx, f: Frame, items: CTerm[], v: Value[], i: number, k: K): boolean {
  if (i === items.length) return k();
  return match(ctx, f, items[i] as CTerm, v[i] as Value, () => matchItems(ctx, f, items, v, i + 1, k));
}

function matchEntries(ctx: Ctx, f: Frame, entries: [CTerm, CTerm][], v: RObject, i: number, k: K): boolean {
  if (i === entries.length) return k();
  const [kt, vt] = entries[i] as [CTerm, CTerm];
  return kt.gen(ctx, f, (key) => {
    const sub = v.get(key);
    if (sub === undefined) return false;
    return match(ctx, f, vt, sub, () => matchEntries(ctx, f, entries, v, i + 1, k));
  });
}

/** a = b. */
export function unify(ctx: Ctx, f: Frame, a: CTerm, b: CTerm, k: K): boolean {
  const ua = unbound(a, f);
  const ub = unbound(b, f);
  if (!ua && !ub) {
    if (a.get !== null && b.get !== null) {
      const va = a.get(ctx, f);
      if (va === undefined) return false;
      const vb = b.get(ctx, f);
      return vb !== undefined && equals(va, vb) && k();
    }
    return a.gen(ctx, f, (va) => b.gen(ctx, f, (vb) => equals(va, vb) && k()));
  }
  if (ua && !ub) return b.gen(ctx, f, (vb) => match(ctx, f, a, vb, k));
  if (ub && !ua) return a.gen(ctx, f, (va) => match(ctx, f, b, va, k));
  if (a.shape === 'array' && b.shape === 'array') {
    if (a.items.length !== b.items.length) return false;
    return unifyPairs(
      ctx,
      f,
      a.items.map((x, i) => [x, b.items[i] as CTerm]),
      k,
    );
  }
  if (a.shape === 'object' && b.shape === 'object') {
    if (a.entries.length !== b.entries.length) return false;
    const pairs: [CTerm, CTerm][] = [];
    for (const [ka, va] of a.entries) {
      const kv = ka.get?.(ctx, f);
      if (kv === undefined) return false;
      const m = b.entries.find(([kb]) => {
        const w = kb.get?.(ctx, f);
        return w !== undefined && equals(w, kv);
      });
      if (!m) return false;
      pairs.push([va, m[1]]);
    }
    return unifyPairs(ctx, f, pairs, k);
  }
  // Both sides unbound and not matching composites: unsafe, rejected at compile time.
  return false;
}

function unifyPairs(ctx: Ctx, f: Frame, pairs: [CTerm, CTerm][], k: K): boolean {
  if (pairs.length === 0) return k();
  for (let i = 0; i < pairs.length; i++) {
    const [x, y] = pairs[i] as [CTerm, CTerm];
    const decidable = !unbound(x, f) || !unbound(y, f) || (x.shape === y.shape && x.shape !== 'var');
    if (!decidable) continue;
    const rest = pairs.slice(0, i).concat(pairs.slice(i + 1));
    return unify(ctx, f, x, y, () => unifyPairs(ctx, f, rest, k));
  }
  return false;
}
