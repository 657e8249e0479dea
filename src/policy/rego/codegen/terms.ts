/**
 * Compiles resolved terms to closures. Each term gets `gen` (all its values)
 * and, when it can never iterate, a cheaper `get`. References under `data`
 * resolve their ground prefix against the rule tree once, here, so a lookup
 * such as `data.policy.allow` costs one cache probe at run time.
 */
import type { RT } from '../compile/ir.js';
import { bodySlots } from '../compile/walk.js';
import { RegoError } from '../errors.js';
import { index, indexBase } from '../eval/collections.js';
import type { Ctx } from '../eval/ctx.js';
import { baseAt, evalNode } from '../eval/docs.js';
import { walkData, walkValue } from '../eval/refs.js';
import type { DocNode } from '../eval/tree.js';
import type { CTerm, Frame, VK } from '../eval/types.js';
import { equals, RObject, RSet, type Value } from '../value/value.js';
import { baseTerm, type CG, constTerm } from './cg.js';

export function compileTerm(cg: CG, t: RT): CTerm {
  switch (t.k) {
    case 'const':
      return constTerm(t.v);
    case 'local': {
      const slot = t.slot;
      return baseTerm({
        gen: (_c, f, k) => {
          const v = f[slot];
          return v !== undefined && k(v);
        },
        get: (_c, f) => f[slot],
        pvars: [slot],
        shape: 'var',
        slot,
      });
    }
    case 'input':
      return baseTerm({
        gen: (c, _f, k) => c.input !== undefined && k(c.input),
        get: (c) => c.input,
      });
    case 'data':
      return dataRef(cg, []);
    case 'ref':
      return compileRef(cg, t.head, t.path);
    case 'array':
      return compileArray(
        cg,
        t.items.map((x) => cg.term(x)),
      );
    case 'object':
      return compileObject(
        cg,
        t.entries.map(([a, b]) => [cg.term(a), cg.term(b)]),
        t.loc,
      );
    case 'set':
      return compileSet(t.items.map((x) => cg.term(x)));
    case 'call':
      return compileCallTerm(cg, t);
    case 'arraycompr':
    case 'setcompr':
    case 'objectcompr':
      return compileCompr(cg, t);
  }
}

/** Evaluates terms left to right, calling k with all their values (cartesian over iterations). */
export function genAll(ctx: Ctx, f: Frame, ts: CTerm[], k: (vs: Value[]) => boolean): boolean {
  const vs: Value[] = new Array(ts.length);
  const step = (i: number): boolean => {
    if (i === ts.length) return k(vs);
    return (ts[i] as CTerm).gen(ctx, f, (v) => {
      vs[i] = v;
      return step(i + 1);
    });
  };
  return step(0);
}

/** All values at once when no term iterates; undefined if any is undefined. */
export function getAll(ctx: Ctx, f: Frame, ts: CTerm[]): Value[] | undefined {
  const vs: Value[] = new Array(ts.length);
  for (let i = 0; i < ts.length; i++) {
    const v = (ts[i] as CTerm).get?.(ctx, f);
    if (v === undefined) return undefined;
    vs[i] = v;
  }
  return vs;
}

function allGet(ts: CTerm[]): boolean {
  return ts.every((t) => t.get !== null);
}

function compileArray(_cg: CG, items: CTerm[]): CTerm {
  const pvars = items.flatMap((x) => x.pvars);
  const get = allGet(items) ? (ctx: Ctx, f: Frame) => getAll(ctx, f, items) : null;
  return baseTerm({
    gen: get
      ? (ctx, f, k) => {
          const v = get(ctx, f);
          return v !== undefined && k(v);
        }
      : (ctx, f, k) => genAll(ctx, f, items, (vs) => k(vs.slice())),
    get,
    pvars,
    shape: 'array',
    items,
  });
}

function buildObject(entries: [CTerm, CTerm][], vs: Value[], loc: RT['loc']): RObject {
  const o = new RObject();
  for (let i = 0; i < entries.length; i++) {
    const key = vs[2 * i] as Value;
    const val = vs[2 * i + 1] as Value;
    const prev = o.get(key);
    if (prev !== undefined && !equals(prev, val)) {
      throw RegoError.one('eval_conflict_error', 'object keys must be unique', loc);
    }
    o.set(key, val);
  }
  return o;
}

function compileObject(_cg: CG, entries: [CTerm, CTerm][], loc: RT['loc']): CTerm {
  const flat = entries.flat();
  const pvars = entries.flatMap(([, v]) => v.pvars);
  const get = allGet(flat)
    ? (ctx: Ctx, f: Frame) => {
        const vs = getAll(ctx, f, flat);
        return vs === undefined ? undefined : buildObject(entries, vs, loc);
      }
    : null;
  return baseTerm({
    gen: get
      ? (ctx, f, k) => {
          const v = get(ctx, f);
          return v !== undefined && k(v);
        }
      : (ctx, f, k) => genAll(ctx, f, flat, (vs) => k(buildObject(entries, vs, loc))),
    get,
    pvars,
    shape: 'object',
    entries,
  });
}

function compileSet(items: CTerm[]): CTerm {
  const get = allGet(items)
    ? (ctx: Ctx, f: Frame) => {
        const vs = getAll(ctx, f, items);
        return vs === undefined ? undefined : RSet.of(vs);
      }
    : null;
  return baseTerm({
    gen: get
      ? (ctx, f, k) => {
          const v = get(ctx, f);
          return v !== undefined && k(v);
        }
      : (ctx, f, k) => genAll(ctx, f, items, (vs) => k(RSet.of(vs))),
    get,
  });
}

function compileCallTerm(cg: CG, t: Extract<RT, { k: 'call' }>): CTerm {
  const args = t.args.map((a) => cg.term(a));
  const call = cg.call(t.fn, t.loc);
  if (cg.isRelation(t.fn)) {
    return baseTerm({
      gen: (ctx, f, k) =>
        genAll(ctx, f, args, (vs) => {
          const outs = call(ctx, vs);
          if (!Array.isArray(outs)) return false;
          for (const o of outs) if (k(o)) return true;
          return false;
        }),
    });
  }
  if (allGet(args)) {
    const get = (ctx: Ctx, f: Frame): Value | undefined => {
      const vs = getAll(ctx, f, args);
      return vs === undefined ? undefined : call(ctx, vs);
    };
    return baseTerm({
      gen: (ctx, f, k) => {
        const v = get(ctx, f);
        return v !== undefined && k(v);
      },
      get,
    });
  }
  return baseTerm({
    gen: (ctx, f, k) =>
      genAll(ctx, f, args, (vs) => {
        const v = call(ctx, vs);
        return v !== undefined && k(v);
      }),
  });
}

/** A path element can be looked up without iterating (given the bound set). */
function staticEl(cg: CG, el: CTerm): boolean {
  if (el.shape === 'const') return true;
  if (el.shape === 'var') return cg.bound.has(el.slot);
  return el.get !== null && el.pvars.every((s) => cg.bound.has(s));
}

function getPathFn(
  path: CTerm[],
  from: number,
  base = false,
): (ctx: Ctx, f: Frame, v: Value) => Value | undefined {
  const at = base ? indexBase : index;
  return (ctx, f, v) => {
    let cur: Value | undefined = v;
    for (let i = from; i < path.length; i++) {
      const el = path[i] as CTerm;
      const key =
        el.shape === 'const' ? el.value : (el.get as (c: Ctx, f: Frame) => Value | undefined)(ctx, f);
      if (key === undefined) return undefined;
      cur = at(cur, key);
      if (cur === undefined) return undefined;
    }
    return cur;
  };
}

function compileRef(cg: CG, headRT: RT, pathRT: RT[]): CTerm {
  const path = pathRT.map((p) => cg.term(p));
  if (headRT.k === 'data') return dataRef(cg, path);
  const head: CTerm =
    headRT.k === 'input'
      ? baseTerm({ gen: (c, _f, k) => c.input !== undefined && k(c.input), get: (c) => c.input })
      : cg.term(headRT);
  const isStatic = path.every((el) => staticEl(cg, el));
  if (isStatic && head.get !== null) {
    const hget = head.get;
    const walk = getPathFn(path, 0);
    const get = (ctx: Ctx, f: Frame): Value | undefined => {
      const h = hget(ctx, f);
      return h === undefined ? undefined : walk(ctx, f, h);
    };
    return baseTerm({
      gen: (ctx, f, k) => {
        const v = get(ctx, f);
        return v !== undefined && k(v);
      },
      get,
    });
  }
  return baseTerm({
    gen: (ctx, f, k) => head.gen(ctx, f, (h) => walkValue(ctx, f, h, path, 0, k)),
  });
}

/** data[path]: the ground prefix is resolved against the rule tree now. */
function dataRef(cg: CG, path: CTerm[]): CTerm {
  let node: DocNode = cg.root;
  let i = 0;
  const prefix: Value[] = [];
  while (i < path.length && !node.hasOwnRules) {
    const el = path[i] as CTerm;
    if (el.shape !== 'const') break;
    const c = node.child(el.value);
    if (!c) break;
    node = c;
    prefix.push(el.value);
    i++;
  }
  const at = node;
  const from = i;
  const restStatic = path.slice(from).every((el) => staticEl(cg, el));
  if (at.hasOwnRules || from === path.length) {
    if (restStatic) {
      const walk = getPathFn(path, from);
      const get = (ctx: Ctx, f: Frame): Value | undefined => {
        const v = evalNode(ctx, at);
        return v === undefined ? undefined : walk(ctx, f, v);
      };
      return baseTerm({
        gen: (ctx, f, k) => {
          const v = get(ctx, f);
          return v !== undefined && k(v);
        },
        get,
      });
    }
    return baseTerm({
      gen: (ctx, f, k) => {
        const v = evalNode(ctx, at);
        return v !== undefined && walkValue(ctx, f, v, path, from, k);
      },
    });
  }
  const first = path[from] as CTerm;
  if (first.shape === 'const') {
    // Beyond the rule tree: plain base data.
    const full = [...prefix];
    if (restStatic) {
      const walk = getPathFn(path, from, true);
      const get = (ctx: Ctx, f: Frame): Value | undefined => {
        const b = baseAt(ctx, full);
        return b === undefined ? undefined : walk(ctx, f, b);
      };
      return baseTerm({
        gen: (ctx, f, k) => {
          const v = get(ctx, f);
          return v !== undefined && k(v);
        },
        get,
      });
    }
    return baseTerm({
      gen: (ctx, f, k) => {
        const b = baseAt(ctx, full);
        return b !== undefined && walkValue(ctx, f, b, path, from, k, true);
      },
    });
  }
  const gen = (ctx: Ctx, f: Frame, k: VK): boolean =>
    walkData(ctx, f, at, baseAt(ctx, prefix), path, from, k);
  return baseTerm({ gen });
}

function compileCompr(cg: CG, t: Extract<RT, { k: 'arraycompr' | 'setcompr' | 'objectcompr' }>): CTerm {
  const outer = cg.bound;
  const body = cg.body(t.body);
  // The body binds its variables; anything else in the head may still iterate.
  const headBound = new Set(outer);
  bodySlots(t.body, headBound);
  cg.bound = headBound;
  const loc = t.loc;
  let get: (ctx: Ctx, f: Frame) => Value;
  if (t.k === 'arraycompr') {
    const head = cg.term(t.head);
    get = (ctx, f) => {
      const out: Value[] = [];
      body(ctx, f, () =>
        head.gen(ctx, f, (v) => {
          out.push(v);
          return false;
        }),
      );
      return out;
    };
  } else if (t.k === 'setcompr') {
    const head = cg.term(t.head);
    get = (ctx, f) => {
      const out = new RSet();
      body(ctx, f, () =>
        head.gen(ctx, f, (v) => {
          out.add(v);
          return false;
        }),
      );
      return out;
    };
  } else {
    const key = cg.term(t.key);
    const value = cg.term(t.value);
    get = (ctx, f) => {
      const out = new RObject();
      body(ctx, f, () =>
        key.gen(ctx, f, (kv) =>
          value.gen(ctx, f, (vv) => {
            const prev = out.get(kv);
            if (prev !== undefined && !equals(prev, vv)) {
              throw RegoError.one('eval_conflict_error', 'object keys must be unique', loc);
            }
            out.set(kv, vv);
            return false;
          }),
        ),
      );
      return out;
    };
  }
  cg.bound = outer;
  return baseTerm({ gen: (ctx, f, k) => k(get(ctx, f)), get });
}
