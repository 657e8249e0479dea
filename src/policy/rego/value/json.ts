/**
 * Conversion between JSON (what callers hand in and get back) and Rego values.
 * Objects convert lazily, member by member, so a large input that a policy only
 * glances at costs little. Nesting is bounded so hostile input cannot overflow
 * the stack of the recursive walks that compare and hash values.
 */
import { RegoError } from '../errors.js';
import { formatNumber, normInt } from './number.js';
import { compareStrings, RObject, RSet, type Value } from './value.js';

/** JSON as callers see it; bigint carries integers beyond 2^53 exactly. */
export type JSONValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | JSONValue[]
  | { [key: string]: JSONValue };

/** Deepest nesting accepted in input and data unless configured otherwise. */
export const DEFAULT_MAX_DEPTH = 1000;

let maxDepth = DEFAULT_MAX_DEPTH;

/** Sets the nesting limit for values converted from JSON (process-wide). */
export function setMaxJsonDepth(depth: number): void {
  maxDepth = depth;
}

function tooDeep(): RegoError {
  return RegoError.one(
    'eval_limit_error',
    `input or data nests deeper than ${maxDepth} levels; raise maxDepth if this is intended`,
  );
}

function convert(x: unknown, depth: number): Value {
  if (x === null || x === undefined) return null;
  switch (typeof x) {
    case 'boolean':
    case 'string':
      return x;
    case 'number':
      if (!Number.isFinite(x)) throw RegoError.one('eval_type_error', `cannot convert ${x} to a Rego number`);
      return x === 0 ? 0 : x;
    case 'bigint':
      return normInt(x);
    case 'object': {
      if (depth >= maxDepth) throw tooDeep();
      if (Array.isArray(x)) {
        const out: Value[] = new Array(x.length);
        for (let i = 0; i < x.length; i++) out[i] = convert(x[i], depth + 1);
        return out;
      }
      if (x instanceof RObject || x instanceof RSet) return x;
      return RObject.fromRaw(stripUndefined(x as Record<string, unknown>), convert, depth);
    }
    default:
      throw RegoError.one('eval_type_error', `cannot convert a ${typeof x} to a Rego value`);
  }
}

function stripUndefined(o: Record<string, unknown>): Record<string, unknown> {
  for (const k in o) {
    if (o[k] === undefined) {
      const copy: Record<string, unknown> = {};
      for (const j in o) if (o[j] !== undefined) copy[j] = o[j];
      return copy;
    }
  }
  return o;
}

/** JSON (or JS data that JSON.stringify would accept) → Rego value. */
export function fromJSON(x: unknown): Value {
  return convert(x, 0);
}

export interface ToJSONOptions {
  /** Keep integers beyond 2^53 as bigint instead of rounding them to number. @default false */
  bigint?: boolean;
}

/** Rego value → JSON: sets become arrays in OPA's order, non-string object keys their JSON text. */
export function toJSON(v: Value, options?: ToJSONOptions): JSONValue {
  return toJS(v, options?.bigint === true);
}

function toJS(v: Value, keepBig: boolean): JSONValue {
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'bigint') return keepBig ? v : Number(v);
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => toJS(x, keepBig));
  if (v instanceof RSet) return v.sorted().map((x) => toJS(x, keepBig));
  const out: { [key: string]: JSONValue } = {};
  for (const k of v.keys()) {
    out[typeof k === 'string' ? k : toJSONText(k)] = toJS(v.get(k) as Value, keepBig);
  }
  return out;
}

/** Rego value → JSON text with exact big integers and sorted keys (as OPA prints). */
export function toJSONText(v: Value | JSONValue, indent?: number): string {
  const parts: string[] = [];
  write(v, parts, indent ?? 0, 0);
  return parts.join('');
}

function write(v: Value | JSONValue, out: string[], indent: number, level: number): void {
  if (v === null) {
    out.push('null');
    return;
  }
  switch (typeof v) {
    case 'boolean':
      out.push(v ? 'true' : 'false');
      return;
    case 'number':
    case 'bigint':
      out.push(formatNumber(v));
      return;
    case 'string':
      out.push(JSON.stringify(v));
      return;
  }
  const nl = indent > 0 ? `\n${' '.repeat(indent * (level + 1))}` : '';
  const close = indent > 0 ? `\n${' '.repeat(indent * level)}` : '';
  const sep = indent > 0 ? ': ' : ':';
  if (Array.isArray(v) || v instanceof RSet) {
    const items = v instanceof RSet ? v.sorted() : (v as (Value | JSONValue)[]);
    if (items.length === 0) {
      out.push('[]');
      return;
    }
    out.push('[');
    items.forEach((x, i) => {
      if (i) out.push(',');
      out.push(nl);
      write(x, out, indent, level + 1);
    });
    out.push(close, ']');
    return;
  }
  const entries: [string, Value | JSONValue][] =
    v instanceof RObject
      ? v.keys().map((k) => [typeof k === 'string' ? k : toJSONText(k), v.get(k) as Value])
      : Object.keys(v)
          .sort(compareStrings)
          .map((k) => [k, (v as Record<string, JSONValue>)[k] as JSONValue]);
  if (entries.length === 0) {
    out.push('{}');
    return;
  }
  out.push('{');
  entries.forEach(([k, x], i) => {
    if (i) out.push(',');
    out.push(nl, JSON.stringify(k), sep);
    write(x, out, indent, level + 1);
  });
  out.push(close, '}');
}
