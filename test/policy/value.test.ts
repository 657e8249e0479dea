import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatValue } from '../../src/policy/rego/value/format.js';
import { fromJSON, toJSON, toJSONText } from '../../src/policy/rego/value/json.js';
import { add, div, mul, parseNumber, rem, sub } from '../../src/policy/rego/value/number.js';
import { compare, equals, keyOf, RObject, RSet, type Value } from '../../src/policy/rego/value/value.js';

describe('value model', () => {
  it('orders values across types as OPA does', () => {
    const set = RSet.of([1]);
    const obj = fromJSON({ a: 1 });
    const values: Value[] = [set, obj, [1], 'a', 2, true, false, null];
    const sorted = [...values].sort(compare);
    assert.deepEqual(
      sorted.map((v) => formatValue(v)),
      ['null', 'false', 'true', '2', '"a"', '[1]', '{"a": 1}', '{1}'],
    );
  });

  it('compares strings by code point, as Go compares UTF-8 bytes', () => {
    // U+FF5E sorts before an astral character in UTF-8 but after it in UTF-16 units.
    assert.ok(compare('\uff5e', '\u{1F600}') < 0);
    assert.ok(compare('abc', 'abd') < 0);
    assert.ok(compare('ab', 'abc') < 0);
  });

  it('treats 1 and 1.0 and equal bigints as one number', () => {
    assert.ok(equals(1, 1.0));
    assert.equal(keyOf(1), keyOf(1.0));
    assert.ok(equals(fromJSON(2n ** 60n), 2 ** 60));
    const s = RSet.of([1, 1.0, 2]);
    assert.equal(s.size, 2);
  });

  it('keeps integer arithmetic exact beyond 2^53 and floats as float64', () => {
    assert.equal(add(1000000000000000000000n, 1), 1000000000000000000001n);
    assert.equal(mul(2, 1000000000000000000000n), 2000000000000000000000n);
    assert.equal(add(0.1, 0.2), 0.30000000000000004);
    assert.equal(div(5, 2), 2.5);
    assert.equal(div(4, 2), 2);
    assert.equal(sub(Number.MAX_SAFE_INTEGER, -2), 9007199254740993n);
    assert.equal(rem(-7, 3), -1);
    assert.throws(() => div(1, 0), /divide by zero/);
    assert.throws(() => rem(1.5, 1), /floating-point/);
    assert.equal(parseNumber('1e3'), 1000);
    assert.equal(parseNumber('123456789012345678901234567890'), 123456789012345678901234567890n);
  });

  it('objects keep non-string keys apart from string keys', () => {
    const o = new RObject();
    o.set(1, 'one');
    o.set('1', 'string one');
    assert.equal(o.get(1), 'one');
    assert.equal(o.get('1'), 'string one');
    assert.equal(o.size, 2);
    assert.deepEqual(o.keys(), [1, '1']);
  });

  it('converts JSON lazily and back, sets as sorted arrays', () => {
    const v = fromJSON({ b: [3, 1], a: { c: null } });
    assert.ok(v instanceof RObject);
    assert.deepEqual(toJSON(v), { a: { c: null }, b: [3, 1] });
    assert.deepEqual(toJSON(RSet.of(['b', 'a', 1])), [1, 'a', 'b']);
    assert.equal(toJSONText(fromJSON({ z: 1, a: [true, 'x'] })), '{"a":[true,"x"],"z":1}');
    assert.equal(toJSONText(fromJSON(10n ** 25n)), '10000000000000000000000000');
  });

  it('prints values the way sprintf %v does', () => {
    assert.equal(formatValue(RSet.of(['a'])), '{"a"}');
    assert.equal(formatValue(new RSet()), 'set()');
    assert.equal(formatValue(['a', 1, null]), '["a", 1, null]');
    assert.equal(formatValue(fromJSON({ b: 1, a: [true] })), '{"a": [true], "b": 1}');
  });

  it('rejects values JSON cannot carry', () => {
    assert.throws(() => fromJSON(Number.NaN), /Rego number/);
    assert.throws(() => fromJSON(() => 1), /Rego value/);
  });
});
