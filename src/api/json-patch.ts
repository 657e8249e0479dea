/**
 * JSON Patch, RFC 6902 (`application/json-patch+json`), with JSON Pointer paths (RFC 6901).
 *
 * Errors follow kube-apiserver: a document that is not a well-formed patch is a 400
 * BadRequest, more than 10,000 operations is a 413, and an operation that cannot be
 * applied (missing path, failed `test`) is a 422 Invalid. The apiserver replaces the
 * reason with "the server rejected our request due to an error in our request"; Edgewise
 * keeps it, because it names the operation and path that failed.
 */

import { EdgewiseError } from './errors.js';
import type { JsonObject, JsonValue } from './json-value.js';
import { assertJsonDepth, cloneJson, hasOwn, isJsonObject, jsonEqual, setOwn } from './json-value.js';

export type JsonPatchOperation =
  | { op: 'add'; path: string; value: JsonValue }
  | { op: 'remove'; path: string }
  | { op: 'replace'; path: string; value: JsonValue }
  | { op: 'move'; from: string; path: string }
  | { op: 'copy'; from: string; path: string }
  | { op: 'test'; path: string; value: JsonValue };

/** kube-apiserver's limit on operations in one JSON patch (`maxJSONPatchOperations`). */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

const OPERATIONS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);
const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/;

/**
 * Checks that `document` is a JSON Patch and returns its operations.
 * @throws EdgewiseError EW_BAD_REQUEST for a malformed document, EW_TOO_LARGE past 10,000 operations.
 */
export function parseJsonPatch(document: unknown): JsonPatchOperation[] {
  assertJsonDepth(document, 'JSON patch');
  if (!Array.isArray(document)) {
    throw badPatch('a JSON patch must be a JSON array of operations');
  }
  if (document.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new EdgewiseError(
      'EW_TOO_LARGE',
      `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${document.length}`,
    );
  }
  return document.map((entry: unknown, index) => parseOperation(entry, index));
}

/**
 * Applies a JSON Patch to `target` and returns the result. All or nothing: when an
 * operation fails nothing is returned, and `target` and `patch` are never modified.
 * @throws EdgewiseError EW_BAD_REQUEST / EW_TOO_LARGE (see parseJsonPatch), EW_INVALID
 *   when an operation cannot be applied or a `test` fails.
 */
export function applyJsonPatch(target: JsonValue, patch: unknown): JsonValue {
  const operations = parseJsonPatch(patch);
  assertJsonDepth(target, 'JSON patch target');
  let document = cloneJson(target);
  operations.forEach((operation, index) => {
    document = applyOperation(document, operation, index);
  });
  return document;
}

/** Splits a JSON Pointer into unescaped reference tokens (`/a~1b/c~0d` → `a/b`, `c~d`). */
export function parseJsonPointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) {
    throw badPatch(`invalid JSON pointer ${JSON.stringify(pointer)}: must be empty or start with "/"`);
  }
  return pointer
    .slice(1)
    .split('/')
    .map((token) => {
      if (/~(?![01])/.test(token)) {
        throw badPatch(`invalid JSON pointer ${JSON.stringify(pointer)}: "~" must be followed by 0 or 1`);
      }
      // One pass, so "~01" becomes "~1" and not "/" (RFC 6901 section 4).
      return token.replace(/~[01]/g, (sequence) => (sequence === '~1' ? '/' : '~'));
    });
}

/** Joins reference tokens into a JSON Pointer, escaping `~` and `/`. */
export function formatJsonPointer(tokens: readonly string[]): string {
  return tokens.map((token) => `/${token.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

function parseOperation(entry: unknown, index: number): JsonPatchOperation {
  if (!isJsonObject(entry)) throw badPatch(`operation ${index} is not a JSON object`);
  const op = entry.op;
  if (typeof op !== 'string' || !OPERATIONS.has(op)) {
    throw badPatch(
      `operation ${index}: "op" must be one of add, remove, replace, move, copy, test; got ${JSON.stringify(op ?? null)}`,
    );
  }
  const path = requirePointer(entry, 'path', index);
  switch (op) {
    case 'add':
    case 'replace':
    case 'test':
      if (!hasOwn(entry, 'value')) throw badPatch(`operation ${index} (${op}): missing "value"`);
      return { op, path, value: entry.value as JsonValue };
    case 'move':
    case 'copy':
      return { op, from: requirePointer(entry, 'from', index), path };
    default:
      return { op: 'remove', path };
  }
}

function requirePointer(entry: JsonObject, member: 'path' | 'from', index: number): string {
  const value = entry[member];
  if (typeof value !== 'string') {
    throw badPatch(`operation ${index} (${String(entry.op)}): "${member}" must be a string`);
  }
  parseJsonPointer(value);
  return value;
}

function applyOperation(document: JsonValue, operation: JsonPatchOperation, index: number): JsonValue {
  const fail = (reason: string): EdgewiseError =>
    new EdgewiseError('EW_INVALID', `json patch operation ${index} (${operation.op}) failed: ${reason}`);
  const path = parseJsonPointer(operation.path);
  switch (operation.op) {
    case 'add':
      return add(document, path, cloneJson(operation.value), operation.path, fail);
    case 'remove':
      remove(document, path, operation.path, fail);
      return document;
    case 'replace':
      return replace(document, path, cloneJson(operation.value), operation.path, fail);
    case 'move': {
      const from = parseJsonPointer(operation.from);
      const value = get(document, from, operation.from, fail);
      if (operation.from === operation.path) return document;
      if (isProperPrefix(from, path)) {
        throw fail(
          `cannot move ${JSON.stringify(operation.from)} into its own child ${JSON.stringify(operation.path)}`,
        );
      }
      remove(document, from, operation.from, fail);
      return add(document, path, value, operation.path, fail);
    }
    case 'copy': {
      const value = get(document, parseJsonPointer(operation.from), operation.from, fail);
      return add(document, path, cloneJson(value), operation.path, fail);
    }
    case 'test': {
      const actual = get(document, path, operation.path, fail);
      if (!jsonEqual(actual, operation.value)) {
        throw fail(`value at ${JSON.stringify(operation.path)} does not match the expected value`);
      }
      return document;
    }
  }
}

type Fail = (reason: string) => EdgewiseError;

function add(document: JsonValue, path: string[], value: JsonValue, pointer: string, fail: Fail): JsonValue {
  const target = locateParent(document, path, pointer, fail);
  if (target === undefined) return value;
  const { parent, token } = target;
  if (Array.isArray(parent)) {
    if (token === '-') {
      parent.push(value);
    } else {
      parent.splice(arrayIndex(parent, token, parent.length, pointer, fail), 0, value);
    }
  } else {
    setOwn(parent, token, value);
  }
  return document;
}

function remove(document: JsonValue, path: string[], pointer: string, fail: Fail): void {
  const target = locateParent(document, path, pointer, fail);
  if (target === undefined) throw fail('cannot remove the whole document');
  const { parent, token } = target;
  if (Array.isArray(parent)) {
    parent.splice(arrayIndex(parent, token, parent.length - 1, pointer, fail), 1);
  } else {
    if (!hasOwn(parent, token)) throw fail(`path ${JSON.stringify(pointer)} does not exist`);
    delete parent[token];
  }
}

function replace(
  document: JsonValue,
  path: string[],
  value: JsonValue,
  pointer: string,
  fail: Fail,
): JsonValue {
  const target = locateParent(document, path, pointer, fail);
  if (target === undefined) return value;
  const { parent, token } = target;
  if (Array.isArray(parent)) {
    parent[arrayIndex(parent, token, parent.length - 1, pointer, fail)] = value;
  } else {
    if (!hasOwn(parent, token)) throw fail(`path ${JSON.stringify(pointer)} does not exist`);
    setOwn(parent, token, value);
  }
  return document;
}

function get(document: JsonValue, path: string[], pointer: string, fail: Fail): JsonValue {
  let current = document;
  for (const token of path) {
    current = child(current, token, pointer, fail);
  }
  return current;
}

/** The container holding the last token of `path`, or undefined for the root pointer. */
function locateParent(
  document: JsonValue,
  path: string[],
  pointer: string,
  fail: Fail,
): { parent: JsonObject | JsonValue[]; token: string } | undefined {
  if (path.length === 0) return undefined;
  const parent = get(document, path.slice(0, -1), pointer, fail);
  if (!Array.isArray(parent) && !isJsonObject(parent)) {
    throw fail(`path ${JSON.stringify(pointer)} does not exist: its parent is not an object or array`);
  }
  return { parent, token: path[path.length - 1] ?? '' };
}

function child(container: JsonValue, token: string, pointer: string, fail: Fail): JsonValue {
  if (Array.isArray(container)) {
    const value = container[arrayIndex(container, token, container.length - 1, pointer, fail)];
    if (value === undefined) throw fail(`path ${JSON.stringify(pointer)} does not exist`);
    return value;
  }
  if (isJsonObject(container) && hasOwn(container, token)) {
    return container[token] as JsonValue;
  }
  throw fail(`path ${JSON.stringify(pointer)} does not exist`);
}

function arrayIndex(array: JsonValue[], token: string, max: number, pointer: string, fail: Fail): number {
  if (!ARRAY_INDEX.test(token)) {
    throw fail(`invalid array index ${JSON.stringify(token)} in path ${JSON.stringify(pointer)}`);
  }
  const index = Number(token);
  if (index > max) {
    throw fail(
      `array index ${token} is out of bounds (length ${array.length}) in path ${JSON.stringify(pointer)}`,
    );
  }
  return index;
}

function isProperPrefix(prefix: string[], path: string[]): boolean {
  return prefix.length < path.length && prefix.every((token, i) => token === path[i]);
}

function badPatch(reason: string): EdgewiseError {
  return new EdgewiseError('EW_BAD_REQUEST', `invalid JSON patch: ${reason}`);
}
