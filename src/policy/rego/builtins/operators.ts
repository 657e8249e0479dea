/** Comparison, arithmetic, set operators and membership (`in`). */
import { ArithmeticError, add, div, mul, rem, sub } from '../value/number.js';
import { compare, equals, RObject, RSet, type Value } from '../value/value.js';
import { type BuiltinDef, BuiltinError, def, num, operandError, set } from './types.js';

function arith(op: (a: number | bigint, b: number | bigint) => number | bigint) {
  return (args: Value[]): Value => {
    const a = num(args, 0);
    const b = num(args, 1);
    try {
      return op(a, b);
    } catch (e) {
      if (e instanceof ArithmeticError) throw new BuiltinError(e.message);
      throw e;
    }
  };
}

function member(x: Value, coll: Value): boolean {
  if (Array.isArray(coll)) return coll.some((e) => equals(e, x));
  if (coll instanceof RSet) return coll.has(x);
  if (coll instanceof RObject) {
    let found = false;
    coll.forEachUnordered((_k, v) => {
      if (!found && equals(v, x)) found = true;
    });
    return found;
  }
  return false;
}

function memberKV(k: Value, v: Value, coll: Value): boolean {
  if (Array.isArray(coll)) {
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k >= coll.length) return false;
    return equals(coll[k] as Value, v);
  }
  if (coll instanceof RObject) {
    const w = coll.get(k);
    return w !== undefined && equals(w, v);
  }
  if (coll instanceof RSet) return equals(k, v) && coll.has(k);
  return false;
}

export const OPERATORS: BuiltinDef[] = [
  def('equal', 2, (a) => equals(a[0] as Value, a[1] as Value)),
  def('neq', 2, (a) => !equals(a[0] as Value, a[1] as Value)),
  def('lt', 2, (a) => compare(a[0] as Value, a[1] as Value) < 0),
  def('gt', 2, (a) => compare(a[0] as Value, a[1] as Value) > 0),
  def('lte', 2, (a) => compare(a[0] as Value, a[1] as Value) <= 0),
  def('gte', 2, (a) => compare(a[0] as Value, a[1] as Value) >= 0),
  def('plus', 2, arith(add)),
  def('mul', 2, arith(mul)),
  def('div', 2, arith(div)),
  def('rem', 2, arith(rem)),
  def('minus', 2, (args) => {
    const a = args[0] as Value;
    const b = args[1] as Value;
    if (a instanceof RSet && b instanceof RSet) {
      const out = new RSet();
      a.forEachUnordered((x) => {
        if (!b.has(x)) out.add(x);
      });
      return out;
    }
    if (a instanceof RSet) throw operandError(2, 'set', b);
    if (typeof a !== 'number' && typeof a !== 'bigint') throw operandError(1, 'one of {number, set}', a);
    return arith(sub)(args);
  }),
  def('and', 2, (args) => {
    const a = set(args, 0);
    const b = set(args, 1);
    const out = new RSet();
    a.forEachUnordered((x) => {
      if (b.has(x)) out.add(x);
    });
    return out;
  }),
  def('or', 2, (args) => {
    const a = set(args, 0);
    const b = set(args, 1);
    const out = new RSet();
    a.forEachUnordered((x) => out.add(x));
    b.forEachUnordered((x) => out.add(x));
    return out;
  }),
  def('internal.member_2', 2, (a) => member(a[0] as Value, a[1] as Value)),
  def('internal.member_3', 3, (a) => memberKV(a[0] as Value, a[1] as Value, a[2] as Value)),
  def('eq', 2, (a) => equals(a[0] as Value, a[1] as Value)),
  def('assign', 2, (a) => equals(a[0] as Value, a[1] as Value)),
];
