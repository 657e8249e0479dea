/**
 * Compiles expressions and bodies. A body is a chain of expressions, each
 * calling the next as its continuation; `not` succeeds when its expression has
 * no solution; `every` requires a solution for each member; `with` runs its
 * expression in a derived context while the rest of the body keeps the
 * original one.
 */
import type { RBody, RExpr, RT, RWith } from '../compile/ir.js';
import { fnName } from '../compile/ir.js';
import { isCollection, iterate, setPath } from '../eval/collections.js';
import type { Ctx, Override } from '../eval/ctx.js';
import type { CExpr, CTerm, Frame, K, Mock } from '../eval/types.js';
import { match, unify } from '../eval/unify.js';
import { equals, type Value } from '../value/value.js';
import type { CallFn, CG } from './cg.js';
import { genAll, getAll } from './terms.js';

export function compileBody(cg: CG, body: RBody): CExpr {
  const exprs = body.exprs.map((e) => compileExpr(cg, e, -1));
  return seq(exprs);
}

/**
 * A query body: like a rule body, but each expression also stores its value
 * (what OPA reports in a result's `expressions`) in frame slot valueBase + its
 * source position. As in OPA, a term or call whose value is false does not fail
 * a query: its value is reported.
 */
export function compileQueryBody(cg: CG, body: RBody, valueBase: number): CExpr {
  const exprs = body.exprs.map((e) => compileExpr(cg, e, e.index >= 0 ? valueBase + e.index : -1));
  return seq(exprs);
}

function seq(exprs: CExpr[]): CExpr {
  if (exprs.length === 0) return (_c, _f, k) => k();
  let next = exprs[exprs.length - 1] as CExpr;
  for (let i = exprs.length - 2; i >= 0; i--) {
    const e = exprs[i] as CExpr;
    const n = next;
    next = (ctx, f, k) => e(ctx, f, () => n(ctx, f, k));
  }
  return next;
}

function compileExpr(cg: CG, e: RExpr, valueSlot: number): CExpr {
  const saved = cg.bound;
  cg.bound = e.bound ?? new Set();
  try {
    const records = valueSlot >= 0 && !e.negated && (e.e.k === 'term' || e.e.k === 'call');
    let run = compileCore(cg, e, records ? valueSlot : -1);
    if (e.negated) {
      const inner = run;
      run = (ctx, f, k) => (inner(ctx, f, () => true) ? false : k());
    }
    if (valueSlot >= 0 && !records) {
      const inner = run;
      run = (ctx, f, k) =>
        inner(ctx, f, () => {
          f[valueSlot] = true;
          return k();
        });
    }
    if (e.with.length > 0) run = compileWith(cg, e.with, run);
    const core = run;
    return (ctx, f, k) => {
      ctx.tick();
      return core(ctx, f, k);
    };
  } finally {
    cg.bound = saved;
  }
}

function truthy(v: Value | undefined): boolean {
  return v !== undefined && v !== false;
}

/** Continues with k after storing v in the frame slot (when asked). */
function recorded(f: Frame, slot: number, v: Value, k: K): boolean {
  if (slot < 0) return k();
  f[slot] = v;
  return k();
}

function compileCore(cg: CG, e: RExpr, valueSlot: number): CExpr {
  const b = e.e;
  switch (b.k) {
    case 'term': {
      const t = cg.term(b.t);
      // Queries capture a term's value instead of testing it (OPA rewrites them to `x = term`).
      if (valueSlot >= 0) return (ctx, f, k) => t.gen(ctx, f, (v) => recorded(f, valueSlot, v, k));
      const get = t.get;
      if (get) return (ctx, f, k) => truthy(get(ctx, f)) && k();
      return (ctx, f, k) => t.gen(ctx, f, (v) => v !== false && k());
    }
    case 'call': {
      if (b.fn.kind === 'builtin' && b.fn.name === 'print')
        return compilePrint(cg, b.args, cg.call(b.fn, e.loc));
      const arity = cg.arity(b.fn);
      const call = cg.call(b.fn, e.loc);
      const nIn = arity >= 0 && b.args.length > arity ? arity : b.args.length;
      const inputs = b.args.slice(0, nIn).map((a) => cg.term(a));
      const outs = b.args.slice(nIn).map((a) => cg.term(a));
      const allGet = inputs.every((t) => t.get !== null);
      if (outs.length === 0) {
        if (valueSlot >= 0) {
          return (ctx, f, k) =>
            genAll(ctx, f, inputs, (vs) => {
              const v = call(ctx, vs);
              return v !== undefined && recorded(f, valueSlot, v, k);
            });
        }
        if (allGet) {
          return (ctx, f, k) => {
            const vs = getAll(ctx, f, inputs);
            return vs !== undefined && truthy(call(ctx, vs)) && k();
          };
        }
        return (ctx, f, k) => genAll(ctx, f, inputs, (vs) => truthy(call(ctx, vs)) && k());
      }
      const out = outs[0] as CTerm;
      if (cg.isRelation(b.fn)) {
        return (ctx, f, k) =>
          genAll(ctx, f, inputs, (vs) => {
            const results = call(ctx, vs);
            if (!Array.isArray(results)) return false;
            for (const r of results)
              if (match(ctx, f, out, r, () => recorded(f, valueSlot, true, k))) return true;
            return false;
          });
      }
      return (ctx, f, k) =>
        genAll(ctx, f, inputs, (vs) => {
          const v = call(ctx, vs);
          return v !== undefined && match(ctx, f, out, v, () => recorded(f, valueSlot, true, k));
        });
    }
    case 'unify': {
      const a = cg.term(b.a);
      const bt = cg.term(b.b);
      if (a.shape === 'var' && !cg.bound.has(a.slot) && bt.pvars.length === 0) {
        const slot = a.slot;
        const bind = (f: Frame, v: Value, k: K): boolean => {
          const cur = f[slot];
          if (cur !== undefined) return equals(cur, v) && k();
          f[slot] = v;
          const r = k();
          f[slot] = undefined;
          return r;
        };
        const get = bt.get;
        if (get) {
          return (ctx, f, k) => {
            const v = get(ctx, f);
            return v !== undefined && bind(f, v, k);
          };
        }
        return (ctx, f, k) => bt.gen(ctx, f, (v) => bind(f, v, k));
      }
      return (ctx, f, k) => unify(ctx, f, a, bt, k);
    }
    case 'somein': {
      const domain = cg.term(b.domain);
      const key = b.key ? cg.term(b.key) : null;
      const value = cg.term(b.value);
      return (ctx, f, k) =>
        domain.gen(ctx, f, (coll) =>
          iterate(ctx, coll, (kv, vv) =>
            key ? match(ctx, f, key, kv, () => match(ctx, f, value, vv, k)) : match(ctx, f, value, vv, k),
          ),
        );
    }
    case 'every': {
      const domain = cg.term(b.domain);
      const key = b.key ? cg.term(b.key) : null;
      const value = cg.term(b.value);
      const body = cg.body(b.body);
      return (ctx, f, k) =>
        domain.gen(ctx, f, (coll) => {
          if (!isCollection(coll)) return false;
          let ok = true;
          iterate(ctx, coll, (kv, vv) => {
            const sat = () => body(ctx, f, () => true);
            const held = key
              ? match(ctx, f, key, kv, () => match(ctx, f, value, vv, sat))
              : match(ctx, f, value, vv, sat);
            if (!held) ok = false;
            return !held;
          });
          return ok && k();
        });
    }
  }
}

/** print never fails: an undefined argument prints as <undefined>, as in OPA. */
function compilePrint(cg: CG, args: RT[], call: CallFn): CExpr {
  const terms = args.map((a) => cg.term(a));
  return (ctx, f, k) => {
    const vs = terms.map((t) => {
      let first: Value | undefined;
      t.gen(ctx, f, (v) => {
        first = v;
        return true;
      });
      return first ?? '<undefined>';
    });
    call(ctx, vs);
    return k();
  };
}

interface CWith {
  w: RWith;
  value: CTerm;
  path: CTerm[];
}

function compileWith(cg: CG, withs: RWith[], inner: CExpr): CExpr {
  const cws: CWith[] = withs.map((w) => ({
    w,
    value: cg.term(w.value),
    path: w.target.kind === 'input' ? w.target.path.map((p) => cg.term(p)) : [],
  }));
  return (ctx, f, k) => {
    const values: Value[] = [];
    const paths: Value[][] = [];
    const step = (i: number): boolean => {
      if (i === cws.length) return inner(derive(ctx, cws, values, paths), f, k);
      const cw = cws[i] as CWith;
      if (cw.w.valueFn !== undefined && cw.w.target.kind === 'fn') {
        values[i] = null;
        paths[i] = [];
        return step(i + 1);
      }
      return genAll(ctx, f, cw.path, (p) =>
        cw.value.gen(ctx, f, (v) => {
          values[i] = v;
          paths[i] = p.slice();
          return step(i + 1);
        }),
      );
    };
    return step(0);
  };
}

function derive(ctx: Ctx, cws: CWith[], values: Value[], paths: Value[][]): Ctx {
  let input = ctx.input;
  let data = ctx.data;
  let overrides: Override[] | null = ctx.overrides;
  let mocks: Map<string, Mock> | null = ctx.mocks;
  cws.forEach((cw, i) => {
    const t = cw.w.target;
    const v = values[i] as Value;
    if (t.kind === 'input') input = setPath(input, paths[i] as Value[], v);
    else if (t.kind === 'data') {
      data = setPath(data, t.path, v);
      overrides = [...(overrides ?? []), { path: t.path, value: v }];
    } else {
      mocks = new Map(mocks ?? []);
      const fn = cw.w.valueFn;
      mocks.set(fnName(t.fn), fn ? { kind: 'fn', fn } : { kind: 'value', value: v });
    }
  });
  return ctx.derive(input, data, overrides, mocks);
}
