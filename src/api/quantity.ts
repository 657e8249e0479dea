/**
 * Kubernetes resource quantities (`100m`, `512Mi`, `1.5Gi`, `1e3`), parsed, compared and
 * printed the way apimachinery's `resource.Quantity` does. Values are exact: a BigInt
 * mantissa and a power-of-ten exponent, never a float.
 *
 * Grammar (apimachinery's, with its scanner's leniencies: `1.`, `.5`, `1.G`):
 *   <sign>? <digits>? [ "." <digits>? ] <suffix>
 *   suffix: Ki Mi Gi Ti Pi Ei | n u m "" k M G T P E | e<int> E<int>
 */

import { EdgewiseError } from './errors.js';

/** How a quantity is printed; parsing remembers the form it was written in. */
export type QuantityFormat = 'DecimalExponent' | 'BinarySI' | 'DecimalSI';

const DECIMAL_SI = new Map<string, number>([
  ['n', -9],
  ['u', -6],
  ['m', -3],
  ['', 0],
  ['k', 3],
  ['M', 6],
  ['G', 9],
  ['T', 12],
  ['P', 15],
  ['E', 18],
]);
const DECIMAL_SI_BY_EXPONENT = new Map([...DECIMAL_SI].map(([suffix, exponent]) => [exponent, suffix]));
const BINARY_SI = new Map<string, number>([
  ['Ki', 10],
  ['Mi', 20],
  ['Gi', 30],
  ['Ti', 40],
  ['Pi', 50],
  ['Ei', 60],
]);
const BINARY_SI_BY_POWER = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

// The same shape apimachinery's scanner accepts: number, then a run of suffix letters,
// then an optional signed integer. Whether the suffix means anything is checked after.
const QUANTITY_SHAPE = /^([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*[+-]?[0-9]*)$/;
const EXPONENT_SUFFIX = /^[eE]([+-]?[0-9]+)$/;
const MAX_INT32 = 2147483647;
const MAX_INT64 = (1n << 63n) - 1n;
/**
 * Inputs longer than this are rejected. Kubernetes has no such limit, but no real
 * quantity comes close and it bounds the BigInt work one request can cause.
 */
const MAX_TEXT_LENGTH = 256;
/**
 * Values of 10^MAX_MAGNITUDE or more are rejected (Kubernetes accepts `1e2147483647`).
 * Keeping magnitudes bounded keeps every comparison and sum cheap.
 */
const MAX_MAGNITUDE = 1000;
/** Parsed values are rounded up to a multiple of 10^-9, as apimachinery does. */
const NANO_EXPONENT = -9;

// The parser builds quantities through this, so the constructor can stay private.
let construct: (mantissa: bigint, exponent: number, format: QuantityFormat) => Quantity;

/** An exact resource quantity. Immutable: arithmetic returns a new Quantity. */
export class Quantity {
  static {
    construct = (mantissa, exponent, format) => new Quantity(mantissa, exponent, format);
  }

  readonly #mantissa: bigint;
  readonly #exponent: number;
  /** The format `toString()` prints in (apimachinery's `Quantity.Format`). */
  readonly format: QuantityFormat;

  private constructor(mantissa: bigint, exponent: number, format: QuantityFormat) {
    let m = mantissa;
    let e = exponent;
    if (m === 0n) {
      e = 0;
    } else {
      while (m % 10n === 0n) {
        m /= 10n;
        e += 1;
      }
    }
    this.#mantissa = m;
    this.#exponent = e;
    this.format = format;
  }

  /** `value` units exactly, like `resource.NewQuantity`. */
  static fromValue(value: bigint | number, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(toBigInt(value), 0, format);
  }

  /** `milli` thousandths, like `resource.NewMilliQuantity` (`fromMilli(500)` prints `500m`). */
  static fromMilli(milli: bigint | number, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(toBigInt(milli), -3, format);
  }

  /** `value × 10^scale` in DecimalSI, like `resource.NewScaledQuantity`; |scale| ≤ 1000. */
  static fromScaled(value: bigint | number, scale: number): Quantity {
    if (!Number.isSafeInteger(scale) || Math.abs(scale) > MAX_MAGNITUDE) {
      throw new RangeError(`scale must be an integer within ±${MAX_MAGNITUDE}, got ${scale}`);
    }
    return new Quantity(toBigInt(value), scale, 'DecimalSI');
  }

  sign(): -1 | 0 | 1 {
    if (this.#mantissa === 0n) return 0;
    return this.#mantissa < 0n ? -1 : 1;
  }

  isZero(): boolean {
    return this.#mantissa === 0n;
  }

  /** -1, 0 or 1 as this is less than, equal to or greater than `other`. */
  cmp(other: Quantity): -1 | 0 | 1 {
    const a = this.sign();
    const b = other.sign();
    if (a !== b) return a < b ? -1 : 1;
    if (a === 0) return 0;
    const magnitude = compareMagnitude(
      abs(this.#mantissa),
      this.#exponent,
      abs(other.#mantissa),
      other.#exponent,
    );
    if (a > 0 || magnitude === 0) return magnitude;
    return magnitude > 0 ? -1 : 1;
  }

  equals(other: Quantity): boolean {
    return this.cmp(other) === 0;
  }

  /** this + other. A zero receiver takes `other`'s format, as apimachinery's Add does. */
  add(other: Quantity): Quantity {
    const exponent = Math.min(this.#exponent, other.#exponent);
    const sum = this.#scaledTo(exponent) + other.#scaledTo(exponent);
    return new Quantity(sum, exponent, this.isZero() ? other.format : this.format);
  }

  /** this − other. A zero receiver takes `other`'s format, as apimachinery's Sub does. */
  sub(other: Quantity): Quantity {
    const exponent = Math.min(this.#exponent, other.#exponent);
    const difference = this.#scaledTo(exponent) - other.#scaledTo(exponent);
    return new Quantity(difference, exponent, this.isZero() ? other.format : this.format);
  }

  neg(): Quantity {
    return new Quantity(-this.#mantissa, this.#exponent, this.format);
  }

  /**
   * The value divided by 10^scale, rounded away from zero to an integer, like
   * `Quantity.ScaledValue`. Unlike Go's int64 this never overflows.
   */
  scaledValue(scale: number): bigint {
    const shift = this.#exponent - scale;
    if (shift >= 0) return this.#mantissa * 10n ** BigInt(shift);
    return divideAwayFromZero(this.#mantissa, -shift);
  }

  /** The value rounded away from zero to an integer (`Quantity.Value`), e.g. bytes. */
  value(): bigint {
    return this.scaledValue(0);
  }

  /** ceil(value × 1000) away from zero (`Quantity.MilliValue`), e.g. millicores. */
  milliValue(): bigint {
    return this.scaledValue(-3);
  }

  /** A float approximation, for display and ratios only. */
  asApproximateNumber(): number {
    return Number(`${this.#mantissa}e${this.#exponent}`);
  }

  /** Canonical form, as Kubernetes serialises it: `1000m` → `1`, `1.5Gi` → `1536Mi`, `0.5` → `500m`. */
  toString(): string {
    if (this.#mantissa === 0n) return '0';
    let format = this.format;
    // A normalised negative exponent means a fraction. Fractions and values under 1024 have
    // no exact binary-suffix form, so apimachinery prints them in decimal.
    if (format === 'BinarySI' && (this.#exponent < 0 || this.#isBelow1024())) format = 'DecimalSI';
    if (format === 'BinarySI') {
      let mantissa = this.#mantissa * 10n ** BigInt(this.#exponent);
      let power = 0;
      while (mantissa % 1024n === 0n) {
        mantissa /= 1024n;
        power += 1;
      }
      const suffix = BINARY_SI_BY_POWER[power];
      // Past Ei there is no binary suffix; apimachinery falls back to exponent notation.
      if (suffix !== undefined) return `${mantissa}${suffix}`;
      format = 'DecimalExponent';
    }
    let mantissa = this.#mantissa;
    let exponent = this.#exponent;
    const remainder = ((exponent % 3) + 3) % 3;
    mantissa *= 10n ** BigInt(remainder);
    exponent -= remainder;
    if (format === 'DecimalSI') {
      const suffix = DECIMAL_SI_BY_EXPONENT.get(exponent);
      if (suffix !== undefined) return `${mantissa}${suffix}`;
    }
    return exponent === 0 ? `${mantissa}` : `${mantissa}e${exponent}`;
  }

  /** Quantities serialise as their canonical string, as in Kubernetes JSON. */
  toJSON(): string {
    return this.toString();
  }

  #scaledTo(exponent: number): bigint {
    return this.#mantissa * 10n ** BigInt(this.#exponent - exponent);
  }

  #isBelow1024(): boolean {
    return compareMagnitude(abs(this.#mantissa), this.#exponent, 1024n, 0) < 0;
  }
}

/**
 * Parses a quantity as Kubernetes does. Numbers (`cpu: 0.5` in a manifest) are read
 * through their JSON text, as apimachinery's UnmarshalJSON does.
 * @throws EdgewiseError EW_INVALID `invalid quantity "lots"`
 */
export function parseQuantity(text: string | number): Quantity {
  const quantity = tryParseQuantity(text);
  if (quantity === undefined) {
    throw new EdgewiseError('EW_INVALID', `invalid quantity ${quoteForMessage(text)}`);
  }
  return quantity;
}

/** Like parseQuantity, but returns undefined for anything that is not a valid quantity. */
export function tryParseQuantity(text: unknown): Quantity | undefined {
  let source: string;
  if (typeof text === 'number') {
    if (!Number.isFinite(text)) return undefined;
    source = String(text);
  } else if (typeof text === 'string') {
    source = text;
  } else {
    return undefined;
  }
  if (source.length === 0 || source.length > MAX_TEXT_LENGTH) return undefined;
  const match = QUANTITY_SHAPE.exec(source);
  if (!match) return undefined;
  const [, sign = '', whole = '', fraction = '', suffix = ''] = match;
  // apimachinery reads a bare suffix (`Mi`, `k`, `.`) as zero (kubernetes/apimachinery#165);
  // a quantity without a single digit is always a mistake, so it is rejected here.
  if (whole.length === 0 && fraction.length === 0) return undefined;

  const unit = interpretSuffix(suffix);
  if (unit === undefined) return undefined;

  const digits = (whole + fraction).replace(/^0+/, '');
  if (digits.length === 0) return construct(0n, 0, unit.format);
  let mantissa = BigInt(digits);
  let exponent = -fraction.length;
  if (unit.base === 2) mantissa <<= BigInt(unit.exponent);
  else exponent += unit.exponent;
  if (mantissa.toString().length + exponent > MAX_MAGNITUDE) return undefined;

  if (exponent < NANO_EXPONENT) {
    mantissa = divideAwayFromZero(mantissa, NANO_EXPONENT - exponent);
    exponent = NANO_EXPONENT;
  }
  let format = unit.format;
  if (format === 'BinarySI') {
    const integer = exponent >= 0 ? mantissa * 10n ** BigInt(exponent) : undefined;
    // apimachinery caps binary quantities at 2^63-1 ("9Ei" parses as 9223372036854775807).
    if (integer !== undefined && integer > MAX_INT64) {
      mantissa = MAX_INT64;
      exponent = 0;
    }
    // Fractions of a unit cannot be printed with a binary suffix, so they switch to decimal.
    if (compareMagnitude(mantissa, exponent, 1n, 0) < 0) format = 'DecimalSI';
  }
  return construct(sign === '-' ? -mantissa : mantissa, exponent, format);
}

/**
 * Bytes for people: the largest binary unit that fits, with at most two decimals,
 * truncated so a free amount is never overstated (`300Mi`, `1.5Gi`, `512`).
 */
export function formatBytes(bytes: Quantity | bigint | number): string {
  const value =
    bytes instanceof Quantity ? bytes.value() : typeof bytes === 'bigint' ? bytes : BigInt(Math.trunc(bytes));
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  let power = 0;
  while (power < 6 && magnitude >= 1024n ** BigInt(power + 1)) power += 1;
  const unit = 1024n ** BigInt(power);
  const hundredths = (magnitude * 100n) / unit;
  const whole = hundredths / 100n;
  const fraction = (hundredths % 100n).toString().padStart(2, '0').replace(/0+$/, '');
  const number = power === 0 || fraction === '' ? `${whole}` : `${whole}.${fraction}`;
  return `${negative ? '-' : ''}${number}${BINARY_SI_BY_POWER[power]}`;
}

interface SuffixMeaning {
  base: 2 | 10;
  exponent: number;
  format: QuantityFormat;
}

function interpretSuffix(suffix: string): SuffixMeaning | undefined {
  const decimal = DECIMAL_SI.get(suffix);
  if (decimal !== undefined) return { base: 10, exponent: decimal, format: 'DecimalSI' };
  const binary = BINARY_SI.get(suffix);
  if (binary !== undefined) return { base: 2, exponent: binary, format: 'BinarySI' };
  const match = EXPONENT_SUFFIX.exec(suffix);
  if (!match) return undefined;
  const digits = (match[1] ?? '').replace(/^[+-]?0*/, '');
  // Exponents outside int32 are rejected, as apimachinery does since it stores them in one.
  if (digits.length > 10 || Number(digits || '0') > MAX_INT32) return undefined;
  return { base: 10, exponent: Number(match[1]), format: 'DecimalExponent' };
}

/** Compares m1×10^e1 with m2×10^e2 for non-negative mantissas. */
function compareMagnitude(m1: bigint, e1: number, m2: bigint, e2: number): -1 | 0 | 1 {
  if (m1 === 0n || m2 === 0n) return m1 === m2 ? 0 : m1 === 0n ? -1 : 1;
  // Decide by the position of the leading digit first so huge exponents never get expanded.
  const lead1 = m1.toString().length + e1;
  const lead2 = m2.toString().length + e2;
  if (lead1 !== lead2) return lead1 < lead2 ? -1 : 1;
  const exponent = Math.min(e1, e2);
  const a = m1 * 10n ** BigInt(e1 - exponent);
  const b = m2 * 10n ** BigInt(e2 - exponent);
  return a === b ? 0 : a < b ? -1 : 1;
}

/** mantissa / 10^digits, rounded away from zero; any non-zero input stays non-zero. */
function divideAwayFromZero(mantissa: bigint, digits: number): bigint {
  if (mantissa === 0n) return 0n;
  const negative = mantissa < 0n;
  const magnitude = negative ? -mantissa : mantissa;
  let result: bigint;
  if (digits > magnitude.toString().length) {
    result = 1n;
  } else {
    const divisor = 10n ** BigInt(digits);
    result = magnitude / divisor + (magnitude % divisor === 0n ? 0n : 1n);
  }
  return negative ? -result : result;
}

function abs(value: bigint): bigint {
  return value < 0n ? -value : value;
}

function toBigInt(value: bigint | number): bigint {
  if (typeof value === 'bigint') return value;
  if (!Number.isSafeInteger(value)) throw new RangeError(`expected an integer, got ${value}`);
  return BigInt(value);
}

function quoteForMessage(text: string | number): string {
  const shown = String(text);
  // A rejected multi-megabyte value should not come back as a multi-megabyte message.
  return JSON.stringify(shown.length > 64 ? `${shown.slice(0, 64)}…` : shown);
}
