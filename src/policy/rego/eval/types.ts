/**
 * Shapes shared by the code generator and the evaluator. Rules compile to
 * closures in continuation-passing style: an expression calls its continuation
 * once per solution, and a continuation returning true stops the search
 * (used by `not`, `every`, early exit). Variables live in a per-rule frame
 * array; unbound is `undefined`, and every binding is undone on return.
 */
import type { FnTarget } from '../compile/ir.js';
import type { Loc } from '../syntax/ast.js';
import type { Value } from '../value/value.js';
import type { Ctx } from './ctx.js';

export type Frame = (Value | undefined)[];
/** Continuation of a body: true stops the search. */
export type K = () => boolean;
/** Continuation receiving a value. */
export type VK = (v: Value) => boolean;

export type CExpr = (ctx: Ctx, f: Frame, k: K) => boolean;

export type TermShape = 'const' | 'var' | 'array' | 'object' | 'value';

/** A compiled term. */
export interface CTerm {
  /** Calls k with each value of the term (a ref with unbound variables iterates). */
  gen: (ctx: Ctx, f: Frame, k: VK) => boolean;
  /** The single value, when the term can never iterate; undefined result means undefined. */
  get: ((ctx: Ctx, f: Frame) => Value | undefined) | null;
  /** Slots in binding position: the var itself, or inside array/object patterns. */
  pvars: number[];
  shape: TermShape;
  slot: number;
  items: CTerm[];
  entries: [CTerm, CTerm][];
  value: Value;
}

export type RuleKindC = 'single' | 'multi' | 'func';

/** A compiled rule (one definition; `else` continues the chain). */
export interface CRule {
  kind: RuleKindC;
  body: CExpr;
  /** Value (single, function) or element (multi). */
  value: CTerm;
  /** Dynamic parts of the head ref below the node the rule attaches to. */
  tail: CTerm[];
  args: CTerm[] | null;
  else: CRule | null;
  slots: number;
  /** The head value when it is a constant: the rule can stop at its first solution. */
  constValue: Value | undefined;
  isDefault: boolean;
  loc: Loc;
  /** "data.a.b" of the rule's node, for messages. */
  name: string;
}

/** What `with f as g` replaces a function with. */
export type Mock = { kind: 'fn'; fn: FnTarget } | { kind: 'value'; value: Value };
