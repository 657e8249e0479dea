/** The interface between the term and expression code generators. */
import type { FnTarget, RBody, RT } from '../compile/ir.js';
import type { Ctx } from '../eval/ctx.js';
import type { DocNode } from '../eval/tree.js';
import type { CExpr, CTerm } from '../eval/types.js';
import type { Loc } from '../syntax/ast.js';
import type { Value } from '../value/value.js';

/** Calls a function or builtin with evaluated arguments; undefined when undefined. */
export type CallFn = (ctx: Ctx, args: Value[]) => Value | undefined;

export interface CG {
  readonly root: DocNode;
  /** Slots known to be bound when the code being generated runs. */
  bound: Set<number>;
  term(t: RT): CTerm;
  body(b: RBody): CExpr;
  call(fn: FnTarget, loc: Loc): CallFn;
  /** Inputs the function takes (arguments beyond are outputs). */
  arity(fn: FnTarget): number;
  /** The builtin yields several outputs (walk). */
  isRelation(fn: FnTarget): boolean;
}

export function constTerm(v: Value): CTerm {
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

export function baseTerm(partial: Partial<CTerm> & Pick<CTerm, 'gen'>): CTerm {
  return {
    get: null,
    pvars: [],
    shape: 'value',
    slot: -1,
    items: [],
    entries: [],
    value: null,
    ...partial,
  };
}
