/** JSON value helpers: the store holds resources as plain JSON data. */
import { EdgewiseError } from '../../api/errors.js';

/**
 * Structural equality of JSON values. Object key order is ignored: two manifests that
 * differ only in key order describe the same object, so an update between them is a
 * no-op and does not bump `generation`.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra);
  if (ka.length !== Object.keys(rb).length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(rb, k) || !jsonEqual(ra[k], rb[k])) return false;
  }
  return true;
}

/**
 * Copies a caller's object through JSON, which is what gets stored: `undefined`
 * fields disappear here rather than making a no-op update look like a change.
 */
export function toJsonValue<T>(value: T): T {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new EdgewiseError(
      'EW_BAD_REQUEST',
      `object is not JSON data: ${(err as Error).message}`,
      undefined,
      {
        cause: err,
      },
    );
  }
  if (text === undefined) throw new EdgewiseError('EW_BAD_REQUEST', 'object is not JSON data');
  return JSON.parse(text) as T;
}

/**
 * Freezes a parsed JSON value in place. Watch events are shared by every watcher that
 * receives them (parsing once per event, not once per watcher), so a consumer that
 * modified one would corrupt what the others see; frozen, it fails loudly instead.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
