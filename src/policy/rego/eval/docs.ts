/**
 * Virtual documents: the value of a rule-tree node (complete rules with else
 * chains and defaults, multi-value sets, objects built from ref-head rules and
 * children, merged with base data), user-function calls, and OPA's conflict
 * errors. Values are cached per context, so each rule runs once per query.
 */
import { RegoError } from '../errors.js';
import { equals, RObject, RSet, type Value } from '../value/value.js';
import { getPath, setPath } from './collections.js';
import { type Ctx, IN_PROGRESS_ENTRY, UNDEFINED_ENTRY } from './ctx.js';
import type { DocNode } from './tree.js';
import type { CRule, CTerm, Frame, K } from './types.js';
import { match } from './unify.js';

function conflict(message: string, r: CRule): RegoError {
  return RegoError.one('eval_conflict_error', message, r.loc);
}

/** Base data at a path (with `with data...` overrides already patched in). */
export function baseAt(ctx: Ctx, path: readonly Value[]): Value | undefined {
  return getPath(ctx.data, path);
}

function masked(ctx: Ctx, path: readonly Value[]): boolean {
  const ovs = ctx.overrides;
  if (ovs === null) return false;
  for (const o of ovs) {
    if (o.path.length <= path.length && o.path.every((p, i) => equals(p, path[i] as Value))) return true;
  }
  return false;
}

function patchBelow(ctx: Ctx, path: readonly Value[], v: Value): Value {
  let out = v;
  for (const o of ctx.overrides ?? []) {
    if (o.path.length > path.length && path.every((p, i) => equals(p, o.path[i] as Value))) {
      out = setPath(out, o.path.slice(path.length), o.value);
    }
  }
  return out;
}

function emptyData(d: Value): boolean {
  return d instanceof RObject && d.size === 0;
}

/** The document at a node; undefined when no rule defines it. */
export function evalNode(ctx: Ctx, node: DocNode): Value | undefined {
  const cached = ctx.cache.get(node);
  if (cached !== undefined) {
    if (cached === UNDEFINED_ENTRY) return undefined;
    if (cached === IN_PROGRESS_ENTRY) {
      throw RegoError.one('rego_recursion_error', `rule ${node.name} is recursive`);
    }
    return cached as Value;
  }
  let v: Value | undefined;
  // Base data at a rule's path wins over the rule, as in OPA; `with data...` masks rules too.
  const base = node.hasOwnRules && !emptyData(ctx.data) ? baseAt(ctx, node.path) : undefined;
  if (base !== undefined) v = base;
  else if (ctx.overrides !== null && masked(ctx, node.path)) v = baseAt(ctx, node.path);
  else {
    ctx.cache.set(node, IN_PROGRESS_ENTRY);
    try {
      // A function is not a document, except one of no arguments, which is a value.
      if (node.isFunction) v = isNullary(node) ? callFunction(ctx, node, []) : undefined;
      else if (node.complete.length > 0 || node.defaultRule) v = evalComplete(ctx, node);
      else if (node.multi.length > 0) v = evalMulti(ctx, node);
      else v = evalObject(ctx, node);
    } catch (e) {
      ctx.cache.delete(node);
      throw e;
    }
    if (v !== undefined && ctx.overrides !== null) v = patchBelow(ctx, node.path, v);
  }
  ctx.cache.set(node, v === undefined ? UNDEFINED_ENTRY : v);
  return v;
}

/** Runs one rule (and its else chain) and returns its value. */
function evalChain(ctx: Ctx, r: CRule, args: Value[] | null): Value | undefined {
  for (let cur: CRule | null = r; cur; cur = cur.else) {
    const rule: CRule = cur;
    const f: Frame = new Array(r.slots);
    let out: Value | undefined;
    const onValue = (v: Value): boolean => {
      if (out === undefined) out = v;
      else if (!equals(out, v)) {
        throw conflict(
          rule.kind === 'func'
            ? 'functions must not produce multiple outputs for same inputs'
            : `rule ${rule.name} produced conflicting values: complete rules must not produce multiple outputs`,
          rule,
        );
      }
      return rule.constValue !== undefined;
    };
    const body: K = () => rule.body(ctx, f, () => rule.value.gen(ctx, f, onValue));
    if (args !== null && rule.args !== null) matchArgs(ctx, f, rule.args, args, 0, body);
    else body();
    if (out !== undefined) return out;
  }
  return undefined;
}

function matchArgs(ctx: Ctx, f: Frame, params: CTerm[], args: Value[], i: number, k: K): boolean {
  if (i === params.length) return k();
  return match(ctx, f, params[i] as CTerm, args[i] as Value, () => matchArgs(ctx, f, params, args, i + 1, k));
}

function evalComplete(ctx: Ctx, node: DocNode): Value | undefined {
  let value: Value | undefined;
  for (const r of node.complete) {
    const v = evalChain(ctx, r, null);
    if (v === undefined) continue;
    if (value === undefined) {
      value = v;
      if (node.sharedConst !== undefined) break;
    } else if (!equals(value, v)) {
      throw conflict(
        `rule ${r.name} produced conflicting values: complete rules must not produce multiple outputs`,
        r,
      );
    }
  }
  if (value === undefined && node.defaultRule) value = evalChain(ctx, node.defaultRule, null);
  return value;
}

function evalMulti(ctx: Ctx, node: DocNode): Value {
  const set = new RSet();
  for (const r of node.multi) {
    const f: Frame = new Array(r.slots);
    // A constant element needs only the first solution (OPA's early exit).
    const once = r.constValue !== undefined;
    r.body(ctx, f, () =>
      r.value.gen(ctx, f, (v) => {
        set.add(v);
        return once;
      }),
    );
  }
  return set;
}

/** Builds an object document; `owned` marks containers made here (others are shared, so copied before change). */
function evalObject(ctx: Ctx, node: DocNode): Value {
  const obj = new RObject();
  const owned = new Set<RObject | RSet>([obj]);
  const base = baseAt(ctx, node.path);
  if (base instanceof RObject) base.forEachUnordered((k, v) => obj.set(k, v));
  for (const child of node.children.values()) {
    const v = evalNode(ctx, child);
    if (v !== undefined) obj.set(child.key, v);
  }
  for (const r of node.refRules) {
    const f: Frame = new Array(r.slots);
    const keys: Value[] = [];
    const tail = (i: number): boolean => {
      if (i === r.tail.length) {
        return r.value.gen(ctx, f, (v) => {
          insert(obj, owned, keys, v, r);
          return false;
        });
      }
      return (r.tail[i] as CTerm).gen(ctx, f, (key) => {
        keys.push(key);
        const stop = tail(i + 1);
        keys.pop();
        return stop;
      });
    };
    r.body(ctx, f, () => tail(0));
  }
  return obj;
}

function ownedObject(parent: RObject, key: Value, owned: Set<RObject | RSet>, r: CRule): RObject {
  const cur = parent.get(key);
  if (cur === undefined) {
    const o = new RObject();
    owned.add(o);
    parent.set(key, o);
    return o;
  }
  if (!(cur instanceof RObject)) throw conflict('object keys must be unique', r);
  if (owned.has(cur)) return cur;
  const copy = new RObject();
  cur.forEachUnordered((k, v) => copy.set(k, v));
  owned.add(copy);
  parent.set(key, copy);
  return copy;
}

function insert(obj: RObject, owned: Set<RObject | RSet>, keys: Value[], v: Value, r: CRule): void {
  let cur = obj;
  for (let i = 0; i < keys.length - 1; i++) cur = ownedObject(cur, keys[i] as Value, owned, r);
  const last = keys[keys.length - 1] as Value;
  const existing = cur.get(last);
  if (r.kind === 'multi') {
    let set: RSet;
    if (existing === undefined) {
      set = new RSet();
      owned.add(set);
      cur.set(last, set);
    } else if (existing instanceof RSet) {
      set = existing;
      if (!owned.has(set)) {
        set = RSet.of(existing.sorted());
        owned.add(set);
        cur.set(last, set);
      }
    } else throw conflict('object keys must be unique', r);
    set.add(v);
    return;
  }
  if (existing === undefined) cur.set(last, v);
  else if (!equals(existing, v)) throw conflict('object keys must be unique', r);
}

function isNullary(node: DocNode): boolean {
  const r = node.funcs[0] ?? node.defaultFunc;
  return r !== null && r !== undefined && (r.args?.length ?? 0) === 0;
}

/** Calls a user function; undefined when no definition applies. */
export function callFunction(ctx: Ctx, node: DocNode, args: Value[]): Value | undefined {
  ctx.tick();
  let out: Value | undefined;
  for (const r of node.funcs) {
    const v = evalChain(ctx, r, args);
    if (v === undefined) continue;
    if (out === undefined) out = v;
    else if (!equals(out, v))
      throw conflict('functions must not produce multiple outputs for same inputs', r);
  }
  if (out === undefined && node.defaultFunc) out = evalChain(ctx, node.defaultFunc, args);
  return out;
}
