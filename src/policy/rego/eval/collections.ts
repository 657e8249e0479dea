/** Indexing, iteration and copy-on-write updates over Rego collections. */
import { formatNumber } from '../value/number.js';
import { RObject, RSet, type Value } from '../value/value.js';
import type { Ctx } from './ctx.js';

/** `v[key]`: array index, object member or set membership; undefined otherwise. */
export function index(v: Value | undefined, key: Value): Value | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  if (Array.isArray(v)) {
    if (typeof key !== 'number' || !Number.isInteger(key) || key < 0) return undefined;
    return v[key];
  }
  if (v instanceof RObject) return v.get(key);
  return (v as RSet).find(key);
}

/**
 * Indexing into base documents: OPA's storage paths are strings, so a number
 * key reads the member named by its decimal text (`data.x[1]` reads "1").
 */
export function indexBase(v: Value | undefined, key: Value): Value | undefined {
  if (v instanceof RObject && (typeof key === 'number' || typeof key === 'bigint')) {
    return v.get(key) ?? v.get(formatNumber(key));
  }
  return index(v, key);
}

/** Calls fn(key, value) for each member in OPA's order; true from fn stops. */
export function iterate(ctx: Ctx, v: Value | undefined, fn: (k: Value, v: Value) => boolean): boolean {
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      ctx.tick();
      if (fn(i, v[i] as Value)) return true;
    }
    return false;
  }
  if (v instanceof RObject) {
    const keys = v.keys();
    for (let i = 0; i < keys.length; i++) {
      ctx.tick();
      const k = keys[i] as Value;
      if (fn(k, v.get(k) as Value)) return true;
    }
    return false;
  }
  const els = (v as RSet).sorted();
  for (let i = 0; i < els.length; i++) {
    ctx.tick();
    const e = els[i] as Value;
    if (fn(e, e)) return true;
  }
  return false;
}

export function isCollection(v: Value | undefined): boolean {
  return v !== null && typeof v === 'object';
}

/** A copy of `root` with `value` at `path`, creating objects on the way (for `with`). */
export function setPath(root: Value | undefined, path: Value[], value: Value): Value {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [Value, ...Value[]];
  if (
    Array.isArray(root) &&
    typeof head === 'number' &&
    Number.isInteger(head) &&
    head >= 0 &&
    head < root.length
  ) {
    const copy = root.slice();
    copy[head] = setPath(root[head], rest, value);
    return copy;
  }
  const out = new RObject();
  if (root instanceof RObject) root.forEachUnordered((k, v) => out.set(k, v));
  out.set(head, setPath(root instanceof RObject ? root.get(head) : undefined, rest, value));
  return out;
}

/** Value at a path inside a value, or undefined. */
export function getPath(v: Value | undefined, path: readonly Value[]): Value | undefined {
  let cur = v;
  for (const p of path) {
    cur = index(cur, p);
    if (cur === undefined) return undefined;
  }
  return cur;
}

export function emptySet(): RSet {
  return new RSet();
}
