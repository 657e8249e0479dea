/** count, sum, product, max, min, sort, and the deprecated any/all. */
import { add, mul } from '../value/number.js';
import { compare, RObject, RSet, type Value } from '../value/value.js';
import { arrOrSet, type BuiltinDef, def, operandError, typeError } from './types.js';

/** Length in Unicode code points, as Go counts runes. */
export function runeCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff || i + 1 >= s.length) n++;
  }
  return n;
}

function numbers(name: string, args: Value[]): (number | bigint)[] {
  const xs = arrOrSet(args, 0);
  for (const x of xs) {
    if (typeof x !== 'number' && typeof x !== 'bigint') {
      throw typeError(
        `operand 1 must be one of {array, set} of numbers; ${name} got ${typeof x === 'string' ? 'string' : 'non-number'}`,
      );
    }
  }
  return xs as (number | bigint)[];
}

export const AGGREGATES: BuiltinDef[] = [
  def('count', 1, (args) => {
    const v = args[0] as Value;
    if (typeof v === 'string') return runeCount(v);
    if (Array.isArray(v)) return v.length;
    if (v instanceof RObject || v instanceof RSet) return v.size;
    throw operandError(1, 'one of {array, object, set, string}', v);
  }),
  def('sum', 1, (args) => numbers('sum', args).reduce<number | bigint>((a, b) => add(a, b), 0)),
  def('product', 1, (args) => numbers('product', args).reduce<number | bigint>((a, b) => mul(a, b), 1)),
  def('max', 1, (args) => {
    const xs = arrOrSet(args, 0);
    if (xs.length === 0) return undefined;
    return xs.reduce((a, b) => (compare(a, b) >= 0 ? a : b));
  }),
  def('min', 1, (args) => {
    const xs = arrOrSet(args, 0);
    if (xs.length === 0) return undefined;
    return xs.reduce((a, b) => (compare(a, b) <= 0 ? a : b));
  }),
  def('sort', 1, (args) => {
    const v = args[0] as Value;
    if (v instanceof RSet) return v.sorted().slice();
    if (Array.isArray(v)) return v.slice().sort(compare);
    throw operandError(1, 'one of {array, set}', v);
  }),
  def(
    'all',
    1,
    (args) => {
      const xs = arrOrSet(args, 0);
      return xs.every((x) => x === true);
    },
    { deprecated: true },
  ),
  def(
    'any',
    1,
    (args) => {
      const xs = arrOrSet(args, 0);
      return xs.some((x) => x === true);
    },
    { deprecated: true },
  ),
];
