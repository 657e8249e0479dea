import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ErrorCode } from '../../src/api/errors.js';
import { EdgewiseError } from '../../src/api/errors.js';
import type { JsonObject, JsonValue } from '../../src/api/json-value.js';
import { applyMergePatch } from '../../src/api/merge-patch.js';
import type { FieldPatchMeta, PatchSchema } from '../../src/api/patch-schema.js';
import { patchMetaAt, patchSchemaFor, supportedPatchContentTypes } from '../../src/api/patch-schema.js';
import {
  applyStrategicMergePatch,
  applyStrategicMergePatchFor,
} from '../../src/api/strategic-merge-patch.js';

// The MergeItem test type of apimachinery's strategicpatch tests, as a PatchSchema.
const mergeItemFields: Record<string, FieldPatchMeta> = {};
const MERGE_ITEM: PatchSchema = { fields: mergeItemFields };
const RETAIN_KEYS_ITEM: PatchSchema = {
  fields: {
    mergingIntList: { strategy: 'merge' },
    mergingList: { strategy: 'merge', mergeKey: 'name', schema: MERGE_ITEM },
    nonMergingList: { schema: MERGE_ITEM },
  },
};
Object.assign(mergeItemFields, {
  mergingList: { strategy: 'merge', mergeKey: 'name', schema: MERGE_ITEM },
  nonMergingList: { schema: MERGE_ITEM },
  mergingIntList: { strategy: 'merge' },
  nonMergingIntList: {},
  mergeItemPtr: { strategy: 'merge', mergeKey: 'name', schema: MERGE_ITEM },
  replacingItem: { strategy: 'replace' },
  retainKeysMap: { retainKeys: true, schema: RETAIN_KEYS_ITEM },
  retainKeysMergingList: { strategy: 'merge', mergeKey: 'name', retainKeys: true, schema: MERGE_ITEM },
} satisfies Record<string, FieldPatchMeta>);

function smp(original: JsonObject, patch: JsonValue, schema: PatchSchema = MERGE_ITEM): JsonObject {
  return applyStrategicMergePatch(original, patch, schema);
}

function rejectsWith(code: ErrorCode, pattern: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(EdgewiseError.is(err), `expected an EdgewiseError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, pattern);
    return true;
  };
}

interface Case {
  name: string;
  original: JsonObject;
  patch: JsonObject;
  result: JsonObject;
}

// Cases from apimachinery's patch_test.go (customStrategicMergePatchTestCaseData,
// createStrategicMergePatchTestCaseData, strategicMergePatchRawTestCases): the patch is the
// test's twoWay or threeWay patch, applied to its original or current object.
const CASES: Case[] = [
  {
    name: 'unique scalars when merging lists',
    original: { mergingIntList: [1, 2] },
    patch: { mergingIntList: [2, 3] },
    result: { mergingIntList: [1, 2, 3] },
  },
  {
    name: 'delete map from nested map ($patch: delete leaves an empty map)',
    original: { simpleMap: { key1: 1, key2: 1 } },
    patch: { simpleMap: { $patch: 'delete' } },
    result: { simpleMap: {} },
  },
  {
    name: 'delete all items from merging list',
    original: { mergingList: [{ name: 1 }, { name: 2 }] },
    patch: { mergingList: [{ $patch: 'replace' }] },
    result: { mergingList: [] },
  },
  {
    name: 'merge empty merging lists',
    original: { mergingList: [] },
    patch: { mergingList: [] },
    result: { mergingList: [] },
  },
  {
    name: 'delete all keys from map',
    original: { name: 1, value: 1 },
    patch: { $patch: 'replace' },
    result: {},
  },
  {
    name: 'add key and delete all keys from map',
    original: { name: 1, value: 1 },
    patch: { other: 'a', $patch: 'replace' },
    result: { other: 'a' },
  },
  {
    name: 'delete all duplicate entries in a merging list',
    original: { mergingList: [{ name: 1 }, { name: 1 }, { name: 2, value: 'a' }, { name: 3 }, { name: 3 }] },
    patch: {
      mergingList: [
        { name: 1, $patch: 'delete' },
        { name: 1, $patch: 'delete' },
        { name: 3, $patch: 'delete' },
        { name: 3, $patch: 'delete' },
      ],
    },
    result: { mergingList: [{ name: 2, value: 'a' }] },
  },
  {
    // kubernetes#38342: one delete directive removes every entry with the key.
    name: 'a single delete directive removes every duplicate',
    original: { mergingList: [{ name: 1 }, { name: 1 }, { name: 2, value: 'a' }] },
    patch: { mergingList: [{ name: 1, $patch: 'delete' }] },
    result: { mergingList: [{ name: 2, value: 'a' }] },
  },
  {
    name: 'retainKeys map can add a field when no retainKeys directive present',
    original: { retainKeysMap: { name: 'foo' } },
    patch: { retainKeysMap: { value: 'bar' } },
    result: { retainKeysMap: { name: 'foo', value: 'bar' } },
  },
  {
    name: 'retainKeys map can delete a field when no retainKeys directive present',
    original: { retainKeysMap: { name: 'foo', value: 'a' } },
    patch: { retainKeysMap: { value: null } },
    result: { retainKeysMap: { name: 'foo' } },
  },
  {
    name: 'retainKeys map merge an empty map',
    original: { retainKeysMap: { name: 'foo', value: 'a' } },
    patch: { retainKeysMap: {} },
    result: { retainKeysMap: { name: 'foo', value: 'a' } },
  },
  {
    name: 'retainKeys list can change a field when no retainKeys directive present',
    original: { retainKeysMergingList: [{ name: 'bar' }, { name: 'foo', value: 'a' }] },
    patch: { retainKeysMergingList: [{ name: 'foo', value: 'b' }] },
    result: { retainKeysMergingList: [{ name: 'bar' }, { name: 'foo', value: 'b' }] },
  },
  {
    name: 'preserve the order from the patch in a merging list',
    original: { mergingList: [{ name: 1 }, { name: 2, value: 'b' }, { name: 3 }] },
    patch: {
      mergingList: [
        { name: 3, value: 'c' },
        { name: 1, value: 'a' },
        { name: 2, other: 'x' },
      ],
    },
    result: {
      mergingList: [
        { name: 3, value: 'c' },
        { name: 1, value: 'a' },
        { name: 2, value: 'b', other: 'x' },
      ],
    },
  },
  {
    name: 'preserve the order from the patch in a merging list 2',
    original: { mergingList: [{ name: 1 }, { name: 2, value: 'b' }, { name: 3 }] },
    patch: {
      mergingList: [
        { name: 3, value: 'c' },
        { name: 1, value: 'a' },
      ],
    },
    result: {
      mergingList: [
        { name: 2, value: 'b' },
        { name: 3, value: 'c' },
        { name: 1, value: 'a' },
      ],
    },
  },
  {
    name: 'preserve the order from the patch in a merging int list',
    original: { mergingIntList: [1, 2, 3] },
    patch: { mergingIntList: [3, 1, 2] },
    result: { mergingIntList: [3, 1, 2] },
  },
  {
    name: 'preserve the order from the patch in a merging int list 2',
    original: { mergingIntList: [1, 2, 3] },
    patch: { mergingIntList: [3, 1] },
    result: { mergingIntList: [2, 3, 1] },
  },
  {
    name: '$setElementOrder contains item that is not present in the list to be merged',
    original: { mergingList: [{ name: 1 }, { name: 3 }] },
    patch: {
      '$setElementOrder/mergingList': [{ name: 3 }, { name: 2 }, { name: 1 }],
      mergingList: [
        { name: 3, value: 3 },
        { name: 1, value: 1 },
      ],
    },
    result: {
      mergingList: [
        { name: 3, value: 3 },
        { name: 1, value: 1 },
      ],
    },
  },
  {
    name: '$setElementOrder contains item that is not present in the int list to be merged',
    original: { mergingIntList: [1, 3] },
    patch: { '$setElementOrder/mergingIntList': [3, 2, 1] },
    result: { mergingIntList: [3, 1] },
  },
  {
    name: 'nil original',
    original: { name: 1, other: 'a' },
    patch: { value: 1 },
    result: { name: 1, value: 1, other: 'a' },
  },
  {
    name: 'add field and delete field from map',
    original: { name: 1, other: 'a' },
    patch: { name: null, value: 1 },
    result: { value: 1, other: 'a' },
  },
  {
    name: 'delete field from nested map',
    original: { simpleMap: { key1: 1, key2: 1, other: 'a' } },
    patch: { simpleMap: { key2: null } },
    result: { simpleMap: { key1: 1, other: 'a' } },
  },
  {
    name: 'replace list of scalars',
    original: { nonMergingIntList: [1, 2] },
    patch: { nonMergingIntList: [2, 3] },
    result: { nonMergingIntList: [2, 3] },
  },
  {
    name: 'delete all maps from merging list with conflict',
    original: {
      mergingList: [
        { name: 1, other: 'a' },
        { name: 2, other: 'b' },
      ],
    },
    patch: {
      mergingList: [
        { name: 1, $patch: 'delete' },
        { name: 2, $patch: 'delete' },
      ],
    },
    result: { mergingList: [] },
  },
  {
    name: 'delete all maps from empty merging list',
    original: { mergingList: [] },
    patch: {
      mergingList: [
        { name: 1, $patch: 'delete' },
        { name: 2, $patch: 'delete' },
      ],
    },
    result: { mergingList: [] },
  },
  {
    name: 'defined null values should propagate overwrite current fields (with conflict)',
    original: { name: 'a', other: 'a' },
    patch: { name: 1, value: 1, other: null },
    result: { name: 1, value: 1 },
  },
  {
    name: 'delete items in lists of scalars',
    original: { mergingIntList: [1, 2, 3, 4] },
    patch: { '$setElementOrder/mergingIntList': [1, 2], '$deleteFromPrimitiveList/mergingIntList': [3] },
    result: { mergingIntList: [1, 2, 4] },
  },
  {
    name: 'delete all duplicate items in lists of scalars',
    original: { mergingIntList: [1, 2, 3, 3, 4] },
    patch: { '$setElementOrder/mergingIntList': [1, 2], '$deleteFromPrimitiveList/mergingIntList': [3] },
    result: { mergingIntList: [1, 2, 4] },
  },
  {
    name: 'add and delete items in lists of scalars',
    original: { mergingIntList: [1, 2, 3] },
    patch: {
      '$setElementOrder/mergingIntList': [1, 2, 4],
      '$deleteFromPrimitiveList/mergingIntList': [3],
      mergingIntList: [4],
    },
    result: { mergingIntList: [1, 2, 4] },
  },
  {
    name: 'merge lists of maps',
    original: {
      mergingList: [
        { name: 1, other: 'a' },
        { name: 2, value: 2, other: 'b' },
      ],
    },
    patch: {
      '$setElementOrder/mergingList': [{ name: 4 }, { name: 1 }, { name: 2 }, { name: 3 }],
      mergingList: [
        { name: 4, value: 4 },
        { name: 3, value: 3 },
      ],
    },
    result: {
      mergingList: [
        { name: 4, value: 4 },
        { name: 1, other: 'a' },
        { name: 2, value: 2, other: 'b' },
        { name: 3, value: 3 },
      ],
    },
  },
  {
    name: 'merge lists of maps with conflict',
    original: {
      mergingList: [
        { name: 1, other: 'a' },
        { name: 2, value: 3, other: 'b' },
      ],
    },
    patch: {
      '$setElementOrder/mergingList': [{ name: 1 }, { name: 2 }, { name: 3 }],
      mergingList: [
        { name: 2, value: 2 },
        { name: 3, value: 3 },
      ],
    },
    result: {
      mergingList: [
        { name: 1, other: 'a' },
        { name: 2, value: 2, other: 'b' },
        { name: 3, value: 3 },
      ],
    },
  },
  {
    name: 'set elements order in a list with server-only items 2',
    original: {
      mergingList: [
        { name: 1, other: 'a' },
        { name: 2, value: 2 },
        { name: 9 },
        { name: 3, value: 3 },
        { name: 4, value: 4 },
      ],
    },
    patch: { '$setElementOrder/mergingList': [{ name: 2 }, { name: 1 }, { name: 4 }, { name: 3 }] },
    result: {
      mergingList: [
        { name: 2, value: 2 },
        { name: 1, other: 'a' },
        { name: 9 },
        { name: 4, value: 4 },
        { name: 3, value: 3 },
      ],
    },
  },
  {
    name: 'set elements order in a list with server-only items 3',
    original: {
      mergingList: [
        { name: 1, other: 'a' },
        { name: 2, value: 2 },
        { name: 7 },
        { name: 9 },
        { name: 8 },
        { name: 3, value: 3 },
        { name: 4, value: 4 },
      ],
    },
    patch: { '$setElementOrder/mergingList': [{ name: 2 }, { name: 1 }, { name: 4 }, { name: 3 }] },
    result: {
      mergingList: [
        { name: 2, value: 2 },
        { name: 1, other: 'a' },
        { name: 7 },
        { name: 9 },
        { name: 8 },
        { name: 4, value: 4 },
        { name: 3, value: 3 },
      ],
    },
  },
  {
    name: 'add an item in a int list and preserve order',
    original: { mergingIntList: [1, 2] },
    patch: { '$setElementOrder/mergingIntList': [3, 1, 2], mergingIntList: [3] },
    result: { mergingIntList: [3, 1, 2] },
  },
  {
    name: 'add multiple items in a int list and preserve order',
    original: { mergingIntList: [1, 2] },
    patch: { '$setElementOrder/mergingIntList': [1, 4, 2, 3], mergingIntList: [4, 3] },
    result: { mergingIntList: [1, 4, 2, 3] },
  },
  {
    name: 'delete an item in a int list and preserve order',
    original: { mergingIntList: [1, 2, 3] },
    patch: { '$setElementOrder/mergingIntList': [2, 1], '$deleteFromPrimitiveList/mergingIntList': [3] },
    result: { mergingIntList: [2, 1] },
  },
  {
    name: 'add and delete an item in a int list and preserve order',
    original: { mergingIntList: [1, 2, 3] },
    patch: {
      '$setElementOrder/mergingIntList': [4, 2, 1],
      mergingIntList: [4],
      '$deleteFromPrimitiveList/mergingIntList': [3],
    },
    result: { mergingIntList: [4, 2, 1] },
  },
  {
    name: 'set elements order in a int list with server-only items',
    original: { mergingIntList: [1, 3, 4, 2, 9] },
    patch: { '$setElementOrder/mergingIntList': [4, 2, 3, 1] },
    result: { mergingIntList: [4, 2, 3, 1, 9] },
  },
  {
    name: 'set elements order in a int list with server-only items 2',
    original: { mergingIntList: [1, 2, 9, 3, 4] },
    patch: { '$setElementOrder/mergingIntList': [2, 1, 4, 3] },
    result: { mergingIntList: [2, 1, 9, 4, 3] },
  },
  {
    name: 'behavior of set element order for a merging list with duplicate',
    original: {
      mergingList: [
        { name: 1 },
        { name: 2, value: 'dup1' },
        { name: 3 },
        { name: 2, value: 'dup2' },
        { name: 4 },
      ],
    },
    patch: {
      '$setElementOrder/mergingList': [{ name: 2 }, { name: 1 }, { name: 4 }, { name: 3 }, { name: 2 }],
    },
    result: {
      mergingList: [
        { name: 2, value: 'dup1' },
        { name: 2, value: 'dup2' },
        { name: 1 },
        { name: 4 },
        { name: 3 },
      ],
    },
  },
  {
    name: 'behavior of set element order for a merging int list with duplicate',
    original: { mergingIntList: [1, 2, 3, 2, 4] },
    patch: { '$setElementOrder/mergingIntList': [2, 1, 4, 3, 2] },
    result: { mergingIntList: [2, 2, 1, 4, 3] },
  },
  {
    name: 'retainKeys map should clear defaulted field',
    original: { retainKeysMap: { value: 'foo' } },
    patch: { retainKeysMap: { $retainKeys: ['other'], other: 'bar' } },
    result: { retainKeysMap: { other: 'bar' } },
  },
  {
    name: 'retainKeys map should clear defaulted field with conflict (discriminated union)',
    original: { retainKeysMap: { name: 'type1', value: 'foo' } },
    patch: { retainKeysMap: { $retainKeys: ['name', 'other'], name: 'type2', other: 'bar' } },
    result: { retainKeysMap: { name: 'type2', other: 'bar' } },
  },
  {
    name: 'retainKeys map deletes a field and clears a field',
    original: { retainKeysMap: { name: 'foo', value: 'bar', other: 'a' } },
    patch: { retainKeysMap: { $retainKeys: ['name'], value: null } },
    result: { retainKeysMap: { name: 'foo' } },
  },
  {
    name: 'retainKeys map clears a field',
    original: { retainKeysMap: { name: 'foo', value: 'bar', other: 'a' } },
    patch: { retainKeysMap: { $retainKeys: ['name', 'value'] } },
    result: { retainKeysMap: { name: 'foo', value: 'bar' } },
  },
  {
    name: 'retainKeys map adds a field in a nested map',
    original: { retainKeysMap: { name: 'foo', value: 'bar', simpleMap: { key1: 'a', key3: 'c' } } },
    patch: { retainKeysMap: { $retainKeys: ['name', 'simpleMap', 'value'], simpleMap: { key2: 'b' } } },
    result: { retainKeysMap: { name: 'foo', value: 'bar', simpleMap: { key1: 'a', key2: 'b', key3: 'c' } } },
  },
  {
    name: 'replace RawExtension field and merge list',
    original: {
      name: 'my-object',
      mergingList: [{ name: 1 }, { name: 3 }],
      replacingItem: { Some: 'Generic', Yaml: 'Inside', The: 'RawExtension', Field: 'Period' },
    },
    patch: {
      '$setElementOrder/mergingList': [{ name: 1 }, { name: 2 }],
      mergingList: [{ name: 2 }],
      replacingItem: { Newly: 'Modified', Yaml: 'Inside', The: 'RawExtension' },
    },
    result: {
      name: 'my-object',
      mergingList: [{ name: 1 }, { name: 2 }, { name: 3 }],
      replacingItem: { Newly: 'Modified', Yaml: 'Inside', The: 'RawExtension' },
    },
  },
  {
    // kubernetes#110472: the deletion list applies whatever the field's strategy.
    name: '$deleteFromPrimitiveList deletes from a list without merge strategy',
    original: { nonMergingIntList: [1, 2, 3] },
    patch: { '$deleteFromPrimitiveList/nonMergingIntList': [2] },
    result: { nonMergingIntList: [1, 3] },
  },
  {
    name: 'merges nested merging lists by key',
    original: { mergingList: [{ name: 'a', mergingList: [{ name: 'x', value: 1 }, { name: 'y' }] }] },
    patch: { mergingList: [{ name: 'a', mergingList: [{ name: 'x', value: 2 }, { name: 'z' }] }] },
    result: {
      mergingList: [{ name: 'a', mergingList: [{ name: 'x', value: 2 }, { name: 'z' }, { name: 'y' }] }],
    },
  },
  {
    name: 'replaces a non-merging list of maps',
    original: { nonMergingList: [{ name: 1, value: 1 }, { name: 2 }] },
    patch: { nonMergingList: [{ name: 1 }] },
    result: { nonMergingList: [{ name: 1 }] },
  },
  {
    name: 'replaces a value of another type',
    original: { mergingList: [{ name: 1 }], simpleMap: 'x' },
    patch: { mergingList: { name: 1 }, simpleMap: { a: 1, b: null } },
    result: { mergingList: { name: 1 }, simpleMap: { a: 1 } },
  },
];

describe('applyStrategicMergePatch: apimachinery cases', () => {
  for (const c of CASES) {
    it(c.name, () => assert.deepEqual(smp(c.original, c.patch), c.result));
  }
});

describe('applyStrategicMergePatch: errors', () => {
  const errors: ReadonlyArray<readonly [string, JsonObject, JsonValue, ErrorCode, RegExp]> = [
    [
      'order in $setElementOrder and the patch list must match',
      { mergingList: [{ name: 1 }, { name: 3 }, { name: 2 }] },
      {
        '$setElementOrder/mergingList': [{ name: 1 }, { name: 2 }, { name: 3 }],
        mergingList: [
          { name: 3, value: 3 },
          { name: 1, value: 1 },
        ],
      },
      'EW_BAD_REQUEST',
      /mergingList: the order of the patch list does not match the \$setElementOrder list/,
    ],
    [
      'order in $setElementOrder and an int patch list must match',
      { mergingIntList: [1, 3, 2] },
      { '$setElementOrder/mergingIntList': [1, 2, 3], mergingIntList: [3, 1] },
      'EW_BAD_REQUEST',
      /does not match/,
    ],
    [
      'missing merge key',
      { mergingList: [{ name: 1, value: 'a' }] },
      { mergingList: [{ value: 'b' }] },
      'EW_BAD_REQUEST',
      /mergingList\[0\]: does not contain declared merge key "name"/,
    ],
    [
      'delete directive without the merge key',
      { mergingList: [{ name: 1 }] },
      { mergingList: [{ $patch: 'delete' }] },
      'EW_BAD_REQUEST',
      /does not contain declared merge key "name"/,
    ],
    [
      '$patch: merge in a list',
      { mergingList: [{ name: 1 }] },
      { mergingList: [{ $patch: 'merge' }] },
      'EW_BAD_REQUEST',
      /merging lists cannot yet be specified in the patch/,
    ],
    [
      '$patch: merge in a map',
      { simpleMap: { a: 1 } },
      { simpleMap: { $patch: 'merge' } },
      'EW_BAD_REQUEST',
      /simpleMap: unknown patch type "merge" in map/,
    ],
    [
      'an unknown list directive',
      { mergingList: [{ name: 1 }] },
      { mergingList: [{ name: 1, $patch: 'bogus' }] },
      'EW_BAD_REQUEST',
      /unknown patch type "bogus" in list/,
    ],
    [
      'patch fields outside $retainKeys',
      { retainKeysMap: { name: 'foo' } },
      { retainKeysMap: { $retainKeys: ['name'], value: 'bar' } },
      'EW_BAD_REQUEST',
      /invalid patch format of retainKeys: "value" is not in \$retainKeys/,
    ],
    [
      '$retainKeys that is not a list',
      { retainKeysMap: {} },
      { retainKeysMap: { $retainKeys: 'name' } },
      'EW_BAD_REQUEST',
      /invalid patch format of retainKeys/,
    ],
    [
      'a malformed $setElementOrder key',
      { mergingList: [] },
      { $setElementOrderX: [] },
      'EW_BAD_REQUEST',
      /invalid patch format of setElementOrder list/,
    ],
    [
      'a malformed $deleteFromPrimitiveList key',
      { mergingIntList: [1] },
      { $deleteFromPrimitiveList: [1] },
      'EW_BAD_REQUEST',
      /invalid patch format of primitive list/,
    ],
    [
      'a deletion list of objects',
      { mergingIntList: [1] },
      { '$deleteFromPrimitiveList/mergingIntList': [{ a: 1 }] },
      'EW_BAD_REQUEST',
      /must be a list of scalars/,
    ],
    [
      'lists of lists (422, as kube-apiserver)',
      { mergingIntList: [[1]] },
      { mergingIntList: [[2]] },
      'EW_INVALID',
      /lists of lists are not supported/,
    ],
    [
      'mixed element types',
      { mergingIntList: [1] },
      { mergingIntList: ['2'] },
      'EW_BAD_REQUEST',
      /list element types are not identical/,
    ],
    ['a patch that is not an object', {}, ['a'], 'EW_BAD_REQUEST', /must be a JSON object, got a list/],
    ['a null patch', {}, null, 'EW_BAD_REQUEST', /must be a JSON object, got null/],
  ];
  for (const [name, original, patch, code, pattern] of errors) {
    it(`rejects ${name}`, () => assert.throws(() => smp(original, patch), rejectsWith(code, pattern)));
  }
});

describe('applyStrategicMergePatch: values with no counterpart are applied to an empty original', () => {
  it('drops delete directives and replace markers in a list the object does not have', () => {
    const result = smp(
      {},
      { mergingList: [{ name: 1 }, { name: 2, $patch: 'delete' }, { $patch: 'replace' }] },
    );
    assert.deepEqual(result, { mergingList: [{ name: 1 }] });
  });

  it('drops nulls and nested directives in a new map', () => {
    const result = smp({}, { simpleMap: { a: null, b: { $patch: 'delete' }, c: 1 } });
    assert.deepEqual(result, { simpleMap: { b: {}, c: 1 } });
  });

  it('ignores a deletion list for a list the object does not have', () => {
    assert.deepEqual(smp({ name: 'x' }, { '$deleteFromPrimitiveList/mergingIntList': [1] }), { name: 'x' });
  });

  it('applies a $setElementOrder with no list anywhere as a no-op', () => {
    assert.deepEqual(smp({ name: 'x' }, { '$setElementOrder/mergingList': [{ name: 1 }] }), { name: 'x' });
  });
});

describe('applyStrategicMergePatch: purity', () => {
  it('never modifies the original or the patch', () => {
    const original: JsonObject = {
      mergingList: [{ name: 1, value: 1 }, { name: 2 }],
      mergingIntList: [1, 2, 3],
      retainKeysMap: { name: 'a', value: 'b' },
    };
    const patch: JsonObject = {
      '$setElementOrder/mergingList': [{ name: 2 }, { name: 1 }, { name: 3 }],
      mergingList: [
        { name: 1, value: null },
        { name: 3, other: { deep: [1] } },
      ],
      '$deleteFromPrimitiveList/mergingIntList': [2],
      retainKeysMap: { $retainKeys: ['name'] },
    };
    const originalBefore = structuredClone(original);
    const patchBefore = structuredClone(patch);
    const result = smp(original, patch) as { mergingList: JsonObject[] };
    assert.deepEqual(original, originalBefore);
    assert.deepEqual(patch, patchBefore);
    assert.deepEqual(result, {
      mergingList: [{ name: 2 }, { name: 1 }, { name: 3, other: { deep: [1] } }],
      mergingIntList: [1, 3],
      retainKeysMap: { name: 'a' },
    });
    ((result.mergingList[2] as { other: { deep: number[] } }).other.deep as number[]).push(2);
    assert.deepEqual(
      (patch.mergingList as JsonValue[])[1],
      { name: 3, other: { deep: [1] } },
      'result does not alias the patch',
    );
  });

  it('stores a "__proto__" member as data', () => {
    const patch = JSON.parse('{"simpleMap": {"__proto__": {"polluted": true}}}') as JsonObject;
    const result = smp({ simpleMap: {} }, patch);
    const map = result.simpleMap as JsonObject;
    assert.equal(Object.getPrototypeOf(map), Object.prototype);
    assert.deepEqual(Object.keys(map), ['__proto__']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('does not treat inherited names as schema fields', () => {
    assert.deepEqual(smp({ constructor: [1] }, { constructor: [2] }), { constructor: [2] });
  });
});

// The Deployment of kubernetes.io "Update API Objects in Place Using kubectl patch".
const PATCH_DEMO = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'patch-demo' },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'nginx' } },
    template: {
      metadata: { labels: { app: 'nginx' } },
      spec: {
        containers: [{ name: 'patch-demo-ctr', image: 'nginx' }],
        tolerations: [{ effect: 'NoSchedule', key: 'dedicated', value: 'test-team' }],
      },
    },
  },
} satisfies JsonObject;

describe('kubectl patch on built-in kinds (kubernetes.io task page)', () => {
  it('merges containers by name', () => {
    const patched = applyStrategicMergePatchFor('apps', 'Deployment', PATCH_DEMO, {
      spec: { template: { spec: { containers: [{ name: 'patch-demo-ctr-2', image: 'redis' }] } } },
    });
    const spec = (patched.spec as JsonObject).template as { spec: JsonObject };
    assert.deepEqual(spec.spec.containers, [
      { name: 'patch-demo-ctr-2', image: 'redis' },
      { name: 'patch-demo-ctr', image: 'nginx' },
    ]);
  });

  it('replaces tolerations, which have no patch strategy', () => {
    const patched = applyStrategicMergePatchFor('apps', 'Deployment', PATCH_DEMO, {
      spec: {
        template: { spec: { tolerations: [{ effect: 'NoSchedule', key: 'disktype', value: 'ssd' }] } },
      },
    });
    const spec = (patched.spec as JsonObject).template as { spec: JsonObject };
    assert.deepEqual(spec.spec.tolerations, [{ effect: 'NoSchedule', key: 'disktype', value: 'ssd' }]);
  });

  it('contrasts with a JSON merge patch, which replaces the container list', () => {
    const patched = applyMergePatch(PATCH_DEMO, {
      spec: {
        template: {
          spec: { containers: [{ name: 'patch-demo-ctr-3', image: 'gcr.io/google-samples/hello-app:2.0' }] },
        },
      },
    }) as { spec: { template: { spec: JsonObject } } };
    assert.deepEqual(patched.spec.template.spec.containers, [
      { name: 'patch-demo-ctr-3', image: 'gcr.io/google-samples/hello-app:2.0' },
    ]);
  });

  it('uses $retainKeys to switch a Deployment strategy', () => {
    const live = {
      ...PATCH_DEMO,
      spec: { ...PATCH_DEMO.spec, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%' } } },
    };
    const patched = applyStrategicMergePatchFor('apps', 'Deployment', live, {
      spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } },
    });
    assert.deepEqual((patched.spec as JsonObject).strategy, { type: 'Recreate' });
  });
});

describe('patch metadata of the kinds Edgewise serves', () => {
  const pod: JsonObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web',
      finalizers: ['edgewise.io/drain', 'example.com/a'],
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'u1' },
        { apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'u2' },
      ],
      labels: { app: 'web' },
    },
    spec: {
      initContainers: [{ name: 'init', image: 'busybox' }],
      containers: [
        {
          name: 'app',
          image: 'app:1',
          env: [
            { name: 'A', value: '1' },
            { name: 'B', value: '2' },
          ],
          ports: [{ containerPort: 8080, protocol: 'TCP' }, { containerPort: 9090 }],
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
        },
      ],
      volumes: [{ name: 'data', emptyDir: {} }],
      imagePullSecrets: [{ name: 'regcred' }],
      tolerations: [{ key: 'a', operator: 'Exists' }],
    },
    status: {
      phase: 'Running',
      conditions: [
        { type: 'Ready', status: 'False' },
        { type: 'PodScheduled', status: 'True' },
      ],
    },
  };
  const podSchema = patchSchemaFor('', 'Pod') as PatchSchema;

  it('merges Pod lists by their keys and replaces tolerations', () => {
    const patched = applyStrategicMergePatch(
      pod,
      {
        metadata: {
          finalizers: ['example.com/b'],
          '$deleteFromPrimitiveList/finalizers': ['edgewise.io/drain'],
          ownerReferences: [{ uid: 'u2', $patch: 'delete' }],
        },
        spec: {
          initContainers: [{ name: 'init', image: 'busybox:2' }],
          containers: [
            {
              name: 'app',
              env: [
                { name: 'B', value: '3' },
                { name: 'C', value: '4' },
              ],
              ports: [{ containerPort: 9090, name: 'metrics' }],
              volumeMounts: [{ mountPath: '/data', readOnly: true }],
            },
          ],
          volumes: [{ name: 'cache', emptyDir: { medium: 'Memory' } }],
          imagePullSecrets: [{ name: 'other' }],
          tolerations: [{ key: 'b', operator: 'Exists' }],
        },
        status: { conditions: [{ type: 'Ready', status: 'True' }] },
      },
      podSchema,
    );
    const metadata = patched.metadata as JsonObject;
    // A patch item the stored list does not have goes ahead of the stored items it is not
    // anchored to, as in apimachinery (the kubectl patch page shows the same for containers).
    assert.deepEqual(metadata.finalizers, ['example.com/b', 'example.com/a']);
    assert.deepEqual(metadata.ownerReferences, [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'u1' },
    ]);
    const spec = patched.spec as JsonObject;
    assert.deepEqual(spec.initContainers, [{ name: 'init', image: 'busybox:2' }]);
    assert.deepEqual(spec.containers, [
      {
        name: 'app',
        image: 'app:1',
        env: [
          { name: 'A', value: '1' },
          { name: 'B', value: '3' },
          { name: 'C', value: '4' },
        ],
        ports: [
          { containerPort: 8080, protocol: 'TCP' },
          { containerPort: 9090, name: 'metrics' },
        ],
        volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }],
      },
    ]);
    assert.deepEqual(spec.volumes, [
      { name: 'cache', emptyDir: { medium: 'Memory' } },
      { name: 'data', emptyDir: {} },
    ]);
    assert.deepEqual(spec.imagePullSecrets, [{ name: 'other' }, { name: 'regcred' }]);
    assert.deepEqual(spec.tolerations, [{ key: 'b', operator: 'Exists' }]);
    assert.deepEqual((patched.status as JsonObject).conditions, [
      { type: 'Ready', status: 'True' },
      { type: 'PodScheduled', status: 'True' },
    ]);
  });

  it('merges Node conditions and addresses by type, podCIDRs as a set, and replaces taints', () => {
    const node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'edge-1' },
      spec: { podCIDRs: ['10.0.1.0/24'], taints: [{ key: 'a', effect: 'NoSchedule' }] },
      status: {
        conditions: [{ type: 'Ready', status: 'True' }],
        addresses: [{ type: 'InternalIP', address: '10.0.0.5' }],
      },
    };
    const patched = applyStrategicMergePatchFor('', 'Node', node, {
      spec: { podCIDRs: ['fd00::/64'], taints: [{ key: 'b', effect: 'NoExecute' }] },
      status: {
        conditions: [{ type: 'MemoryPressure', status: 'False' }],
        addresses: [{ type: 'Hostname', address: 'edge-1' }],
      },
    });
    assert.deepEqual(patched.spec, {
      podCIDRs: ['fd00::/64', '10.0.1.0/24'],
      taints: [{ key: 'b', effect: 'NoExecute' }],
    });
    assert.deepEqual(patched.status, {
      conditions: [
        { type: 'MemoryPressure', status: 'False' },
        { type: 'Ready', status: 'True' },
      ],
      addresses: [
        { type: 'Hostname', address: 'edge-1' },
        { type: 'InternalIP', address: '10.0.0.5' },
      ],
    });
  });

  it('merges ConfigMap data as a map and deletes keys with null', () => {
    const configMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'edge-config' },
      data: { a: '1', b: '2' },
    };
    const patched = applyStrategicMergePatchFor('', 'ConfigMap', configMap, { data: { a: null, c: '3' } });
    assert.deepEqual(patched.data, { b: '2', c: '3' });
  });

  it('answers 415 for custom resources, as kube-apiserver does', () => {
    for (const [group, kind] of [
      ['kubevirt.io', 'VirtualMachine'],
      ['management.k3s.io', 'EdgeCluster'],
      ['example.com', 'Widget'],
    ] as const) {
      assert.throws(
        () => applyStrategicMergePatchFor(group, kind, { metadata: { name: 'x' } }, { spec: {} }),
        rejectsWith(
          'EW_UNSUPPORTED_MEDIA_TYPE',
          /^the body of the request was in an unknown format - accepted media types include: application\/json-patch\+json, application\/merge-patch\+json$/,
        ),
      );
    }
  });
});

describe('a kubectl apply patch applied to a Deployment', () => {
  // What `kubectl apply` (client-side) sends after the manifest dropped the `tier` label
  // and the DEBUG variable, changed the image, REGION and replicas, and added a container.
  const lastApplied = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'edge-service', namespace: 'retail', labels: { app: 'edge-service', tier: 'backend' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'edge-service' } },
      template: {
        metadata: { labels: { app: 'edge-service' } },
        spec: {
          containers: [
            {
              name: 'app',
              image: 'registry.local/edge-service:1.4',
              ports: [{ containerPort: 8080 }],
              env: [
                { name: 'MODE', value: 'edge' },
                { name: 'DEBUG', value: '1' },
                { name: 'REGION', value: 'us' },
              ],
            },
          ],
        },
      },
    },
  };
  const manifest = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'edge-service', namespace: 'retail', labels: { app: 'edge-service' } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'edge-service' } },
      template: {
        metadata: { labels: { app: 'edge-service' } },
        spec: {
          containers: [
            {
              name: 'app',
              image: 'registry.local/edge-service:1.5',
              ports: [{ containerPort: 8080 }],
              env: [
                { name: 'MODE', value: 'edge' },
                { name: 'REGION', value: 'eu' },
              ],
            },
            { name: 'log-shipper', image: 'registry.local/log-shipper:2.1' },
          ],
        },
      },
    },
  };
  const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
  const live: JsonObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'edge-service',
      namespace: 'retail',
      uid: '7c1a3e9e-1b9e-4f6b-9a43-2f1f0c2d9b11',
      resourceVersion: '42',
      generation: 3,
      creationTimestamp: '2025-01-10T08:00:00Z',
      labels: { app: 'edge-service', tier: 'backend' },
      annotations: {
        'deployment.kubernetes.io/revision': '3',
        [LAST_APPLIED]: `${JSON.stringify(lastApplied)}\n`,
      },
    },
    spec: {
      replicas: 2,
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      selector: { matchLabels: { app: 'edge-service' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'edge-service' } },
        spec: {
          containers: [
            {
              name: 'app',
              image: 'registry.local/edge-service:1.4',
              imagePullPolicy: 'IfNotPresent',
              ports: [{ containerPort: 8080, protocol: 'TCP' }],
              env: [
                { name: 'MODE', value: 'edge' },
                { name: 'DEBUG', value: '1' },
                { name: 'REGION', value: 'us' },
              ],
              terminationMessagePath: '/dev/termination-log',
            },
            // Injected by an admission webhook; never in the manifest.
            { name: 'istio-proxy', image: 'proxy:1.0' },
          ],
          restartPolicy: 'Always',
          dnsPolicy: 'ClusterFirst',
        },
      },
    },
    status: {
      observedGeneration: 3,
      replicas: 2,
      readyReplicas: 2,
      conditions: [{ type: 'Available', status: 'True' }],
    },
  };
  const patch = {
    metadata: {
      annotations: { [LAST_APPLIED]: `${JSON.stringify(manifest)}\n` },
      labels: { tier: null },
    },
    spec: {
      replicas: 3,
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'app' }, { name: 'log-shipper' }],
          containers: [
            {
              '$setElementOrder/env': [{ name: 'MODE' }, { name: 'REGION' }],
              env: [
                { name: 'REGION', value: 'eu' },
                { $patch: 'delete', name: 'DEBUG' },
              ],
              image: 'registry.local/edge-service:1.5',
              name: 'app',
            },
            { image: 'registry.local/log-shipper:2.1', name: 'log-shipper' },
          ],
        },
      },
    },
  };

  it('produces the object kube-apiserver would store', () => {
    const patched = applyStrategicMergePatchFor('apps', 'Deployment', live, patch);
    assert.deepEqual(patched, {
      ...live,
      metadata: {
        ...(live.metadata as JsonObject),
        labels: { app: 'edge-service' },
        annotations: {
          'deployment.kubernetes.io/revision': '3',
          [LAST_APPLIED]: `${JSON.stringify(manifest)}\n`,
        },
      },
      spec: {
        ...(live.spec as JsonObject),
        replicas: 3,
        template: {
          metadata: { labels: { app: 'edge-service' } },
          spec: {
            containers: [
              {
                name: 'app',
                image: 'registry.local/edge-service:1.5',
                imagePullPolicy: 'IfNotPresent',
                ports: [{ containerPort: 8080, protocol: 'TCP' }],
                env: [
                  { name: 'MODE', value: 'edge' },
                  { name: 'REGION', value: 'eu' },
                ],
                terminationMessagePath: '/dev/termination-log',
              },
              { name: 'log-shipper', image: 'registry.local/log-shipper:2.1' },
              { name: 'istio-proxy', image: 'proxy:1.0' },
            ],
            restartPolicy: 'Always',
            dnsPolicy: 'ClusterFirst',
          },
        },
      },
    });
  });

  it('leaves the stored object and the patch untouched', () => {
    const liveBefore = structuredClone(live);
    const patchBefore = structuredClone(patch);
    applyStrategicMergePatchFor('apps', 'Deployment', live, patch);
    assert.deepEqual(live, liveBefore);
    assert.deepEqual(patch, patchBefore);
  });
});

describe('nesting limit', () => {
  it('rejects a deeply nested patch with 400 instead of overflowing the stack', () => {
    const deep = JSON.parse(`${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`) as JsonObject;
    assert.throws(
      () => smp({}, deep),
      rejectsWith('EW_BAD_REQUEST', /^strategic merge patch is nested more than 1000 levels deep$/),
    );
    assert.throws(
      () => smp(deep, {}),
      rejectsWith('EW_BAD_REQUEST', /strategic merge patch target is nested/),
    );
  });
});

describe('patchSchemaFor: the k8s.io/api struct tags', () => {
  const cases: ReadonlyArray<
    readonly [string, string, string, { strategy?: string; mergeKey?: string; retainKeys?: boolean }]
  > = [
    ['', 'Pod', 'spec.containers', { strategy: 'merge', mergeKey: 'name' }],
    ['', 'Pod', 'spec.initContainers', { strategy: 'merge', mergeKey: 'name' }],
    ['', 'Pod', 'spec.ephemeralContainers', { strategy: 'merge', mergeKey: 'name' }],
    ['', 'Pod', 'spec.containers.env', { strategy: 'merge', mergeKey: 'name' }],
    ['', 'Pod', 'spec.containers.ports', { strategy: 'merge', mergeKey: 'containerPort' }],
    ['', 'Pod', 'spec.containers.volumeMounts', { strategy: 'merge', mergeKey: 'mountPath' }],
    ['', 'Pod', 'spec.containers.volumeDevices', { strategy: 'merge', mergeKey: 'devicePath' }],
    ['', 'Pod', 'spec.containers.envFrom', {}],
    ['', 'Pod', 'spec.containers.command', {}],
    ['', 'Pod', 'spec.volumes', { strategy: 'merge', mergeKey: 'name', retainKeys: true }],
    ['', 'Pod', 'spec.imagePullSecrets', { strategy: 'merge', mergeKey: 'name' }],
    ['', 'Pod', 'spec.hostAliases', { strategy: 'merge', mergeKey: 'ip' }],
    ['', 'Pod', 'spec.topologySpreadConstraints', { strategy: 'merge', mergeKey: 'topologyKey' }],
    ['', 'Pod', 'spec.tolerations', {}],
    ['', 'Pod', 'spec.readinessGates', {}],
    ['', 'Pod', 'metadata.finalizers', { strategy: 'merge' }],
    ['', 'Pod', 'metadata.ownerReferences', { strategy: 'merge', mergeKey: 'uid' }],
    ['', 'Pod', 'metadata.managedFields', {}],
    ['', 'Pod', 'status.conditions', { strategy: 'merge', mergeKey: 'type' }],
    ['', 'Pod', 'status.podIPs', { strategy: 'merge', mergeKey: 'ip' }],
    ['', 'Pod', 'status.containerStatuses', {}],
    ['apps', 'Deployment', 'spec.template.spec.containers', { strategy: 'merge', mergeKey: 'name' }],
    ['apps', 'Deployment', 'spec.template.spec.containers.env', { strategy: 'merge', mergeKey: 'name' }],
    ['apps', 'Deployment', 'spec.template.metadata.finalizers', { strategy: 'merge' }],
    ['apps', 'Deployment', 'spec.strategy', { retainKeys: true }],
    ['apps', 'Deployment', 'status.conditions', { strategy: 'merge', mergeKey: 'type' }],
    ['apps', 'DaemonSet', 'spec.template.spec.initContainers', { strategy: 'merge', mergeKey: 'name' }],
    ['apps', 'DaemonSet', 'spec.template.spec.tolerations', {}],
    ['apps', 'DaemonSet', 'spec.updateStrategy', {}],
    ['apps', 'DaemonSet', 'status.conditions', { strategy: 'merge', mergeKey: 'type' }],
    ['', 'Node', 'spec.taints', {}],
    ['', 'Node', 'spec.podCIDRs', { strategy: 'merge' }],
    ['', 'Node', 'status.conditions', { strategy: 'merge', mergeKey: 'type' }],
    ['', 'Node', 'status.addresses', { strategy: 'merge', mergeKey: 'type' }],
    ['', 'Node', 'status.images', {}],
    ['', 'Namespace', 'spec.finalizers', {}],
    ['', 'Namespace', 'status.conditions', { strategy: 'merge', mergeKey: 'type' }],
    ['', 'ConfigMap', 'metadata.finalizers', { strategy: 'merge' }],
    ['', 'Secret', 'metadata.ownerReferences', { strategy: 'merge', mergeKey: 'uid' }],
    ['', 'Event', 'metadata.finalizers', { strategy: 'merge' }],
    ['node.k8s.io', 'RuntimeClass', 'scheduling.tolerations', {}],
  ];
  for (const [group, kind, path, expected] of cases) {
    it(`${kind}${group ? `.${group}` : ''} ${path}`, () => {
      const schema = patchSchemaFor(group, kind);
      assert.ok(schema, `${kind} has a schema`);
      const { strategy, mergeKey, retainKeys } = patchMetaAt(schema, path.split('.'));
      const actual = {
        ...(strategy ? { strategy } : {}),
        ...(mergeKey ? { mergeKey } : {}),
        ...(retainKeys ? { retainKeys } : {}),
      };
      assert.deepEqual(actual, expected);
    });
  }

  it('has no schema for custom resources or unknown kinds', () => {
    assert.equal(patchSchemaFor('kubevirt.io', 'VirtualMachine'), undefined);
    assert.equal(patchSchemaFor('management.k3s.io', 'EdgeCluster'), undefined);
    assert.equal(patchSchemaFor('', 'Deployment'), undefined, 'group matters');
    assert.equal(patchSchemaFor('', 'constructor'), undefined);
  });

  it('lists the patch types each kind accepts', () => {
    assert.deepEqual(supportedPatchContentTypes('apps', 'Deployment'), [
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/strategic-merge-patch+json',
    ]);
    assert.deepEqual(supportedPatchContentTypes('kubevirt.io', 'VirtualMachine'), [
      'application/json-patch+json',
      'application/merge-patch+json',
    ]);
  });
});
