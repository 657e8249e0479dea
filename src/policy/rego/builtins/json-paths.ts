/**
 * json.filter, json.remove and json.patch. Paths are "a/b/c" strings or
 * arrays of keys; under an array a key is the index written as a string, under
 * a set it is the element itself.
 */
import { equals, RObject, RSet, type Value } from '../value/value.js';
import { type BuiltinDef, BuiltinError, def, operandError } from './types.js';

/** A path trie: a leaf (null) keeps or removes the whole subtree. */
type Trie = RObject | null;

function segments(p: Value, pos: number): Value[] {
  if (typeof p === 'string') {
    const s = p.replace(/^\//, '');
    return s === '' ? [] : s.split('/').map((x) => x.replace(/~1/g, '/').replace(/~0/g, '~'));
  }
  if (Array.isArray(p)) return p;
  throw operandError(pos, 'set or array of strings or arrays', p);
}

function buildTrie(paths: Value, pos: number): RObject {
  const list = Array.isArray(paths) ? paths : paths instanceof RSet ? paths.sorted() : null;
  if (list === null) throw operandError(pos, 'one of {set, array}', paths);
  const root = new RObject();
  for (const p of list) {
    const segs = segments(p, pos);
    let node: RObject = root;
    segs.forEach((s, i) => {
      const last = i === segs.length - 1;
      const cur = node.get(s);
      if (last) {
        node.set(s, null);
        return;
      }
      if (cur === null) return; // a shorter path already covers this one
      if (cur instanceof RObject) node = cur;
      else {
        const n = new RObject();
        node.set(s, n);
        node = n;
      }
    });
  }
  return root;
}

function childTrie(t: RObject, key: Value): Trie | undefined {
  const v = t.get(key);
  return v === undefined ? undefined : (v as Trie);
}

function filter(v: Value, t: Trie): Value {
  if (t === null) return v;
  if (v instanceof RObject) {
    const out = new RObject();
    for (const k of v.keys()) {
      const sub = childTrie(t, k);
      if (sub !== undefined) out.set(k, filter(v.get(k) as Value, sub));
    }
    return out;
  }
  if (Array.isArray(v)) {
    const out: Value[] = [];
    v.forEach((x, i) => {
      const sub = childTrie(t, String(i));
      if (sub !== undefined) out.push(filter(x, sub));
    });
    return out;
  }
  if (v instanceof RSet) {
    const out = new RSet();
    for (const e of v.sorted()) {
      const sub = childTrie(t, e);
      if (sub !== undefined) out.add(filter(e, sub));
    }
    return out;
  }
  return v;
}

function remove(v: Value, t: Trie): Value | undefined {
  if (t === null) return undefined;
  if (v instanceof RObject) {
    const out = new RObject();
    for (const k of v.keys()) {
      const sub = childTrie(t, k);
      const x = v.get(k) as Value;
      const kept = sub === undefined ? x : remove(x, sub);
      if (kept !== undefined) out.set(k, kept);
    }
    return out;
  }
  if (Array.isArray(v)) {
    const out: Value[] = [];
    v.forEach((x, i) => {
      const sub = childTrie(t, String(i));
      const kept = sub === undefined ? x : remove(x, sub);
      if (kept !== undefined) out.push(kept);
    });
    return out;
  }
  if (v instanceof RSet) {
    const out = new RSet();
    for (const e of v.sorted()) {
      const sub = childTrie(t, e);
      const kept = sub === undefined ? e : remove(e, sub);
      if (kept !== undefined) out.add(kept);
    }
    return out;
  }
  return v;
}

function patchPath(p: Value): Value[] {
  if (typeof p !== 'string' && !Array.isArray(p))
    throw new BuiltinError('patch path must be a string or array');
  return segments(p, 2);
}

function resolveKey(container: Value, key: Value, forAdd: boolean): Value {
  if (Array.isArray(container)) {
    if (key === '-' && forAdd) return container.length;
    const n = typeof key === 'number' ? key : Number(key);
    if (!Number.isInteger(n) || n < 0 || n > container.length || (!forAdd && n === container.length)) {
      throw new BuiltinError(`invalid array index ${String(key)}`);
    }
    return n;
  }
  return key;
}

function getAt(v: Value, path: Value[]): Value {
  let cur = v;
  for (const k of path) {
    let next: Value | undefined;
    if (cur instanceof RObject) next = cur.get(k);
    else if (Array.isArray(cur)) next = cur[resolveKey(cur, k, false) as number];
    else if (cur instanceof RSet) next = cur.has(k) ? k : undefined;
    if (next === undefined) throw new BuiltinError(`path not found: ${path.map(String).join('/')}`);
    cur = next;
  }
  return cur;
}

/** Copy of v with `fn` applied to the container at path's parent. */
function update(v: Value, path: Value[], fn: (parent: Value, key: Value) => Value): Value {
  if (path.length === 0) throw new BuiltinError('cannot patch the document root this way');
  const [k, ...rest] = path as [Value, ...Value[]];
  if (rest.length === 0) return fn(v, k);
  if (v instanceof RObject) {
    const child = v.get(k);
    if (child === undefined) throw new BuiltinError('path not found');
    const out = new RObject();
    v.forEachUnordered((a, b) => out.set(a, b));
    out.set(k, update(child, rest, fn));
    return out;
  }
  if (Array.isArray(v)) {
    const i = resolveKey(v, k, false) as number;
    const out = v.slice();
    out[i] = update(v[i] as Value, rest, fn);
    return out;
  }
  throw new BuiltinError('path not found');
}

function addAt(doc: Value, path: Value[], value: Value): Value {
  if (path.length === 0) return value;
  return update(doc, path, (parent, key) => {
    if (parent instanceof RObject) {
      const out = new RObject();
      parent.forEachUnordered((a, b) => out.set(a, b));
      out.set(key, value);
      return out;
    }
    if (Array.isArray(parent)) {
      const i = resolveKey(parent, key, true) as number;
      return [...parent.slice(0, i), value, ...parent.slice(i)];
    }
    if (parent instanceof RSet) {
      const out = RSet.of(parent.sorted());
      out.add(value);
      return out;
    }
    throw new BuiltinError('path not found');
  });
}

function removeAt(doc: Value, path: Value[]): Value {
  return update(doc, path, (parent, key) => {
    if (parent instanceof RObject) {
      if (!parent.has(key)) throw new BuiltinError('path not found');
      const out = new RObject();
      parent.forEachUnordered((a, b) => out.set(a, b));
      out.delete(key);
      return out;
    }
    if (Array.isArray(parent)) {
      const i = resolveKey(parent, key, false) as number;
      return [...parent.slice(0, i), ...parent.slice(i + 1)];
    }
    if (parent instanceof RSet) {
      const out = new RSet();
      parent.forEachUnordered((e) => {
        if (!equals(e, key)) out.add(e);
      });
      return out;
    }
    throw new BuiltinError('path not found');
  });
}

function applyPatch(doc: Value, op: Value): Value {
  if (!(op instanceof RObject)) throw new BuiltinError('patch must be an object');
  const kind = op.get('op');
  const path = patchPath(op.get('path') ?? '');
  switch (kind) {
    case 'add':
      return addAt(doc, path, op.get('value') ?? null);
    case 'remove':
      return removeAt(doc, path);
    case 'replace':
      return addAt(removeAt(doc, path), path, op.get('value') ?? null);
    case 'move': {
      const from = patchPath(op.get('from') ?? '');
      const v = getAt(doc, from);
      return addAt(removeAt(doc, from), path, v);
    }
    case 'copy':
      return addAt(doc, path, getAt(doc, patchPath(op.get('from') ?? '')));
    case 'test':
      if (!equals(getAt(doc, path), op.get('value') ?? null)) throw new BuiltinError('test operation failed');
      return doc;
    default:
      throw new BuiltinError(`unknown patch operation ${String(kind)}`);
  }
}

export const JSON_PATHS: BuiltinDef[] = [
  def('json.filter', 2, (a) => {
    const o = a[0] as Value;
    if (!(o instanceof RObject)) throw operandError(1, 'object', o);
    return filter(o, buildTrie(a[1] as Value, 2));
  }),
  def('json.remove', 2, (a) => {
    const o = a[0] as Value;
    if (!(o instanceof RObject)) throw operandError(1, 'object', o);
    return remove(o, buildTrie(a[1] as Value, 2)) ?? new RObject();
  }),
  def('json.patch', 2, (a) => {
    const patches = a[1] as Value;
    if (!Array.isArray(patches)) throw operandError(2, 'array', patches);
    let doc = a[0] as Value;
    for (const p of patches) doc = applyPatch(doc, p);
    return doc;
  }),
];
