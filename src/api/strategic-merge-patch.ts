/**
 * Kubernetes strategic merge patch (`application/strategic-merge-patch+json`), ported
 * from apimachinery's `strategicpatch.StrategicMergeMapPatch` as kube-apiserver runs it:
 * maps merge as in JSON merge patch; lists follow the field's patch metadata (merge by
 * key, merge as a set, or replace); and the patch may carry directives:
 *
 * - `$patch: replace | delete` in a map, `$patch: replace | delete` in a list item
 * - `$setElementOrder/<list>`: the order of a merged list
 * - `$deleteFromPrimitiveList/<list>`: scalars to remove from a merged scalar list
 * - `$retainKeys`: clear every field of the map not named
 *
 * Where apimachinery stores patch content verbatim (a value with no counterpart in the
 * original, a replaced list), its typed decoding later drops directives and nulls. The
 * stored objects here are untyped, so such values are applied to an empty original
 * instead: directives take effect and nulls disappear, as in the typed result.
 */

import { EdgewiseError } from './errors.js';
import type { JsonObject, JsonValue } from './json-value.js';
import {
  assertJsonDepth,
  cloneJson,
  hasOwn,
  isJsonObject,
  jsonEqual,
  jsonKind,
  setOwn,
} from './json-value.js';
import type { FieldPatchMeta, PatchSchema } from './patch-schema.js';
import {
  EMPTY_PATCH_SCHEMA,
  fieldPatchMeta,
  patchSchemaFor,
  unsupportedPatchContentType,
} from './patch-schema.js';

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ELEMENT_ORDER = '$setElementOrder';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';

/**
 * Applies a strategic merge patch to `original` using `schema` for list strategies and
 * merge keys. Neither argument is modified.
 * @throws EdgewiseError EW_BAD_REQUEST for a malformed patch (kube-apiserver answers 400,
 *   or 500 for errors it does not classify), EW_INVALID for lists of lists (422, as there).
 */
export function applyStrategicMergePatch(
  original: JsonObject,
  patch: unknown,
  schema: PatchSchema,
): JsonObject {
  if (!isJsonObject(patch)) {
    throw badPatch('', `a strategic merge patch must be a JSON object, got ${describe(patch)}`);
  }
  assertJsonDepth(original, 'strategic merge patch target');
  assertJsonDepth(patch, 'strategic merge patch');
  return mergeMap(cloneJson(original), patch, schema, '');
}

/**
 * Applies a strategic merge patch to an object of a built-in kind.
 * @throws EdgewiseError EW_UNSUPPORTED_MEDIA_TYPE for kinds without a schema (custom
 *   resources), with kube-apiserver's message listing the accepted patch types.
 */
export function applyStrategicMergePatchFor(
  group: string,
  kind: string,
  original: JsonObject,
  patch: unknown,
): JsonObject {
  const schema = patchSchemaFor(group, kind);
  if (schema === undefined) throw unsupportedPatchContentType(group, kind);
  return applyStrategicMergePatch(original, patch, schema);
}

/** `original` is owned (a private copy) and is modified in place; `patch` is only read. */
function mergeMap(original: JsonObject, patch: JsonObject, schema: PatchSchema, path: string): JsonObject {
  if (hasOwn(patch, DIRECTIVE)) {
    const directive = patch[DIRECTIVE];
    if (directive === 'replace') {
      const rest = Object.fromEntries(Object.entries(patch).filter(([key]) => key !== DIRECTIVE));
      return mergeMap({}, rest, schema, path);
    }
    if (directive === 'delete') return {};
    throw badPatch(path, `unknown patch type ${JSON.stringify(directive)} in map`);
  }

  applyRetainKeys(original, patch, path);
  const handled = applySetElementOrder(original, patch, schema, path);

  for (const [key, value] of Object.entries(patch)) {
    if (key === RETAIN_KEYS || handled.has(key)) continue;
    if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      deleteFromPrimitiveList(original, key, value, path);
      continue;
    }
    if (value === null) {
      delete original[key];
      continue;
    }
    const current = hasOwn(original, key) ? original[key] : undefined;
    setOwn(original, key, mergeValue(current, value, fieldPatchMeta(schema, key), join(path, key)));
  }
  return original;
}

function mergeValue(
  current: JsonValue | undefined,
  patch: JsonValue,
  meta: FieldPatchMeta,
  path: string,
): JsonValue {
  if (isJsonObject(patch)) {
    const base = isJsonObject(current) && meta.strategy !== 'replace' ? current : {};
    return mergeMap(base, patch, meta.schema ?? EMPTY_PATCH_SCHEMA, path);
  }
  if (Array.isArray(patch)) {
    return mergeList(Array.isArray(current) ? current : [], patch, meta, path);
  }
  return patch;
}

function mergeList(
  original: JsonValue[],
  patch: JsonValue[],
  meta: FieldPatchMeta,
  path: string,
): JsonValue[] {
  if (meta.strategy !== 'merge') {
    return patch.map((item, i) => clean(item, meta.schema, `${path}[${i}]`));
  }
  if (original.length === 0 && patch.length === 0) return original;
  const kind = elementKind([...original, ...patch], path);
  if (kind !== 'object') {
    const merged: JsonValue[] = [];
    for (const item of [...original, ...patch]) {
      if (!merged.some((seen) => jsonEqual(seen, item))) merged.push(item);
    }
    return orderChecked(merged, patch, original, undefined, path);
  }
  const mergeKey = meta.mergeKey;
  if (mergeKey === undefined) {
    throw badPatch(path, 'cannot merge lists of objects without a merge key');
  }
  return mergeObjectList(original as JsonObject[], patch as JsonObject[], mergeKey, meta.schema, path);
}

function mergeObjectList(
  original: JsonObject[],
  patch: JsonObject[],
  mergeKey: string,
  schema: PatchSchema | undefined,
  path: string,
): JsonValue[] {
  let base = original;
  const items: JsonObject[] = [];
  let replace = false;
  patch.forEach((item, i) => {
    if (!hasOwn(item, DIRECTIVE)) {
      items.push(item);
      return;
    }
    const directive = item[DIRECTIVE];
    if (directive === 'delete') {
      const key = requireMergeKey(item, mergeKey, `${path}[${i}]`);
      // Every entry with the key goes, duplicates included.
      base = base.filter((entry) => !(hasOwn(entry, mergeKey) && jsonEqual(entry[mergeKey], key)));
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      throw badPatch(`${path}[${i}]`, 'merging lists cannot yet be specified in the patch');
    } else {
      throw badPatch(`${path}[${i}]`, `unknown patch type ${JSON.stringify(directive)} in list`);
    }
  });
  const itemSchema = schema ?? EMPTY_PATCH_SCHEMA;
  if (replace) {
    const replaced = items.map((item, i) => mergeMap({}, item, itemSchema, `${path}[${i}]`));
    return orderChecked(replaced, [], replaced, mergeKey, path);
  }

  const merged: JsonValue[] = [...base];
  items.forEach((item, i) => {
    const itemPath = `${path}[${i}]`;
    const key = requireMergeKey(item, mergeKey, itemPath);
    // Searching `merged` (not `base`) means a key repeated in the patch merges into the
    // entry its first occurrence appended, as apimachinery does.
    const index = merged.findIndex(
      (entry) => isJsonObject(entry) && hasOwn(entry, mergeKey) && jsonEqual(entry[mergeKey], key),
    );
    if (index >= 0) {
      merged[index] = mergeMap(merged[index] as JsonObject, item, itemSchema, itemPath);
    } else {
      merged.push(mergeMap({}, item, itemSchema, itemPath));
    }
  });
  return orderChecked(merged, items, base, mergeKey, path);
}

/**
 * apimachinery's order for a merged list (`normalizeElementOrder`): items named in
 * `order` come in that order, server-only items keep their relative order from
 * `serverOrder`, and the two sequences interleave so that each server-only item stays
 * ahead of the patch items that followed it on the server.
 *
 * `identity` gives an item's merge key value (the item itself for scalar lists).
 * @internal Shared with the three-way merge.
 */
export function orderMergedList(
  merged: readonly JsonValue[],
  order: readonly JsonValue[],
  serverOrder: readonly JsonValue[],
  identity: (item: JsonValue) => JsonValue | undefined,
): JsonValue[] {
  const indexIn = (list: readonly JsonValue[], item: JsonValue): number => {
    const id = identity(item);
    if (id === undefined) return -1;
    return list.findIndex((candidate) => jsonEqual(identity(candidate), id));
  };
  const sortBy = (items: JsonValue[], reference: readonly JsonValue[]): JsonValue[] =>
    items
      .map((item) => ({ item, rank: indexIn(reference, item) }))
      .sort((a, b) => a.rank - b.rank)
      .map(({ item }) => item);

  const inOrder: JsonValue[] = [];
  const serverOnly: JsonValue[] = [];
  for (const item of merged) (indexIn(order, item) >= 0 ? inOrder : serverOnly).push(item);
  const left = sortBy(serverOnly, serverOrder);
  const right = sortBy(inOrder, order);

  const result: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    const l = left[i];
    const r = right[j];
    if (r === undefined) {
      result.push(l as JsonValue);
      i += 1;
    } else if (l === undefined) {
      result.push(r);
      j += 1;
    } else {
      const li = indexIn(serverOrder, l);
      const ri = indexIn(serverOrder, r);
      if (li >= 0 && ri >= 0 && li < ri) {
        result.push(l);
        i += 1;
      } else {
        result.push(r);
        j += 1;
      }
    }
  }
  return result;
}

/** The merge key value of a list item, or the item itself for scalar lists. */
export function mergeKeyIdentity(mergeKey: string | undefined): (item: JsonValue) => JsonValue | undefined {
  if (mergeKey === undefined) return (item) => item;
  return (item) => (isJsonObject(item) && hasOwn(item, mergeKey) ? item[mergeKey] : undefined);
}

/**
 * Orders a merged list the way apimachinery does, after checking, as it does, that every
 * item involved carries the merge key.
 */
function orderChecked(
  merged: readonly JsonValue[],
  order: readonly JsonValue[],
  serverOrder: readonly JsonValue[],
  mergeKey: string | undefined,
  path: string,
): JsonValue[] {
  if (mergeKey !== undefined) {
    for (const list of [merged, order, serverOrder]) {
      list.forEach((item, i) => {
        requireMergeKey(item, mergeKey, `${path}[${i}]`);
      });
    }
  }
  return orderMergedList(merged, order, serverOrder, mergeKeyIdentity(mergeKey));
}

function applyRetainKeys(original: JsonObject, patch: JsonObject, path: string): void {
  if (!hasOwn(patch, RETAIN_KEYS)) return;
  const list = patch[RETAIN_KEYS];
  if (!Array.isArray(list))
    throw badPatch(path, 'invalid patch format of retainKeys: $retainKeys must be a list');
  const retained = new Set(list.filter((key): key is string => typeof key === 'string'));
  for (const [key, value] of Object.entries(patch)) {
    if (key === RETAIN_KEYS || value === null) continue;
    if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST) || key.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!retained.has(key)) {
      throw badPatch(
        path,
        `invalid patch format of retainKeys: ${JSON.stringify(key)} is not in $retainKeys`,
      );
    }
  }
  for (const key of Object.keys(original)) {
    if (!retained.has(key)) delete original[key];
  }
}

/**
 * Merges every list that has a `$setElementOrder/<list>` directive, then orders it.
 * Returns the patch keys it consumed (the directives and their lists).
 */
function applySetElementOrder(
  original: JsonObject,
  patch: JsonObject,
  schema: PatchSchema,
  path: string,
): Set<string> {
  const handled = new Set<string>();
  for (const [directiveKey, order] of Object.entries(patch)) {
    if (!directiveKey.startsWith(SET_ELEMENT_ORDER)) continue;
    handled.add(directiveKey);
    const field = directiveTarget(directiveKey, SET_ELEMENT_ORDER, path, 'setElementOrder list');
    const fieldPath = join(path, field);
    if (!Array.isArray(order)) throw badPatch(fieldPath, `${directiveKey} must be a list`);
    const meta = fieldPatchMeta(schema, field);
    const originalList = listAt(original, field, fieldPath, 'the object');
    const patchList = listAt(patch, field, fieldPath, 'the patch');
    validateAgainstOrder(patchList ?? [], order, meta.mergeKey, fieldPath);

    let merged: JsonValue[];
    if (patchList !== undefined) {
      merged = mergeList(originalList ?? [], patchList, meta, fieldPath);
    } else if (originalList !== undefined) {
      merged = originalList;
    } else {
      continue;
    }
    handled.add(field);
    const mergeKey = merged.some(isJsonObject) ? meta.mergeKey : undefined;
    setOwn(original, field, orderChecked(merged, order, originalList ?? [], mergeKey, fieldPath));
  }
  return handled;
}

/**
 * apimachinery's `validatePatchWithSetOrderList`: the patch list, deletions aside, must
 * be in the relative order of the `$setElementOrder` list and contained in it.
 */
function validateAgainstOrder(
  patchList: JsonValue[],
  order: JsonValue[],
  mergeKey: string | undefined,
  path: string,
): void {
  if (order.length === 0 || patchList.length === 0) return;
  const isDeletion = (item: JsonValue): boolean => isJsonObject(item) && item[DIRECTIVE] === 'delete';
  const items = mergeKey === undefined ? patchList : patchList.filter((item) => !isDeletion(item));
  let p = 0;
  let s = 0;
  while (p < items.length && s < order.length) {
    const item = items[p] as JsonValue;
    if (isJsonObject(item) && hasOwn(item, DIRECTIVE)) {
      p += 1;
      continue;
    }
    const expected = order[s] as JsonValue;
    const same =
      mergeKey === undefined
        ? jsonEqual(item, expected)
        : jsonEqual(
            requireMergeKey(item, mergeKey, `${path}[${p}]`),
            requireMergeKey(expected, mergeKey, path),
          );
    if (same) p += 1;
    s += 1;
  }
  if (p < items.length) {
    throw badPatch(path, `the order of the patch list does not match the ${SET_ELEMENT_ORDER} list`);
  }
}

function deleteFromPrimitiveList(original: JsonObject, key: string, value: JsonValue, path: string): void {
  const field = directiveTarget(key, DELETE_FROM_PRIMITIVE_LIST, path, 'primitive list');
  const fieldPath = join(path, field);
  if (!Array.isArray(value) || value.some((item) => Array.isArray(item) || isJsonObject(item))) {
    throw badPatch(fieldPath, `invalid patch format of primitive list: ${key} must be a list of scalars`);
  }
  // apimachinery stores the deletion list as the list when the object has none; deleting
  // from a list that is not there is a no-op here.
  const current = listAt(original, field, fieldPath, 'the object');
  if (current === undefined) return;
  setOwn(
    original,
    field,
    current.filter((item) => !value.some((gone) => jsonEqual(gone, item))),
  );
}

/** `$setElementOrder/containers` → `containers`; anything else with the prefix is malformed. */
function directiveTarget(key: string, prefix: string, path: string, what: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) {
    throw badPatch(path, `invalid patch format of ${what}: ${JSON.stringify(key)}`);
  }
  return key.slice(slash + 1);
}

function listAt(object: JsonObject, field: string, path: string, where: string): JsonValue[] | undefined {
  if (!hasOwn(object, field)) return undefined;
  const value = object[field];
  if (!Array.isArray(value)) throw badPatch(path, `expected a list in ${where}, got ${describe(value)}`);
  return value;
}

/** The common JSON kind of a list's items; apimachinery refuses mixed lists and lists of lists. */
function elementKind(items: readonly JsonValue[], path: string): string {
  const kinds = new Set(items.map((item) => jsonKind(item)));
  if (kinds.has('array')) {
    throw new EdgewiseError(
      'EW_INVALID',
      `invalid strategic merge patch: ${path}: lists of lists are not supported`,
    );
  }
  if (kinds.size > 1) throw badPatch(path, 'list element types are not identical');
  return [...kinds][0] ?? 'object';
}

function requireMergeKey(item: JsonValue | undefined, mergeKey: string, path: string): JsonValue {
  if (!isJsonObject(item))
    throw badPatch(path, `expected an object with merge key ${JSON.stringify(mergeKey)}`);
  if (!hasOwn(item, mergeKey)) {
    throw badPatch(path, `does not contain declared merge key ${JSON.stringify(mergeKey)}`);
  }
  return item[mergeKey] as JsonValue;
}

/** A patch value with no counterpart in the original, applied to an empty one. */
function clean(value: JsonValue, schema: PatchSchema | undefined, path: string): JsonValue {
  if (isJsonObject(value)) return mergeMap({}, value, schema ?? EMPTY_PATCH_SCHEMA, path);
  if (Array.isArray(value)) return value.map((item, i) => clean(item, undefined, `${path}[${i}]`));
  return value;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}

function badPatch(path: string, reason: string): EdgewiseError {
  return new EdgewiseError(
    'EW_BAD_REQUEST',
    `invalid strategic merge patch: ${path ? `${path}: ` : ''}${reason}`,
  );
}
