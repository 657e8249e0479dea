/**
 * Plain JSON values and the few operations every patch module needs on them. Resources
 * are plain JSON data by contract (see object.ts), so these helpers only handle what
 * JSON.parse and a YAML parser can produce.
 */

import { EdgewiseError } from './errors.js';

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** True for a JSON object: not null, not an array. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What kind of JSON value this is, for comparing types the way Go's reflect.TypeOf does. */
export function jsonKind(value: unknown): 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const type = typeof value;
  if (type === 'string' || type === 'number' || type === 'boolean') return type;
  return 'object';
}

export function hasOwn(object: object, key: string): boolean {
  return Object.hasOwn(object, key);
}

/**
 * Sets an own property. A plain assignment with the key `__proto__` would replace the
 * object's prototype instead of storing data, and JSON documents may contain that key.
 */
export function setOwn(object: JsonObject, key: string, value: JsonValue): void {
  if (key === '__proto__') {
    Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    object[key] = value;
  }
}

/** Deep copy of a JSON value. */
export function cloneJson<T extends JsonValue>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => cloneJson(item)) as T;
  if (isJsonObject(value)) {
    const copy: JsonObject = {};
    for (const [key, item] of Object.entries(value)) setOwn(copy, key, cloneJson(item));
    return copy as T;
  }
  return value;
}

/** Structural equality of JSON values; object key order does not matter, array order does. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (isJsonObject(a)) {
    if (!isJsonObject(b)) return false;
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((key) => hasOwn(b, key) && jsonEqual(a[key], b[key]));
  }
  return false;
}

/**
 * Deepest nesting the patch functions accept. They recurse once per level, and V8's stack
 * runs out somewhere past 1,700 levels; Go's encoding/json allows 10,000. Real objects
 * stay far below either.
 */
export const MAX_JSON_DEPTH = 1000;

/**
 * Rejects a value nested deeper than MAX_JSON_DEPTH, so a hostile body gets a 400 rather
 * than a stack overflow. Iterative, so it is safe on any input.
 * @throws EdgewiseError EW_BAD_REQUEST
 */
export function assertJsonDepth(value: unknown, what: string): void {
  const pending: Array<[unknown, number]> = [[value, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, depth] = next;
    if (typeof item !== 'object' || item === null) continue;
    if (depth > MAX_JSON_DEPTH) {
      throw new EdgewiseError('EW_BAD_REQUEST', `${what} is nested more than ${MAX_JSON_DEPTH} levels deep`);
    }
    for (const child of Object.values(item)) pending.push([child, depth + 1]);
  }
}
