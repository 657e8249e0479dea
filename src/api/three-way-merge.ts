/**
 * The apply that `edgewise apply` asks the hub for: a three-way merge of the previously
 * applied manifest, the new manifest and the stored object. It computes in one step what
 * `kubectl apply` reaches by sending a strategic merge patch built from the same three
 * inputs, so the result matches kubectl's for the built-in kinds:
 *
 * - a field in the new manifest overwrites the stored one; maps merge recursively, lists
 *   with a merge key merge item by item, other lists are replaced;
 * - a field that was in the last applied manifest and is gone from the new one is removed
 *   (list items with a merge key too);
 * - everything else in the stored object (status, server-set metadata, defaults, items
 *   added by others) is kept;
 * - `retainKeys` fields (Deployment `spec.strategy`, Pod `spec.volumes[]`) keep only the
 *   keys the manifest names, as kubectl's `$retainKeys` directive does;
 * - an explicit `null` in the manifest removes the field.
 */

import type { StatusCause } from './errors.js';
import { type EdgewiseError, invalid } from './errors.js';
import type { JsonObject, JsonValue } from './json-value.js';
import { assertJsonDepth, cloneJson, hasOwn, isJsonObject, jsonEqual, setOwn } from './json-value.js';
import { parseApiVersion } from './object.js';
import type { FieldPatchMeta, PatchSchema } from './patch-schema.js';
import { EMPTY_PATCH_SCHEMA, fieldPatchMeta } from './patch-schema.js';
import { mergeKeyIdentity, orderMergedList } from './strategic-merge-patch.js';

/**
 * The object `live` becomes when `desired` is applied over it, given that `lastApplied`
 * (undefined on first apply or when unknown) was the previous manifest. List strategies
 * come from `schema`; kinds without one (custom resources) merge like JSON merge patch.
 * None of the arguments is modified.
 * @throws EdgewiseError EW_INVALID when an item of a merge-keyed list in `desired` lacks its key,
 *   EW_BAD_REQUEST when an input is nested deeper than MAX_JSON_DEPTH.
 */
export function threeWayMerge(
  lastApplied: JsonObject | undefined,
  desired: JsonObject,
  live: JsonObject,
  schema: PatchSchema = EMPTY_PATCH_SCHEMA,
): JsonObject {
  assertJsonDepth(lastApplied, 'last applied manifest');
  assertJsonDepth(desired, 'manifest');
  assertJsonDepth(live, 'stored object');
  const problems: StatusCause[] = [];
  const result = mergeObject(lastApplied, desired, cloneJson(live), schema, '', false, problems);
  if (problems.length > 0) throw invalidManifest(desired, problems);
  return result;
}

/** `live` is a private copy and is modified in place. */
function mergeObject(
  last: JsonObject | undefined,
  desired: JsonObject,
  live: JsonObject,
  schema: PatchSchema,
  path: string,
  retainKeys: boolean,
  problems: StatusCause[],
): JsonObject {
  for (const [key, value] of Object.entries(desired)) {
    if (value === null) {
      delete live[key];
      continue;
    }
    const previous = last !== undefined && hasOwn(last, key) ? last[key] : undefined;
    const current = hasOwn(live, key) ? live[key] : undefined;
    const meta = fieldPatchMeta(schema, key);
    setOwn(live, key, mergeField(previous, value, current, meta, join(path, key), problems));
  }
  if (last !== undefined) {
    for (const key of Object.keys(last)) {
      if (!hasOwn(desired, key)) delete live[key];
    }
  }
  if (retainKeys) {
    for (const key of Object.keys(live)) {
      if (!hasOwn(desired, key)) delete live[key];
    }
  }
  return live;
}

function mergeField(
  previous: JsonValue | undefined,
  desired: JsonValue,
  current: JsonValue | undefined,
  meta: FieldPatchMeta,
  path: string,
  problems: StatusCause[],
): JsonValue {
  if (isJsonObject(desired)) {
    if (isJsonObject(current) && meta.strategy !== 'replace') {
      const last = isJsonObject(previous) ? previous : undefined;
      const schema = meta.schema ?? EMPTY_PATCH_SCHEMA;
      return mergeObject(last, desired, current, schema, path, meta.retainKeys === true, problems);
    }
    return withoutNulls(desired);
  }
  if (Array.isArray(desired)) {
    if (meta.strategy === 'merge' && Array.isArray(current)) {
      const last = Array.isArray(previous) ? previous : [];
      return mergeList(last, desired, current, meta, path, problems);
    }
    return withoutNulls(desired);
  }
  return desired;
}

function mergeList(
  last: JsonValue[],
  desired: JsonValue[],
  live: JsonValue[],
  meta: FieldPatchMeta,
  path: string,
  problems: StatusCause[],
): JsonValue[] {
  const mergeKey = meta.mergeKey;
  const isScalar = (item: JsonValue): boolean => !isJsonObject(item) && !Array.isArray(item);
  if (mergeKey === undefined) {
    // A merged list of scalars (finalizers); anything else cannot merge and is replaced.
    if (desired.every(isScalar) && live.every(isScalar)) return mergeScalarSet(last, desired, live);
    return withoutNulls(desired);
  }
  if (!desired.every(isJsonObject)) return withoutNulls(desired);

  const identity = mergeKeyIdentity(mergeKey);
  const keyed = (list: readonly JsonValue[], key: JsonValue): JsonValue | undefined =>
    list.find((item) => {
      const id = identity(item);
      return id !== undefined && jsonEqual(id, key);
    });
  const missingKeys = desired.flatMap((item, i): StatusCause[] =>
    identity(item) === undefined
      ? [{ reason: 'FieldValueRequired', field: `${path}[${i}].${mergeKey}`, message: 'Required value' }]
      : [],
  );
  if (missingKeys.length > 0) {
    problems.push(...missingKeys);
    return live;
  }

  // Stored items stay unless the last manifest had them and the new one does not; items
  // someone else added (an injected sidecar, a server-set condition) are never touched.
  const merged: JsonValue[] = live.filter((item) => {
    const id = identity(item);
    if (id === undefined || keyed(desired, id) !== undefined) return true;
    return keyed(last, id) === undefined;
  });
  desired.forEach((item, i) => {
    const id = identity(item) as JsonValue;
    const index = merged.findIndex((candidate) => {
      const candidateId = identity(candidate);
      return candidateId !== undefined && jsonEqual(candidateId, id);
    });
    const previous = keyed(last, id);
    if (index >= 0) {
      merged[index] = mergeObject(
        isJsonObject(previous) ? previous : undefined,
        item as JsonObject,
        merged[index] as JsonObject,
        meta.schema ?? EMPTY_PATCH_SCHEMA,
        `${path}[${i}]`,
        meta.retainKeys === true,
        problems,
      );
    } else {
      merged.push(withoutNulls(item));
    }
  });
  return orderMergedList(merged, desired, live, identity);
}

/** A merged list of scalars (finalizers): stored values stay unless the manifest dropped them. */
function mergeScalarSet(last: JsonValue[], desired: JsonValue[], live: JsonValue[]): JsonValue[] {
  const includes = (list: readonly JsonValue[], value: JsonValue): boolean =>
    list.some((candidate) => jsonEqual(candidate, value));
  const dropped = last.filter((value) => !includes(desired, value));
  const merged: JsonValue[] = [];
  for (const value of [...live.filter((value) => !includes(dropped, value)), ...desired]) {
    if (!includes(merged, value)) merged.push(value);
  }
  return orderMergedList(merged, desired, live, (value) => value);
}

/** A copy with null members removed: in a manifest, `field: null` means "not set". */
function withoutNulls<T extends JsonValue>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => withoutNulls(item)) as T;
  if (isJsonObject(value)) {
    const copy: JsonObject = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== null) setOwn(copy, key, withoutNulls(item));
    }
    return copy as T;
  }
  return value;
}

function invalidManifest(desired: JsonObject, causes: StatusCause[]): EdgewiseError {
  const kind = typeof desired.kind === 'string' ? desired.kind : 'Object';
  const { group } = parseApiVersion(typeof desired.apiVersion === 'string' ? desired.apiVersion : '');
  const metadata = isJsonObject(desired.metadata) ? desired.metadata : {};
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  return invalid(kind, name, causes, group);
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}
