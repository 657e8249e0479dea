/**
 * JSON merge patch, RFC 7386 (`application/merge-patch+json`): objects merge
 * recursively, `null` deletes a member, anything else (arrays included) replaces.
 */

import { EdgewiseError } from './errors.js';
import type { JsonObject, JsonValue } from './json-value.js';
import { assertJsonDepth, cloneJson, hasOwn, isJsonObject, setOwn } from './json-value.js';

/**
 * Applies `patch` to `target` exactly as RFC 7386 section 2 defines; a patch that is not
 * an object replaces the target. Neither argument is modified: the result shares no
 * objects with them.
 */
export function applyMergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  assertJsonDepth(target, 'merge patch target');
  assertJsonDepth(patch, 'merge patch');
  if (!isJsonObject(patch)) return cloneJson(patch);
  const result: JsonObject = isJsonObject(target) ? cloneJson(target) : {};
  mergeInto(result, patch);
  return result;
}

/**
 * Applies a merge patch to a stored resource, as kube-apiserver does for
 * `application/merge-patch+json`: the patch must be a JSON object, because a `null`,
 * scalar or array patch would replace the whole resource (the apiserver answers 400).
 * @throws EdgewiseError EW_BAD_REQUEST when the patch is not an object.
 */
export function applyResourceMergePatch(target: JsonObject, patch: unknown): JsonObject {
  if (!isJsonObject(patch)) {
    throw new EdgewiseError(
      'EW_BAD_REQUEST',
      `invalid JSON merge patch: expected a JSON object, got ${describeJson(patch)}`,
    );
  }
  assertJsonDepth(target, 'merge patch target');
  assertJsonDepth(patch, 'merge patch');
  const result = cloneJson(target);
  mergeInto(result, patch);
  return result;
}

/** Merges `patch` into `target` in place; values taken from the patch are copied. */
function mergeInto(target: JsonObject, patch: JsonObject): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete target[key];
    } else if (isJsonObject(value)) {
      const current = hasOwn(target, key) ? target[key] : undefined;
      const child: JsonObject = isJsonObject(current) ? current : {};
      mergeInto(child, value);
      setOwn(target, key, child);
    } else {
      setOwn(target, key, cloneJson(value));
    }
  }
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
