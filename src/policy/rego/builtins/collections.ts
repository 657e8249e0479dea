/** Array, set and object builtins (array.*, intersection/union, object.*). */
import { index } from '../eval/collections.js';
import { equals, RObject, RSet, type Value } from '../value/value.js';
import { arr, type BuiltinDef, def, int, obj, operandError, set } from './types.js';

/** Keys named by an array, set or object (object.remove, object.filter). */
function keyList(v: Value, pos: number): Value[] {
  if (Array.isArray(v)) return v;
  if (v instanceof RSet) return v.sorted();
  if (v instanceof RObject) return v.keys();
  throw operandError(pos, 'one of {object, set, array}', v);
}

export function union(a: RObject, b: RObject): RObject {
  const out = new RObject();
  a.forEachUnordered((k, v) => out.set(k, v));
  b.forEachUnordered((k, v) => {
    const prev = out.get(k);
    out.set(k, prev instanceof RObject && v instanceof RObject ? union(prev, v) : v);
  });
  return out;
}

function subset(sup: Value, sub: Value): boolean {
  if (sup instanceof RObject && sub instanceof RObject) {
    for (const k of sub.keys()) {
      const a = sup.get(k);
      if (a === undefined || !subset(a, sub.get(k) as Value)) return false;
    }
    return true;
  }
  if (sup instanceof RSet && sub instanceof RSet) {
    let ok = true;
    sub.forEachUnordered((e) => {
      if (!sup.has(e)) ok = false;
    });
    return ok;
  }
  if (Array.isArray(sup) && Array.isArray(sub)) {
    // sub must appear in sup as a contiguous run.
    if (sub.length === 0) return true;
    outer: for (let i = 0; i + sub.length <= sup.length; i++) {
      for (let j = 0; j < sub.length; j++) if (!equals(sup[i + j] as Value, sub[j] as Value)) continue outer;
      return true;
    }
    return false;
  }
  if (Array.isArray(sup) && sub instanceof RSet) {
    let ok = true;
    sub.forEachUnordered((e) => {
      if (!sup.some((x) => equals(x, e))) ok = false;
    });
    return ok;
  }
  return equals(sup, sub);
}

function flatten(a: Value[]): Value[] {
  const out: Value[] = [];
  for (const x of a) {
    if (Array.isArray(x)) out.push(...x);
    else out.push(x);
  }
  return out;
}

export const COLLECTIONS: BuiltinDef[] = [
  def('array.concat', 2, (a) => [...arr(a, 0), ...arr(a, 1)]),
  def('array.slice', 3, (a) => {
    const xs = arr(a, 0);
    let start = int(a, 1);
    let stop = int(a, 2);
    if (start < 0) start = 0;
    if (stop > xs.length) stop = xs.length;
    if (start >= stop) return [];
    return xs.slice(start, stop);
  }),
  def('array.reverse', 1, (a) => arr(a, 0).slice().reverse()),
  def('array.flatten', 1, (a) => flatten(arr(a, 0))),
  def('intersection', 1, (a) => {
    const sets = set(a, 0).sorted();
    if (sets.length === 0) return new RSet();
    for (const s of sets) if (!(s instanceof RSet)) throw operandError(1, 'set of sets', s);
    const [first, ...rest] = sets as RSet[];
    const out = new RSet();
    (first as RSet).forEachUnordered((e) => {
      if (rest.every((s) => s.has(e))) out.add(e);
    });
    return out;
  }),
  def('union', 1, (a) => {
    const out = new RSet();
    for (const s of set(a, 0).sorted()) {
      if (!(s instanceof RSet)) throw operandError(1, 'set of sets', s);
      s.forEachUnordered((e) => out.add(e));
    }
    return out;
  }),
  def(
    'set_diff',
    2,
    (a) => {
      const x = set(a, 0);
      const y = set(a, 1);
      const out = new RSet();
      x.forEachUnordered((e) => {
        if (!y.has(e)) out.add(e);
      });
      return out;
    },
    { deprecated: true },
  ),
  def('object.get', 3, (a) => {
    const o = obj(a, 0);
    const key = a[1] as Value;
    const dflt = a[2] as Value;
    if (Array.isArray(key)) {
      let cur: Value | undefined = o;
      for (const k of key) {
        cur =
          cur instanceof RObject
            ? cur.get(k)
            : cur !== undefined && typeof cur === 'object'
              ? index(cur, k)
              : undefined;
        if (cur === undefined) return dflt;
      }
      return cur;
    }
    return o.get(key) ?? dflt;
  }),
  def('object.keys', 1, (a) => RSet.of(obj(a, 0).keys())),
  def('object.remove', 2, (a) => {
    const o = obj(a, 0);
    const drop = RSet.of(keyList(a[1] as Value, 2));
    const out = new RObject();
    o.forEachUnordered((k, v) => {
      if (!drop.has(k)) out.set(k, v);
    });
    return out;
  }),
  def('object.filter', 2, (a) => {
    const o = obj(a, 0);
    const out = new RObject();
    for (const k of keyList(a[1] as Value, 2)) {
      const v = o.get(k);
      if (v !== undefined) out.set(k, v);
    }
    return out;
  }),
  def('object.union', 2, (a) => union(obj(a, 0), obj(a, 1))),
  def('object.union_n', 1, (a) => {
    let out = new RObject();
    for (const [i, x] of arr(a, 0).entries()) {
      if (!(x instanceof RObject)) throw operandError(1, 'array of objects', x);
      out = i === 0 ? union(new RObject(), x) : union(out, x);
    }
    return out;
  }),
  def('object.subset', 2, (a) => {
    const sup = a[0] as Value;
    const sub = a[1] as Value;
    const kinds = (v: Value) => v instanceof RObject || v instanceof RSet || Array.isArray(v);
    if (!kinds(sup)) throw operandError(1, 'one of {object, set, array}', sup);
    if (!kinds(sub)) throw operandError(2, 'one of {object, set, array}', sub);
    return subset(sup, sub);
  }),
];
