/**
 * Rego arithmetic. OPA computes integer arithmetic exactly (big.Int) and
 * everything else as float64, so integers here widen to bigint instead of
 * losing precision, and shrink back to number when they fit.
 */

const MAX = BigInt(Number.MAX_SAFE_INTEGER);
const MIN = -MAX;

export class ArithmeticError extends Error {}

/** bigint → number when exact, so each integer has one representation. */
export function normInt(b: bigint): number | bigint {
  return b <= MAX && b >= MIN ? Number(b) : b;
}

export function isInt(n: number | bigint): boolean {
  return typeof n === 'bigint' || Number.isInteger(n);
}

export function toBig(n: number | bigint): bigint {
  return typeof n === 'bigint' ? n : BigInt(n);
}

export function toFloat(n: number | bigint): number {
  return typeof n === 'bigint' ? Number(n) : n;
}

export function add(a: number | bigint, b: number | bigint): number | bigint {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (Number.isSafeInteger(r) || !Number.isInteger(a) || !Number.isInteger(b)) return r;
  }
  if (isInt(a) && isInt(b)) return normInt(toBig(a) + toBig(b));
  return toFloat(a) + toFloat(b);
}

export function sub(a: number | bigint, b: number | bigint): number | bigint {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a - b;
    if (Number.isSafeInteger(r) || !Number.isInteger(a) || !Number.isInteger(b)) return r;
  }
  if (isInt(a) && isInt(b)) return normInt(toBig(a) - toBig(b));
  return toFloat(a) - toFloat(b);
}

export function mul(a: number | bigint, b: number | bigint): number | bigint {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a * b;
    if (Number.isSafeInteger(r) || !Number.isInteger(a) || !Number.isInteger(b)) return r === 0 ? 0 : r;
  }
  if (isInt(a) && isInt(b)) return normInt(toBig(a) * toBig(b));
  return toFloat(a) * toFloat(b);
}

export function div(a: number | bigint, b: number | bigint): number | bigint {
  if (toFloat(b) === 0 && (typeof b === 'number' || b === 0n)) throw new ArithmeticError('divide by zero');
  if (isInt(a) && isInt(b)) {
    const x = toBig(a);
    const y = toBig(b);
    if (x % y === 0n) return normInt(x / y);
  }
  const r = toFloat(a) / toFloat(b);
  return r === 0 ? 0 : r;
}

export function rem(a: number | bigint, b: number | bigint): number | bigint {
  if (!isInt(a) || !isInt(b)) throw new ArithmeticError('modulo on floating-point number');
  if (toBig(b) === 0n) throw new ArithmeticError('modulo by zero');
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a % b;
    return r === 0 ? 0 : r;
  }
  return normInt(toBig(a) % toBig(b));
}

export function neg(a: number | bigint): number | bigint {
  return typeof a === 'bigint' ? normInt(-a) : a === 0 ? 0 : -a;
}

export function abs(a: number | bigint): number | bigint {
  return typeof a === 'bigint' ? normInt(a < 0n ? -a : a) : Math.abs(a);
}

/** Parses a number literal exactly: big integers stay exact. */
export function parseNumber(text: string): number | bigint | undefined {
  if (/^-?\d+$/.test(text)) {
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : normInt(BigInt(text));
  }
  if (!/^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n)) return undefined;
  // "1e3" is an integer; keep it exact when it is large.
  if (Number.isInteger(n) && !Number.isSafeInteger(n)) {
    const exact = exactIntegerFromDecimal(text);
    if (exact !== undefined) return normInt(exact);
  }
  return n === 0 ? 0 : n;
}

function exactIntegerFromDecimal(text: string): bigint | undefined {
  const m = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return undefined;
  const digits = `${m[2] ?? ''}${m[3] ?? ''}`.replace(/^0+/, '') || '0';
  const exp = Number(m[4] ?? '0') - (m[3] ?? '').length;
  if (exp < 0) {
    const cut = digits.length + exp;
    if (cut <= 0 || !/^0*$/.test(digits.slice(cut))) return undefined;
    return BigInt(m[1] + digits.slice(0, cut));
  }
  if (exp > 4000) return undefined;
  return BigInt(m[1] + digits + '0'.repeat(exp));
}

/** Number as JSON text: integers in full, floats in shortest round-trip form. */
export function formatNumber(n: number | bigint): string {
  if (typeof n === 'bigint') return n.toString();
  if (Number.isInteger(n)) return Math.abs(n) <= Number.MAX_SAFE_INTEGER ? String(n) : BigInt(n).toString();
  return String(n);
}

/** An integer that fits a JS number, or undefined (used for indexes, counts). */
export function asSafeInt(n: number | bigint): number | undefined {
  if (typeof n === 'bigint') return undefined;
  return Number.isSafeInteger(n) ? n : undefined;
}
