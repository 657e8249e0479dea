import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Taint } from '../../../src/api/kinds/node.js';
import type { Toleration } from '../../../src/api/kinds/pod-spec.js';
import { tolerates } from '../../../src/hub/scheduler/index.js';

// Cases from Kubernetes' TestTolerationToleratesTaint.
const taint: Taint = { key: 'foo', value: 'bar', effect: 'NoSchedule' };
const CASES: [string, Toleration, Taint, boolean][] = [
  ['empty effect matches every effect', { key: 'foo', operator: 'Exists' }, taint, true],
  [
    'a different effect does not match',
    { key: 'foo', operator: 'Exists', effect: 'NoExecute' },
    taint,
    false,
  ],
  ['a different key does not match', { key: 'baz', operator: 'Exists' }, taint, false],
  [
    'Equal with the same value',
    { key: 'foo', operator: 'Equal', value: 'bar', effect: 'NoSchedule' },
    taint,
    true,
  ],
  ['Equal is the default operator', { key: 'foo', value: 'bar' }, taint, true],
  ['Equal with another value', { key: 'foo', operator: 'Equal', value: 'baz' }, taint, false],
  [
    'Equal without a value matches a taint without a value',
    { key: 'foo' },
    { key: 'foo', effect: 'NoSchedule' },
    true,
  ],
  ['Equal without a value does not match a taint with one', { key: 'foo' }, taint, false],
  ['Exists ignores the value', { key: 'foo', operator: 'Exists', effect: 'NoSchedule' }, taint, true],
  ['empty key with Exists matches every key', { operator: 'Exists' }, taint, true],
  [
    'empty key with Exists still honours the effect',
    { operator: 'Exists', effect: 'NoExecute' },
    taint,
    false,
  ],
];

describe('tolerates', () => {
  for (const [name, toleration, t, expected] of CASES) {
    it(name, () => assert.equal(tolerates(toleration, t), expected));
  }
});
