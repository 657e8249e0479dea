/**
 * sprintf with Go's fmt rules, as OPA calls it: integers are Go ints (or
 * big.Int when large), other numbers float64, strings Go strings, and every
 * other value is printed as Rego prints it (`["a", "b"]`, `{"a"}`, `set()`).
 * Verbs that do not fit an argument print Go's `%!v(type=value)` forms.
 */
import { formatBare, formatValue } from '../value/format.js';
import type { Value } from '../value/value.js';
import { arr, type BuiltinDef, def, str } from './types.js';

type Arg =
  | { t: 'int'; v: bigint; big: boolean }
  | { t: 'float'; v: number }
  | { t: 'string'; v: string }
  | { t: 'value'; v: Value; goType: string };

function toArg(v: Value): Arg {
  if (typeof v === 'bigint') return { t: 'int', v, big: true };
  if (typeof v === 'number') {
    if (Number.isInteger(v)) {
      const big = !Number.isSafeInteger(v);
      return { t: 'int', v: BigInt(v), big };
    }
    return { t: 'float', v };
  }
  if (typeof v === 'string') return { t: 'string', v };
  const goType =
    v === null
      ? 'ast.Null'
      : typeof v === 'boolean'
        ? 'ast.Boolean'
        : Array.isArray(v)
          ? '*ast.Array'
          : 'keys' in v
            ? '*ast.object'
            : '*ast.set';
  return { t: 'value', v, goType };
}

interface Spec {
  minus: boolean;
  plus: boolean;
  space: boolean;
  zero: boolean;
  sharp: boolean;
  width: number | undefined;
  prec: number | undefined;
}

function pad(s: string, spec: Spec, numeric: boolean): string {
  const w = spec.width;
  if (w === undefined) return s;
  const len = Array.from(s).length;
  if (len >= w) return s;
  const fill = w - len;
  if (spec.minus) return s + ' '.repeat(fill);
  if (spec.zero && numeric) {
    const sign = s[0] === '-' || s[0] === '+' ? (s[0] as string) : '';
    return sign + '0'.repeat(fill) + s.slice(sign.length);
  }
  return ' '.repeat(fill) + s;
}

/** Go's %e: mantissa digits and an exponent of at least two digits. */
function goExp(f: number, prec: number | undefined, upper: boolean): string {
  let s = prec === undefined ? f.toExponential() : f.toExponential(prec);
  s = s.replace(/e([+-])(\d)$/, 'e$10$2');
  return upper ? s.toUpperCase() : s;
}

/** Go's %g / %v for float64: shortest digits, exponent form when exp < -4 or exp >= 6 (or the precision). */
function goG(f: number, prec: number | undefined, upper: boolean): string {
  if (!Number.isFinite(f)) return Number.isNaN(f) ? 'NaN' : f > 0 ? '+Inf' : '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const exp = Math.floor(Math.log10(Math.abs(f)));
  const eprec = prec === undefined ? 6 : prec === 0 ? 1 : prec;
  let s: string;
  if (exp < -4 || exp >= eprec) {
    s = prec === undefined ? f.toExponential() : f.toExponential(Math.max(0, eprec - 1));
    s = s.replace(/\.?0+e/, 'e').replace(/e([+-])(\d)$/, 'e$10$2');
  } else {
    s = prec === undefined ? String(f) : String(Number(f.toPrecision(eprec)));
  }
  return upper ? s.toUpperCase() : s;
}

function goQuote(s: string): string {
  return JSON.stringify(s).replace(/\\u([0-9a-f]{4})/g, (m, h: string) => {
    const c = Number.parseInt(h, 16);
    return c < 0x20 || c === 0x7f ? `\\x${h.slice(2)}` : m;
  });
}

function bad(verb: string, a: Arg): string {
  switch (a.t) {
    case 'int':
      return `%!${verb}(${a.big ? '*big.Int' : 'int'}=${a.v})`;
    case 'float':
      return `%!${verb}(float64=${goG(a.v, undefined, false)})`;
    case 'string':
      return `%!${verb}(string=${a.v})`;
    default:
      return `%!${verb}(${a.goType}=${formatValue(a.v)})`;
  }
}

function fmtInt(v: bigint, verb: string, spec: Spec): string {
  const neg = v < 0n;
  const abs = neg ? -v : v;
  let digits: string;
  switch (verb) {
    case 'b':
      digits = abs.toString(2);
      break;
    case 'o':
      digits = (spec.sharp ? '0' : '') + abs.toString(8);
      break;
    case 'x':
      digits = (spec.sharp ? '0x' : '') + abs.toString(16);
      break;
    case 'X':
      digits = (spec.sharp ? '0X' : '') + abs.toString(16).toUpperCase();
      break;
    default:
      digits = abs.toString(10);
  }
  if (spec.prec !== undefined && digits.length < spec.prec)
    digits = '0'.repeat(spec.prec - digits.length) + digits;
  const sign = neg ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  return pad(sign + digits, spec, true);
}

function formatOne(verb: string, a: Arg, spec: Spec): string {
  if (verb === 'T') {
    const t =
      a.t === 'int'
        ? a.big
          ? '*big.Int'
          : 'int'
        : a.t === 'float'
          ? 'float64'
          : a.t === 'string'
            ? 'string'
            : a.goType;
    return pad(t, spec, false);
  }
  switch (a.t) {
    case 'int':
      if ('bdoxXv'.includes(verb) || (verb === 's' && a.big))
        return fmtInt(a.v, verb === 'v' || verb === 's' ? 'd' : verb, spec);
      if (verb === 'd') return fmtInt(a.v, 'd', spec);
      if (verb === 'c' && !a.big) return pad(String.fromCodePoint(Number(a.v)), spec, false);
      if (verb === 'q' && !a.big) return pad(`'${String.fromCodePoint(Number(a.v))}'`, spec, false);
      if ('eEfFgG'.includes(verb) && a.big) return formatOne(verb, { t: 'float', v: Number(a.v) }, spec);
      return bad(verb, a);
    case 'float': {
      const f = a.v;
      let s: string;
      switch (verb) {
        case 'v':
        case 'g':
          s = goG(f, spec.prec, false);
          break;
        case 'G':
          s = goG(f, spec.prec, true);
          break;
        case 'f':
        case 'F':
          s = f.toFixed(spec.prec ?? 6);
          break;
        case 'e':
        case 'E':
          s = goExp(f, spec.prec ?? 6, verb === 'E');
          break;
        default:
          return bad(verb, a);
      }
      if (f >= 0 && spec.plus) s = `+${s}`;
      else if (f >= 0 && spec.space) s = ` ${s}`;
      return pad(s, spec, true);
    }
    case 'string': {
      let s = a.v;
      switch (verb) {
        case 'v':
        case 's':
          if (spec.prec !== undefined) s = Array.from(s).slice(0, spec.prec).join('');
          return pad(s, spec, false);
        case 'q':
          return pad(goQuote(s), spec, false);
        case 'x':
        case 'X': {
          const hex = Buffer.from(s, 'utf8').toString('hex');
          return pad(verb === 'X' ? hex.toUpperCase() : hex, spec, false);
        }
        default:
          return bad(verb, a);
      }
    }
    default:
      if (verb === 'v' || verb === 's') return pad(formatBare(a.v), spec, false);
      if (verb === 't' && typeof a.v === 'boolean') return bad(verb, a);
      return bad(verb, a);
  }
}

function argText(a: Arg): string {
  switch (a.t) {
    case 'int':
      return `${a.big ? '*big.Int' : 'int'}=${a.v}`;
    case 'float':
      return `float64=${goG(a.v, undefined, false)}`;
    case 'string':
      return `string=${a.v}`;
    default:
      return `${a.goType}=${formatValue(a.v)}`;
  }
}

export function goSprintf(format: string, values: Value[]): string {
  const args = values.map(toArg);
  let out = '';
  let ai = 0;
  let i = 0;
  while (i < format.length) {
    const c = format[i] as string;
    if (c !== '%') {
      out += c;
      i++;
      continue;
    }
    i++;
    const spec: Spec = {
      minus: false,
      plus: false,
      space: false,
      zero: false,
      sharp: false,
      width: undefined,
      prec: undefined,
    };
    for (; i < format.length; i++) {
      const f = format[i];
      if (f === '-') spec.minus = true;
      else if (f === '+') spec.plus = true;
      else if (f === ' ') spec.space = true;
      else if (f === '0') spec.zero = true;
      else if (f === '#') spec.sharp = true;
      else break;
    }
    let m = /^\d+/.exec(format.slice(i));
    if (m) {
      spec.width = Number(m[0]);
      i += m[0].length;
    }
    if (format[i] === '.') {
      i++;
      m = /^\d+/.exec(format.slice(i));
      spec.prec = m ? Number(m[0]) : 0;
      if (m) i += m[0].length;
    }
    const verb = format[i];
    if (verb === undefined) {
      out += '%!(NOVERB)';
      break;
    }
    i++;
    if (verb === '%') {
      out += '%';
      continue;
    }
    const a = args[ai++];
    if (a === undefined) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += formatOne(verb, a, spec);
  }
  if (ai < args.length) out += `%!(EXTRA ${args.slice(ai).map(argText).join(', ')})`;
  return out;
}

export const SPRINTF: BuiltinDef[] = [def('sprintf', 2, (args) => goSprintf(str(args, 0), arr(args, 1)))];
