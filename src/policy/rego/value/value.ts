/**
 * Rego values at run time. JSON scalars and arrays are JS natives so that input
 * converts cheaply; objects and sets are classes because Rego lets any value be
 * an object key or a set element. Integers beyond 2^53 are `bigint` (OPA keeps
 * integer arithmetic exact); a bigint that fits a safe integer is always
 * normalised back to `number`, so each integer has one representation.
 *
 * Values are immutable once shared: builders mutate only what they just made.
 */

export type Value = null | boolean | number | bigint | string | Value[] | RObject | RSet;

/** OPA's type names, as `type_name` and error messages print them. */
export type TypeName = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object' | 'set';

export function typeName(v: Value): TypeName {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return 'boolean';
    case 'number':
    case 'bigint':
      return 'number';
    case 'string':
      return 'string';
    default:
      if (Array.isArray(v)) return 'array';
      return v instanceof RObject ? 'object' : 'set';
  }
}

/** OPA's sort order across types: null < boolean < number < string < array < object < set. */
function rank(v: Value): number {
  if (v === null) return 0;
  switch (typeof v) {
    case 'boolean':
      return 1;
    case 'number':
    case 'bigint':
      return 2;
    case 'string':
      return 3;
    default:
      if (Array.isArray(v)) return 4;
      return v instanceof RObject ? 5 : 6;
  }
}

export function isNumber(v: Value | undefined): v is number | bigint {
  return typeof v === 'number' || typeof v === 'bigint';
}

/** Canonical text of a number: equal numbers (1, 1.0, 10n**0n) get equal keys. */
export function numberKey(n: number | bigint): string {
  if (typeof n === 'bigint') return n.toString();
  if (Number.isInteger(n))
    return Math.abs(n) <= Number.MAX_SAFE_INTEGER ? String(n + 0) : BigInt(n).toString();
  return String(n);
}

export function compareNumbers(a: number | bigint, b: number | bigint): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  // Mixed: compare exactly when the float is integral, else as floats.
  if (typeof a === 'number') {
    if (!Number.isInteger(a)) return a < Number(b) ? -1 : a > Number(b) ? 1 : 0;
    const x = BigInt(a);
    return x < (b as bigint) ? -1 : x > (b as bigint) ? 1 : 0;
  }
  if (!Number.isInteger(b)) return Number(a) < (b as number) ? -1 : Number(a) > (b as number) ? 1 : 0;
  const y = BigInt(b as number);
  return a < y ? -1 : a > y ? 1 : 0;
}

/** Go compares strings bytewise in UTF-8, which is code point order, not UTF-16 unit order. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) return fixSurrogate(x) - fixSurrogate(y);
    return x - y;
  }
  return a.length - b.length;
}

function fixSurrogate(c: number): number {
  // Surrogates (astral code points) must sort after U+E000..U+FFFF.
  return c >= 0xe000 ? c - 0x800 : c + 0x2000;
}

export function compare(a: Value, b: Value): number {
  if (a === b) return 0;
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return (a ? 1 : 0) - (b ? 1 : 0);
    case 2:
      return compareNumbers(a as number | bigint, b as number | bigint);
    case 3:
      return compareStrings(a as string, b as string);
    case 4:
      return compareArrays(a as Value[], b as Value[]);
    case 5:
      return (a as RObject).compareTo(b as RObject);
    default:
      return compareArrays((a as RSet).sorted(), (b as RSet).sorted());
  }
}

function compareArrays(a: readonly Value[], b: readonly Value[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compare(a[i] as Value, b[i] as Value);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

export function equals(a: Value, b: Value): boolean {
  if (a === b) return true;
  const ta = typeof a;
  if (ta === 'string' || ta === 'boolean' || a === null || b === null) return false;
  if (ta === 'number' || ta === 'bigint') {
    return (typeof b === 'number' || typeof b === 'bigint') && compareNumbers(a as number, b) === 0;
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equals(a[i] as Value, b[i] as Value)) return false;
    return true;
  }
  if (a instanceof RObject) return b instanceof RObject && a.equalsObject(b);
  if (a instanceof RSet) return b instanceof RSet && a.equalsSet(b);
  return false;
}

/**
 * A string that is equal for equal values and distinct otherwise; used to hash
 * object keys and set elements that are not strings.
 */
export function keyOf(v: Value): string {
  if (v === null) return 'n';
  switch (typeof v) {
    case 'boolean':
      return v ? 't' : 'f';
    case 'number':
    case 'bigint':
      return `#${numberKey(v)}`;
    case 'string':
      return JSON.stringify(v);
    default:
      if (Array.isArray(v)) {
        let s = '[';
        for (let i = 0; i < v.length; i++) s += (i ? ',' : '') + keyOf(v[i] as Value);
        return `${s}]`;
      }
      return v instanceof RObject ? v.hashKey() : (v as RSet).hashKey();
  }
}

type RawJSON = Record<string, unknown>;

/** Converts a JSON scalar or array eagerly and a JSON object lazily. */
export type JsonConverter = (x: unknown, depth: number) => Value;

/** A Rego object. String keys (the usual case) are kept apart so lookups need no hashing. */
export class RObject {
  private readonly str = new Map<string, Value>();
  private other: Map<string, [Value, Value]> | null = null;
  private sortedKeys: Value[] | null = null;
  private hash: string | null = null;
  /** Raw JSON whose members have not all been converted yet (input is converted on demand). */
  private raw: RawJSON | null = null;
  private rawSize = 0;
  private rawDepth = 0;
  private convert: JsonConverter | null = null;

  static fromRaw(raw: RawJSON, convert: JsonConverter, depth: number): RObject {
    const o = new RObject();
    o.raw = raw;
    o.rawSize = Object.keys(raw).length;
    o.convert = convert;
    o.rawDepth = depth;
    return o;
  }

  get size(): number {
    if (this.raw) return this.rawSize;
    return this.str.size + (this.other ? this.other.size : 0);
  }

  /** Converts every pending raw member; needed before iterating or hashing. */
  private force(): void {
    const raw = this.raw;
    if (!raw) return;
    this.raw = null;
    for (const k of Object.keys(raw)) {
      if (!this.str.has(k)) this.str.set(k, (this.convert as JsonConverter)(raw[k], this.rawDepth + 1));
    }
    this.convert = null;
  }

  getStr(key: string): Value | undefined {
    const v = this.str.get(key);
    if (v !== undefined || !this.raw) return v;
    if (!Object.hasOwn(this.raw, key)) return undefined;
    const c = (this.convert as JsonConverter)(this.raw[key], this.rawDepth + 1);
    this.str.set(key, c);
    return c;
  }

  get(key: Value): Value | undefined {
    if (typeof key === 'string') return this.getStr(key);
    if (!this.other) return undefined;
    const e = this.other.get(keyOf(key));
    return e ? e[1] : undefined;
  }

  has(key: Value): boolean {
    return this.get(key) !== undefined;
  }

  /** Only for objects under construction. */
  set(key: Value, value: Value): void {
    this.force();
    this.sortedKeys = null;
    this.hash = null;
    if (typeof key === 'string') {
      this.str.set(key, value);
      return;
    }
    if (!this.other) this.other = new Map();
    const k = keyOf(key);
    const prev = this.other.get(k);
    this.other.set(k, [prev ? prev[0] : key, value]);
  }

  /** Only for objects under construction. */
  delete(key: Value): void {
    this.force();
    this.sortedKeys = null;
    this.hash = null;
    if (typeof key === 'string') this.str.delete(key);
    else this.other?.delete(keyOf(key));
  }

  /** Keys in OPA's order. */
  keys(): Value[] {
    if (this.sortedKeys) return this.sortedKeys;
    this.force();
    const lo: Value[] = [];
    const hi: Value[] = [];
    if (this.other) {
      for (const [k] of this.other.values()) (rank(k) < 3 ? lo : hi).push(k);
      lo.sort(compare);
      hi.sort(compare);
    }
    const ks = lo;
    for (const s of [...this.str.keys()].sort(compareStrings)) ks.push(s);
    for (const k of hi) ks.push(k);
    this.sortedKeys = ks;
    return ks;
  }

  /** Entries in insertion order, cheaper than sorted when order does not matter. */
  forEachUnordered(fn: (k: Value, v: Value) => void): void {
    this.force();
    for (const [k, v] of this.str) fn(k, v);
    if (this.other) for (const [k, v] of this.other.values()) fn(k, v);
  }

  /** Only string keys, without conversion of values; used by fast paths. */
  hasOnlyStringKeys(): boolean {
    return this.other === null || this.other.size === 0;
  }

  compareTo(b: RObject): number {
    const ak = this.keys();
    const bk = b.keys();
    const n = Math.min(ak.length, bk.length);
    for (let i = 0; i < n; i++) {
      const ka = ak[i] as Value;
      const c = compare(ka, bk[i] as Value);
      if (c !== 0) return c;
      const cv = compare(this.get(ka) as Value, b.get(bk[i] as Value) as Value);
      if (cv !== 0) return cv;
    }
    return ak.length - bk.length;
  }

  equalsObject(b: RObject): boolean {
    if (this.size !== b.size) return false;
    let ok = true;
    this.force();
    for (const [k, v] of this.str) {
      const w = b.getStr(k);
      if (w === undefined || !equals(v, w)) {
        ok = false;
        break;
      }
    }
    if (ok && this.other) {
      for (const [k, v] of this.other.values()) {
        const w = b.get(k);
        if (w === undefined || !equals(v, w)) return false;
      }
    }
    return ok;
  }

  hashKey(): string {
    if (this.hash !== null) return this.hash;
    const parts: string[] = [];
    this.forEachUnordered((k, v) => {
      parts.push(`${keyOf(k)}:${keyOf(v)}`);
    });
    parts.sort();
    this.hash = `{${parts.join(',')}}`;
    return this.hash;
  }
}

/** A Rego set; string elements are kept apart so membership tests need no hashing. */
export class RSet {
  private readonly str = new Set<string>();
  private other: Map<string, Value> | null = null;
  private sortedCache: Value[] | null = null;
  private hash: string | null = null;

  static of(values: Iterable<Value>): RSet {
    const s = new RSet();
    for (const v of values) s.add(v);
    return s;
  }

  get size(): number {
    return this.str.size + (this.other ? this.other.size : 0);
  }

  /** Only for sets under construction; true if the element was new. */
  add(v: Value): boolean {
    if (typeof v === 'string') {
      if (this.str.has(v)) return false;
      this.str.add(v);
    } else {
      if (!this.other) this.other = new Map();
      const k = keyOf(v);
      if (this.other.has(k)) return false;
      this.other.set(k, v);
    }
    this.sortedCache = null;
    this.hash = null;
    return true;
  }

  has(v: Value): boolean {
    if (typeof v === 'string') return this.str.has(v);
    return this.other?.has(keyOf(v)) === true;
  }

  /** The stored element equal to v (sets may hold 1 where 1.0 was asked). */
  find(v: Value): Value | undefined {
    if (typeof v === 'string') return this.str.has(v) ? v : undefined;
    return this.other ? this.other.get(keyOf(v)) : undefined;
  }

  /** Elements in OPA's order. */
  sorted(): Value[] {
    if (this.sortedCache) return this.sortedCache;
    const lo: Value[] = [];
    const hi: Value[] = [];
    if (this.other) {
      for (const v of this.other.values()) (rank(v) < 3 ? lo : hi).push(v);
      lo.sort(compare);
      hi.sort(compare);
    }
    const strs = [...this.str].sort(compareStrings);
    const out: Value[] = lo;
    for (const s of strs) out.push(s);
    for (const v of hi) out.push(v);
    this.sortedCache = out;
    return out;
  }

  forEachUnordered(fn: (v: Value) => void): void {
    for (const s of this.str) fn(s);
    if (this.other) for (const v of this.other.values()) fn(v);
  }

  equalsSet(b: RSet): boolean {
    if (this.size !== b.size) return false;
    for (const s of this.str) if (!b.has(s)) return false;
    if (this.other) for (const v of this.other.values()) if (!b.has(v)) return false;
    return true;
  }

  hashKey(): string {
    if (this.hash !== null) return this.hash;
    const parts: string[] = [];
    this.forEachUnordered((v) => {
      parts.push(keyOf(v));
    });
    parts.sort();
    this.hash = `<${parts.join(',')}>`;
    return this.hash;
  }
}

export const EMPTY_ARRAY: readonly Value[] = Object.freeze([]);

export function isObject(v: Value | undefined): v is RObject {
  return v instanceof RObject;
}

export function isSet(v: Value | undefined): v is RSet {
  return v instanceof RSet;
}

/** Truthiness as a Rego expression sees it: everything but `false` (and undefined) holds. */
export function holds(v: Value | undefined): boolean {
  return v !== undefined && v !== false;
}
