/**
 * Generates closures for rules and queries, and the call paths to builtins
 * and user functions (honouring `with` mocks, and turning builtin errors into
 * undefined unless strict builtin errors are on, as OPA does).
 */
import { type BuiltinDef, BuiltinError } from '../builtins/types.js';
import { type FnTarget, fnName, type RBody, type RRule, type RT } from '../compile/ir.js';
import { allSlots, bodySlots } from '../compile/walk.js';
import { RegoError } from '../errors.js';
import type { Ctx } from '../eval/ctx.js';
import { callFunction } from '../eval/docs.js';
import type { DocNode } from '../eval/tree.js';
import type { CExpr, CRule, CTerm, Mock } from '../eval/types.js';
import type { Loc } from '../syntax/ast.js';
import type { Value } from '../value/value.js';
import { type CallFn, type CG, constTerm } from './cg.js';
import { compileBody } from './exprs.js';
import { compileTerm } from './terms.js';

function invokeBuiltin(ctx: Ctx, def: BuiltinDef, args: Value[], loc: Loc): Value | undefined {
  try {
    return def.fn(args, ctx);
  } catch (e) {
    if (e instanceof BuiltinError) {
      if (ctx.run.strict) throw RegoError.one(e.code, `${def.name}: ${e.message}`, loc);
      return undefined;
    }
    throw e;
  }
}

export class Codegen implements CG {
  bound = new Set<number>();

  constructor(
    readonly root: DocNode,
    private readonly builtins: ReadonlyMap<string, BuiltinDef>,
  ) {}

  term(t: RT): CTerm {
    return compileTerm(this, t);
  }

  body(b: RBody): CExpr {
    return compileBody(this, b);
  }

  arity(fn: FnTarget): number {
    if (fn.kind === 'builtin') return this.builtins.get(fn.name)?.arity ?? -1;
    const node = this.root.find(fn.path);
    const r = node?.funcs[0] ?? node?.defaultFunc;
    return r?.args?.length ?? this.plannedArity.get(fn.path.join('.')) ?? -1;
  }

  isRelation(fn: FnTarget): boolean {
    return fn.kind === 'builtin' && this.builtins.get(fn.name)?.relation === true;
  }

  /** Arity of user functions known before their closures exist. */
  readonly plannedArity = new Map<string, number>();

  /** Calls the target without consulting mocks (the target of a mock). */
  private direct(fn: FnTarget, loc: Loc): CallFn {
    if (fn.kind === 'builtin') {
      const def = this.builtins.get(fn.name);
      if (!def) throw RegoError.one('rego_type_error', `undefined function ${fn.name}`, loc);
      return (ctx, args) => invokeBuiltin(ctx, def, args, loc);
    }
    const node = this.root.find(fn.path);
    if (!node?.isFunction) throw RegoError.one('rego_type_error', `undefined function ${fnName(fn)}`, loc);
    return (ctx, args) => callFunction(ctx, node, args);
  }

  call(fn: FnTarget, loc: Loc): CallFn {
    const name = fnName(fn);
    const direct = this.direct(fn, loc);
    return (ctx, args) => {
      if (ctx.mocks !== null) {
        const m = ctx.mocks.get(name);
        if (m) return this.mocked(ctx, m, args, loc);
      }
      return direct(ctx, args);
    };
  }

  private mocked(ctx: Ctx, m: Mock, args: Value[], loc: Loc): Value | undefined {
    if (m.kind === 'value') return m.value;
    // The replacement runs with no mocks in force (OPA pushes an empty mock frame):
    // the replaced function is the original again and mocks never call mocks.
    const inner = ctx.derive(ctx.input, ctx.data, ctx.overrides, null);
    return this.call(m.fn, loc)(inner, args);
  }

  rule(rr: RRule, node: DocNode): CRule {
    this.bound = new Set();
    const args = rr.args ? rr.args.map((a) => this.term(a)) : null;
    const body = this.body(rr.body);
    const headBound = new Set<number>();
    bodySlots(rr.body, headBound);
    for (const a of rr.args ?? []) allSlots(a, headBound);
    this.bound = headBound;
    const value = this.term(rr.value);
    const tail = rr.ref
      .slice(node.path.length)
      .map((p) => (typeof p === 'string' ? constTerm(p) : this.term(p)));
    this.bound = new Set();
    const els = rr.else ? this.rule(rr.else, node) : null;
    return {
      kind: rr.kind,
      body,
      value,
      tail,
      args,
      else: els,
      slots: rr.slots,
      constValue: value.shape === 'const' ? value.value : undefined,
      isDefault: rr.isDefault,
      loc: rr.loc,
      name: node.name,
    };
  }
}
