import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ErrorCode } from '../../src/api/errors.js';
import { EdgewiseError } from '../../src/api/errors.js';
import {
  applyJsonPatch,
  formatJsonPointer,
  MAX_JSON_PATCH_OPERATIONS,
  parseJsonPatch,
  parseJsonPointer,
} from '../../src/api/json-patch.js';
import type { JsonValue } from '../../src/api/json-value.js';

function rejectsWith(code: ErrorCode, pattern: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(EdgewiseError.is(err), `expected an EdgewiseError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, pattern);
    return true;
  };
}

describe('applyJsonPatch: RFC 6902 appendix A', () => {
  const cases: ReadonlyArray<readonly [string, JsonValue, JsonValue, JsonValue]> = [
    [
      'A.1 add an object member',
      { foo: 'bar' },
      [{ op: 'add', path: '/baz', value: 'qux' }],
      { baz: 'qux', foo: 'bar' },
    ],
    [
      'A.2 add an array element',
      { foo: ['bar', 'baz'] },
      [{ op: 'add', path: '/foo/1', value: 'qux' }],
      { foo: ['bar', 'qux', 'baz'] },
    ],
    [
      'A.3 remove an object member',
      { baz: 'qux', foo: 'bar' },
      [{ op: 'remove', path: '/baz' }],
      { foo: 'bar' },
    ],
    [
      'A.4 remove an array element',
      { foo: ['bar', 'qux', 'baz'] },
      [{ op: 'remove', path: '/foo/1' }],
      { foo: ['bar', 'baz'] },
    ],
    [
      'A.5 replace a value',
      { baz: 'qux', foo: 'bar' },
      [{ op: 'replace', path: '/baz', value: 'boo' }],
      { baz: 'boo', foo: 'bar' },
    ],
    [
      'A.6 move a value',
      { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
      [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
      { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
    ],
    [
      'A.7 move an array element',
      { foo: ['all', 'grass', 'cows', 'eat'] },
      [{ op: 'move', from: '/foo/1', path: '/foo/3' }],
      { foo: ['all', 'cows', 'eat', 'grass'] },
    ],
    [
      'A.8 test a value: success',
      { baz: 'qux', foo: ['a', 2, 'c'] },
      [
        { op: 'test', path: '/baz', value: 'qux' },
        { op: 'test', path: '/foo/1', value: 2 },
      ],
      { baz: 'qux', foo: ['a', 2, 'c'] },
    ],
    [
      'A.10 add a nested member object',
      { foo: 'bar' },
      [{ op: 'add', path: '/child', value: { grandchild: {} } }],
      { foo: 'bar', child: { grandchild: {} } },
    ],
    [
      'A.11 ignore unrecognized elements',
      { foo: 'bar' },
      [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }],
      { foo: 'bar', baz: 'qux' },
    ],
    [
      'A.14 ~ escape ordering',
      { '/': 9, '~1': 10 },
      [{ op: 'test', path: '/~01', value: 10 }],
      { '/': 9, '~1': 10 },
    ],
    [
      'A.16 add an array value',
      { foo: ['bar'] },
      [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }],
      { foo: ['bar', ['abc', 'def']] },
    ],
  ];
  for (const [name, document, patch, expected] of cases) {
    it(name, () => assert.deepEqual(applyJsonPatch(document, patch), expected));
  }

  it('A.9 test a value: error', () => {
    assert.throws(
      () => applyJsonPatch({ baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }]),
      rejectsWith('EW_INVALID', /operation 0 \(test\) failed: value at "\/baz" does not match/),
    );
  });

  it('A.12 add to a nonexistent target', () => {
    assert.throws(
      () => applyJsonPatch({ foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }]),
      rejectsWith('EW_INVALID', /path "\/baz\/bat" does not exist/),
    );
  });

  it('A.15 comparing strings and numbers', () => {
    assert.throws(
      () => applyJsonPatch({ '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: '10' }]),
      rejectsWith('EW_INVALID', /does not match/),
    );
  });
});

describe('applyJsonPatch: semantics', () => {
  it('replaces and adds at the document root', () => {
    assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: 'replace', path: '', value: { b: 2 } }]), { b: 2 });
    assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: 'add', path: '', value: [1] }]), [1]);
    assert.throws(
      () => applyJsonPatch({ a: 1 }, [{ op: 'remove', path: '' }]),
      rejectsWith('EW_INVALID', /whole document/),
    );
  });

  it('appends with "-" and inserts at the end index', () => {
    const doc = { list: [1, 2] };
    assert.deepEqual(applyJsonPatch(doc, [{ op: 'add', path: '/list/2', value: 3 }]), { list: [1, 2, 3] });
    assert.deepEqual(applyJsonPatch(doc, [{ op: 'add', path: '/list/-', value: 3 }]), { list: [1, 2, 3] });
  });

  it('rejects bad array indexes', () => {
    const doc = { list: [1, 2] };
    const bad: ReadonlyArray<readonly [JsonValue, RegExp]> = [
      [[{ op: 'add', path: '/list/3', value: 0 }], /out of bounds/],
      [[{ op: 'replace', path: '/list/2', value: 0 }], /out of bounds/],
      [[{ op: 'remove', path: '/list/-' }], /invalid array index "-"/],
      [[{ op: 'remove', path: '/list/01' }], /invalid array index "01"/],
      [[{ op: 'add', path: '/list/-1', value: 0 }], /invalid array index "-1"/],
      [[{ op: 'test', path: '/list/x', value: 0 }], /invalid array index "x"/],
    ];
    for (const [patch, pattern] of bad) {
      assert.throws(
        () => applyJsonPatch(doc, patch),
        rejectsWith('EW_INVALID', pattern),
        JSON.stringify(patch),
      );
    }
  });

  it('requires the target of remove, replace, move, copy and test to exist', () => {
    const doc = { a: { b: 1 } };
    for (const patch of [
      [{ op: 'remove', path: '/a/c' }],
      [{ op: 'replace', path: '/a/c', value: 2 }],
      [{ op: 'move', from: '/a/c', path: '/d' }],
      [{ op: 'copy', from: '/a/c', path: '/d' }],
      [{ op: 'test', path: '/a/c', value: null }],
    ]) {
      assert.throws(
        () => applyJsonPatch(doc, patch),
        rejectsWith('EW_INVALID', /does not exist/),
        JSON.stringify(patch),
      );
    }
  });

  it('refuses to move a value into its own child', () => {
    assert.throws(
      () => applyJsonPatch({ a: { b: {} } }, [{ op: 'move', from: '/a', path: '/a/b/c' }]),
      rejectsWith('EW_INVALID', /into its own child/),
    );
    assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: 'move', from: '/a', path: '/a' }]), { a: 1 });
  });

  it('copies deeply, so later operations do not change the source', () => {
    const result = applyJsonPatch({ a: { x: 1 } }, [
      { op: 'copy', from: '/a', path: '/b' },
      { op: 'replace', path: '/b/x', value: 2 },
    ]);
    assert.deepEqual(result, { a: { x: 1 }, b: { x: 2 } });
  });

  it('tests deep values regardless of key order', () => {
    const doc = { spec: { selector: { app: 'web', tier: 'front' }, ports: [{ port: 80 }] } };
    const patch = [
      {
        op: 'test',
        path: '/spec',
        value: { ports: [{ port: 80 }], selector: { tier: 'front', app: 'web' } },
      },
      { op: 'replace', path: '/spec/ports/0/port', value: 8080 },
    ];
    assert.deepEqual(applyJsonPatch(doc, patch), {
      spec: { selector: { app: 'web', tier: 'front' }, ports: [{ port: 8080 }] },
    });
  });

  it('patches a Deployment the way `kubectl patch --type=json` does', () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'edge-service', labels: { 'app.kubernetes.io/name': 'edge' } },
      spec: { replicas: 2, template: { spec: { containers: [{ name: 'app', image: 'app:1' }] } } },
    };
    const patched = applyJsonPatch(deployment, [
      { op: 'test', path: '/spec/replicas', value: 2 },
      { op: 'replace', path: '/spec/replicas', value: 3 },
      { op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'app:2' },
      { op: 'add', path: '/metadata/labels/app.kubernetes.io~1version', value: '2' },
      { op: 'remove', path: '/metadata/labels/app.kubernetes.io~1name' },
    ]);
    assert.deepEqual(patched, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'edge-service', labels: { 'app.kubernetes.io/version': '2' } },
      spec: { replicas: 3, template: { spec: { containers: [{ name: 'app', image: 'app:2' }] } } },
    });
  });

  it('is all or nothing and never modifies its inputs', () => {
    const doc = { a: [1, 2, 3], b: { c: 'd' } };
    const docBefore = structuredClone(doc);
    const patch = [
      { op: 'remove', path: '/a/0' },
      { op: 'add', path: '/b/e', value: { deep: [1] } },
      { op: 'test', path: '/b/c', value: 'not d' },
    ];
    const patchBefore = structuredClone(patch);
    assert.throws(() => applyJsonPatch(doc, patch), rejectsWith('EW_INVALID', /operation 2 \(test\)/));
    assert.deepEqual(doc, docBefore);
    assert.deepEqual(patch, patchBefore);

    const ok = patch.slice(0, 2);
    const result = applyJsonPatch(doc, ok) as { b: { e: { deep: number[] } } };
    assert.deepEqual(doc, docBefore);
    result.b.e.deep.push(2);
    assert.deepEqual(ok, patchBefore.slice(0, 2), 'result does not alias patch values');
  });
});

describe('parseJsonPatch: malformed documents are 400 BadRequest', () => {
  const malformed: ReadonlyArray<readonly [string, unknown, RegExp]> = [
    ['not an array', { op: 'add', path: '/a', value: 1 }, /must be a JSON array/],
    ['null', null, /must be a JSON array/],
    ['an operation that is not an object', ['add'], /operation 0 is not a JSON object/],
    ['an unknown op', [{ op: 'merge', path: '/a' }], /"op" must be one of .*got "merge"/],
    ['a missing op', [{ path: '/a' }], /"op" must be one of/],
    ['a missing path', [{ op: 'remove' }], /"path" must be a string/],
    ['a path that is not a string', [{ op: 'remove', path: 3 }], /"path" must be a string/],
    ['a path without a leading slash', [{ op: 'remove', path: 'a/b' }], /must be empty or start with "\/"/],
    ['a bad escape', [{ op: 'remove', path: '/a~2' }], /"~" must be followed by 0 or 1/],
    ['a trailing ~', [{ op: 'remove', path: '/a~' }], /"~" must be followed by 0 or 1/],
    ['add without value', [{ op: 'add', path: '/a' }], /operation 0 \(add\): missing "value"/],
    ['test without value', [{ op: 'test', path: '/a' }], /missing "value"/],
    ['move without from', [{ op: 'move', path: '/a' }], /"from" must be a string/],
    ['copy with a bad from', [{ op: 'copy', from: 'x', path: '/a' }], /must be empty or start with/],
  ];
  for (const [name, document, pattern] of malformed) {
    it(`rejects ${name}`, () => {
      assert.throws(() => parseJsonPatch(document), rejectsWith('EW_BAD_REQUEST', pattern));
      assert.throws(() => applyJsonPatch({ a: 1 }, document), rejectsWith('EW_BAD_REQUEST', pattern));
    });
  }

  it('validates every operation before applying any', () => {
    const doc = { a: 1 };
    assert.throws(
      () => applyJsonPatch(doc, [{ op: 'test', path: '/a', value: 2 }, { op: 'bogus' }]),
      rejectsWith('EW_BAD_REQUEST', /operation 1/),
    );
  });

  it('accepts a "null" value, which is a value and not an absence', () => {
    assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: 'replace', path: '/a', value: null }]), { a: null });
  });

  it('rejects more than 10,000 operations with 413, like kube-apiserver', () => {
    const tooMany = Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({
      op: 'test',
      path: '',
      value: {},
    }));
    assert.throws(
      () => parseJsonPatch(tooMany),
      rejectsWith('EW_TOO_LARGE', /maximum operations in a JSON patch is 10000, got 10001/),
    );
    assert.equal(parseJsonPatch(tooMany.slice(1)).length, MAX_JSON_PATCH_OPERATIONS);
  });
});

describe('JSON Pointer (RFC 6901 section 5)', () => {
  const document = {
    foo: ['bar', 'baz'],
    '': 0,
    'a/b': 1,
    'c%d': 2,
    'e^f': 3,
    'g|h': 4,
    'i\\j': 5,
    'k"l': 6,
    ' ': 7,
    'm~n': 8,
  };
  const cases: ReadonlyArray<readonly [string, JsonValue]> = [
    ['', document],
    ['/foo', ['bar', 'baz']],
    ['/foo/0', 'bar'],
    ['/', 0],
    ['/a~1b', 1],
    ['/c%d', 2],
    ['/e^f', 3],
    ['/g|h', 4],
    ['/i\\j', 5],
    ['/k"l', 6],
    ['/ ', 7],
    ['/m~0n', 8],
  ];
  for (const [pointer, value] of cases) {
    it(`${JSON.stringify(pointer)} resolves`, () => {
      assert.deepEqual(applyJsonPatch(document, [{ op: 'test', path: pointer, value }]), document);
    });
  }

  it('round-trips tokens through format and parse', () => {
    const tokens = ['metadata', 'annotations', 'example.com/a~b', ''];
    const pointer = formatJsonPointer(tokens);
    assert.equal(pointer, '/metadata/annotations/example.com~1a~0b/');
    assert.deepEqual(parseJsonPointer(pointer), tokens);
    assert.deepEqual(parseJsonPointer('/~01'), ['~1']);
  });

  it('does not follow inherited properties', () => {
    assert.throws(
      () => applyJsonPatch({}, [{ op: 'test', path: '/constructor', value: null }]),
      rejectsWith('EW_INVALID', /does not exist/),
    );
    assert.throws(
      () => applyJsonPatch({}, [{ op: 'add', path: '/__proto__/polluted', value: true }]),
      rejectsWith('EW_INVALID', /does not exist/),
    );
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('nesting limit', () => {
  it('rejects a deeply nested value with 400 instead of overflowing the stack', () => {
    const deep = JSON.parse(`${'['.repeat(3000)}${']'.repeat(3000)}`) as JsonValue;
    assert.throws(
      () => applyJsonPatch({}, [{ op: 'add', path: '/a', value: deep }]),
      rejectsWith('EW_BAD_REQUEST', /^JSON patch is nested more than 1000 levels deep$/),
    );
    assert.throws(
      () => applyJsonPatch(deep, []),
      rejectsWith('EW_BAD_REQUEST', /JSON patch target is nested/),
    );
  });
});
