/**
 * The shape of a builtin and the helpers builtins use to check their operands
 * and report errors the way OPA words them ("count: operand 1 must be one of
 * {array, object, set, string} but got number").
 */
import type { Ctx } from '../eval/ctx.js';
import { isInt } from '../value/number.js';
import { RObject, RSet, typeName, type Value } from '../value/value.js';

export type BuiltinFn = (args: Value[], ctx: Ctx) => Value | undefined;

export interface BuiltinDef {
  name: string;
  /** Number of inputs; a call with one more argument binds the result to it. */
  arity: number;
  fn: BuiltinFn;
  /** Not available to v1 modules (OPA removed these from Rego v1). */
  deprecated?: boolean;
  /** Yields several outputs (fn returns them as an array), like `walk`. */
  relation?: boolean;
}

/** An error raised by a builtin; undefined unless strict builtin errors are on. */
export class BuiltinError extends Error {
  constructor(
    message: string,
    readonly code: 'eval_type_error' | 'eval_builtin_error' = 'eval_builtin_error',
  ) {
    super(message);
  }
}

export function typeError(message: string): BuiltinError {
  return new BuiltinError(message, 'eval_type_error');
}

export function operandError(pos: number, expected: string, got: Value): BuiltinError {
  return typeError(`operand ${pos} must be ${expected} but got ${typeName(got)}`);
}

export function str(args: Value[], i: number): string {
  const v = args[i] as Value;
  if (typeof v !== 'string') throw operandError(i + 1, 'string', v);
  return v;
}

export function num(args: Value[], i: number): number | bigint {
  const v = args[i] as Value;
  if (typeof v !== 'number' && typeof v !== 'bigint') throw operandError(i + 1, 'number', v);
  return v;
}

/** A number that must be an integer that fits a JS number. */
export function int(args: Value[], i: number): number {
  const v = num(args, i);
  if (!isInt(v)) throw typeError(`operand ${i + 1} must be integer number but got floating-point number`);
  if (typeof v === 'bigint') throw typeError(`operand ${i + 1} is too large`);
  return v;
}

export function arr(args: Value[], i: number): Value[] {
  const v = args[i] as Value;
  if (!Array.isArray(v)) throw operandError(i + 1, 'array', v);
  return v;
}

export function obj(args: Value[], i: number): RObject {
  const v = args[i] as Value;
  if (!(v instanceof RObject)) throw operandError(i + 1, 'object', v);
  return v;
}

export function set(args: Value[], i: number): RSet {
  const v = args[i] as Value;
  if (!(v instanceof RSet)) throw operandError(i + 1, 'set', v);
  return v;
}

export function bool(args: Value[], i: number): boolean {
  const v = args[i] as Value;
  if (typeof v !== 'boolean') throw operandError(i + 1, 'boolean', v);
  return v;
}

/** Elements of an array or set (sets in sorted order). */
export function arrOrSet(args: Value[], i: number, expected = 'one of {array, set}'): Value[] {
  const v = args[i] as Value;
  if (Array.isArray(v)) return v;
  if (v instanceof RSet) return v.sorted();
  throw operandError(i + 1, expected, v);
}

export function def(name: string, arity: number, fn: BuiltinFn, extra?: Partial<BuiltinDef>): BuiltinDef {
  return { name, arity, fn, ...extra };
}
