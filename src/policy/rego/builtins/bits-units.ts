/** bits.* on integers, and units.parse / units.parse_bytes for quantities like "10Mi" or "100m". */

import { formatValue } from '../value/format.js';
import { isInt, normInt, toBig } from '../value/number.js';
import type { Value } from '../value/value.js';
import { type BuiltinDef, BuiltinError, def, str, typeError } from './types.js';

function bigInt(args: Value[], i: number, name: string): bigint {
  const v = args[i] as Value;
  if (typeof v !== 'number' && typeof v !== 'bigint') {
    throw typeError(`\`${name}\` expects numeric argument. Got \`${formatValue(v)}\` instead`);
  }
  if (!isInt(v)) throw typeError(`operand ${i + 1} must be integer number but got floating-point number`);
  return toBig(v);
}

function bits2(name: string, op: (a: bigint, b: bigint) => bigint): BuiltinDef {
  return def(name, 2, (a) => normInt(op(bigInt(a, 0, name), bigInt(a, 1, name))));
}

/** Decimal (SI) and binary (IEC) multipliers; beyond OPA's k..E we accept the newer SI prefixes too. */
const SI: Record<string, number> = {
  q: 1e-30,
  r: 1e-27,
  y: 1e-24,
  z: 1e-21,
  a: 1e-18,
  f: 1e-15,
  n: 1e-9,
  μ: 1e-6,
  µ: 1e-6,
  u: 1e-6,
  m: 1e-3,
  c: 1e-2,
  d: 1e-1,
  da: 1e1,
  h: 1e2,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  g: 1e9,
  T: 1e12,
  t: 1e12,
  P: 1e15,
  // OPA reads lower-case p, t, g, e like their capitals (there is no pico).
  p: 1e15,
  E: 1e18,
  e: 1e18,
  Z: 1e21,
  Y: 1e24,
  R: 1e27,
  Q: 1e30,
};

const IEC = ['k', 'm', 'g', 't', 'p', 'e', 'z', 'y'];

function iec(prefix: string): bigint | undefined {
  const i = IEC.indexOf(prefix.toLowerCase());
  return i < 0 ? undefined : 1024n ** BigInt(i + 1);
}

function splitQuantity(s: string): [string, string] {
  if (/\s/.test(s)) throw new BuiltinError('spaces not allowed in resource string');
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(.*)$/.exec(s);
  if (!m) throw new BuiltinError(`could not parse number from ${JSON.stringify(s)}`);
  return [m[1] as string, m[2] as string];
}

function scale(numText: string, factor: number | bigint): Value {
  const n = Number(numText);
  if (typeof factor === 'bigint') {
    if (/^[+-]?\d+$/.test(numText)) return normInt(BigInt(numText) * factor);
    return n * Number(factor);
  }
  return n * factor;
}

export const BITS_UNITS: BuiltinDef[] = [
  bits2('bits.or', (a, b) => a | b),
  bits2('bits.and', (a, b) => a & b),
  bits2('bits.xor', (a, b) => a ^ b),
  bits2('bits.lsh', (a, b) => {
    if (b < 0n) throw new BuiltinError('shift count must be non-negative');
    return a << b;
  }),
  bits2('bits.rsh', (a, b) => {
    if (b < 0n) throw new BuiltinError('shift count must be non-negative');
    return a >> b;
  }),
  def('bits.negate', 1, (a) => normInt(~bigInt(a, 0, 'bits.negate'))),
  def('units.parse', 1, (a) => {
    const s = str(a, 0).replace(/^"(.*)"$/, '$1');
    const [n, suffix] = splitQuantity(s);
    if (suffix === '') return scale(n, 1);
    if (/^[A-Za-z][iI]$/.test(suffix)) {
      const f = iec(suffix[0] as string);
      return f === undefined ? undefined : scale(n, f);
    }
    // An unknown unit (such as "mb") leaves the result undefined.
    const f = SI[suffix];
    return f === undefined ? undefined : scale(n, f);
  }),
  def('units.parse_bytes', 1, (a) => {
    const s = str(a, 0).replace(/^"(.*)"$/, '$1');
    const [n, rawSuffix] = splitQuantity(s);
    const suffix = rawSuffix.toLowerCase().replace(/b$/, '');
    let v: Value;
    if (suffix === '') v = scale(n, 1);
    else if (suffix.endsWith('i')) {
      const f = iec(suffix.slice(0, -1));
      if (f === undefined || suffix.length !== 2) throw new BuiltinError(`unknown unit ${rawSuffix}`);
      v = scale(n, f);
    } else {
      const map: Record<string, number> = {
        k: 1e3,
        m: 1e6,
        g: 1e9,
        t: 1e12,
        p: 1e15,
        e: 1e18,
        z: 1e21,
        y: 1e24,
        r: 1e27,
        q: 1e30,
      };
      const f = map[suffix];
      if (f === undefined) throw new BuiltinError(`unknown unit ${rawSuffix}`);
      v = scale(n, f);
    }
    // Bytes are whole: OPA rounds to an integer.
    if (typeof v === 'number' && !Number.isInteger(v)) return Math.round(v);
    return v;
  }),
];
