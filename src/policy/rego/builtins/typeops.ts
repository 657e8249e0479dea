/** Type tests and conversions: is_*, type_name, to_number and the deprecated cast_*. */
import { parseNumber } from '../value/number.js';
import { RObject, RSet, typeName, type Value } from '../value/value.js';
import { type BuiltinDef, def, operandError } from './types.js';

function toNumber(v: Value): Value {
  if (v === null) return 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  if (typeof v === 'string') {
    const m = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v);
    const n = m ? parseNumber(v.replace(/^\+/, '')) : undefined;
    if (n === undefined) throw operandError(1, 'valid number string', v);
    return n;
  }
  throw operandError(1, 'one of {null, boolean, number, string}', v);
}

const deprecated = { deprecated: true };

export const TYPEOPS: BuiltinDef[] = [
  def('is_number', 1, (a) => typeName(a[0] as Value) === 'number'),
  def('is_string', 1, (a) => typeof a[0] === 'string'),
  def('is_boolean', 1, (a) => typeof a[0] === 'boolean'),
  def('is_array', 1, (a) => Array.isArray(a[0])),
  def('is_set', 1, (a) => a[0] instanceof RSet),
  def('is_object', 1, (a) => a[0] instanceof RObject),
  def('is_null', 1, (a) => a[0] === null),
  def('type_name', 1, (a) => typeName(a[0] as Value)),
  def('to_number', 1, (a) => toNumber(a[0] as Value)),
  def(
    'cast_array',
    1,
    (a) => {
      const v = a[0] as Value;
      if (Array.isArray(v)) return v;
      if (v instanceof RSet) return v.sorted().slice();
      throw operandError(1, 'one of {array, set}', v);
    },
    deprecated,
  ),
  def(
    'cast_set',
    1,
    (a) => {
      const v = a[0] as Value;
      if (v instanceof RSet) return v;
      if (Array.isArray(v)) return RSet.of(v);
      throw operandError(1, 'one of {array, set}', v);
    },
    deprecated,
  ),
  def(
    'cast_string',
    1,
    (a) => {
      if (typeof a[0] !== 'string') throw operandError(1, 'string', a[0] as Value);
      return a[0];
    },
    deprecated,
  ),
  def(
    'cast_boolean',
    1,
    (a) => {
      if (typeof a[0] !== 'boolean') throw operandError(1, 'boolean', a[0] as Value);
      return a[0];
    },
    deprecated,
  ),
  def(
    'cast_null',
    1,
    (a) => {
      if (a[0] !== null) throw operandError(1, 'null', a[0] as Value);
      return null;
    },
    deprecated,
  ),
  def(
    'cast_object',
    1,
    (a) => {
      if (!(a[0] instanceof RObject)) throw operandError(1, 'object', a[0] as Value);
      return a[0];
    },
    deprecated,
  ),
];
