import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EdgewiseError } from '../../src/api/errors.js';
import type { JsonObject, JsonValue } from '../../src/api/json-value.js';
import { MAX_JSON_DEPTH } from '../../src/api/json-value.js';
import { applyMergePatch, applyResourceMergePatch } from '../../src/api/merge-patch.js';

describe('applyMergePatch: RFC 7386 appendix A', () => {
  const cases: ReadonlyArray<readonly [JsonValue, JsonValue, JsonValue]> = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [target, patch, expected] of cases) {
    it(`${JSON.stringify(target)} + ${JSON.stringify(patch)}`, () => {
      assert.deepEqual(applyMergePatch(target, patch), expected);
    });
  }

  it('applies the example from RFC 7386 section 3', () => {
    const target = {
      title: 'Goodbye!',
      author: { givenName: 'John', familyName: 'Doe' },
      tags: ['example', 'sample'],
      content: 'This will be unchanged',
    };
    const patch = {
      title: 'Hello!',
      phoneNumber: '+01-123-456-7890',
      author: { familyName: null },
      tags: ['example'],
    };
    assert.deepEqual(applyMergePatch(target, patch), {
      title: 'Hello!',
      author: { givenName: 'John' },
      tags: ['example'],
      content: 'This will be unchanged',
      phoneNumber: '+01-123-456-7890',
    });
  });

  it('keeps nulls inside arrays (arrays replace, they are not merged)', () => {
    assert.deepEqual(applyMergePatch({ a: [1] }, { a: [null, { b: null }] }), { a: [null, { b: null }] });
  });

  it('treats an undefined target as absent', () => {
    assert.deepEqual(applyMergePatch(undefined, { a: { b: null, c: 1 } }), { a: { c: 1 } });
  });

  it('never modifies its arguments and never aliases them', () => {
    const target = { metadata: { labels: { app: 'web', tier: 'front' } }, spec: { ports: [{ port: 80 }] } };
    const patch = { metadata: { labels: { tier: null, env: 'prod' } }, spec: { ports: [{ port: 443 }] } };
    const targetBefore = structuredClone(target);
    const patchBefore = structuredClone(patch);
    const result = applyMergePatch(target, patch) as JsonObject;
    assert.deepEqual(target, targetBefore);
    assert.deepEqual(patch, patchBefore);
    assert.deepEqual(result, {
      metadata: { labels: { app: 'web', env: 'prod' } },
      spec: { ports: [{ port: 443 }] },
    });
    const ports = (result.spec as { ports: JsonObject[] }).ports;
    assert.notEqual(ports, patch.spec.ports);
    (ports[0] as JsonObject).port = 1;
    assert.equal(patch.spec.ports[0]?.port, 443);
  });

  it('stores a "__proto__" member as data instead of changing the prototype', () => {
    const patch = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as JsonObject;
    const result = applyMergePatch({}, patch) as JsonObject;
    assert.equal(Object.getPrototypeOf(result), Object.prototype);
    assert.deepEqual(Object.keys(result).sort(), ['__proto__', 'a']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('applyResourceMergePatch', () => {
  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'edge-config' },
    data: { a: '1' },
  };

  it('merges an object patch into the resource', () => {
    const patched = applyResourceMergePatch(configMap, {
      data: { a: null, b: '2' },
      metadata: { labels: { x: 'y' } },
    });
    assert.deepEqual(patched, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'edge-config', labels: { x: 'y' } },
      data: { b: '2' },
    });
    assert.deepEqual(configMap.data, { a: '1' }, 'input untouched');
  });

  it('rejects a patch that is not an object with 400 BadRequest', () => {
    for (const patch of [null, 'x', 3, ['a'], true]) {
      assert.throws(
        () => applyResourceMergePatch(configMap, patch),
        (err: unknown) =>
          EdgewiseError.isCode(err, 'EW_BAD_REQUEST') && /expected a JSON object/.test(err.message),
        JSON.stringify(patch),
      );
    }
  });
});

describe('nesting limit', () => {
  function nested(depth: number): JsonValue {
    return JSON.parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`) as JsonValue;
  }

  it('accepts documents nested up to MAX_JSON_DEPTH levels', () => {
    assert.deepEqual(applyMergePatch({}, nested(MAX_JSON_DEPTH)), nested(MAX_JSON_DEPTH));
  });

  it('rejects deeper documents with 400 instead of overflowing the stack', () => {
    assert.throws(
      () => applyMergePatch({}, nested(5000)),
      (err: unknown) =>
        EdgewiseError.isCode(err, 'EW_BAD_REQUEST') &&
        err.message === 'merge patch is nested more than 1000 levels deep',
    );
    assert.throws(
      () => applyResourceMergePatch({ a: nested(MAX_JSON_DEPTH) }, {}),
      /merge patch target is nested/,
    );
  });
});
