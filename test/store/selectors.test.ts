import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EdgewiseError } from '../../src/api/errors.js';
import {
  EVERYTHING,
  fieldValue,
  formatFieldSelector,
  formatLabelSelector,
  labelSelectorFromObject,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
} from '../../src/api/selectors.js';

function rejects(run: () => unknown, code: string, message: RegExp): void {
  assert.throws(run, (err: unknown) => {
    assert.ok(EdgewiseError.is(err), String(err));
    assert.equal(err.code, code);
    assert.match(err.message, message);
    return true;
  });
}

describe('label selectors', () => {
  it('parses every operator into requirements', () => {
    assert.deepEqual(parseLabelSelector('a=x, b==y,c!=z').requirements, [
      { key: 'a', operator: 'in', values: ['x'] },
      { key: 'b', operator: 'in', values: ['y'] },
      { key: 'c', operator: 'notin', values: ['z'] },
    ]);
    assert.deepEqual(parseLabelSelector(' env in ( prod , dev,prod ) , tier notin (web)').requirements, [
      { key: 'env', operator: 'in', values: ['dev', 'prod'] },
      { key: 'tier', operator: 'notin', values: ['web'] },
    ]);
    assert.deepEqual(parseLabelSelector('app.kubernetes.io/name,!beta, rank>5,rank<-2').requirements, [
      { key: 'app.kubernetes.io/name', operator: 'exists', values: [] },
      { key: 'beta', operator: '!', values: [] },
      { key: 'rank', operator: 'gt', values: ['5'] },
      { key: 'rank', operator: 'lt', values: ['-2'] },
    ]);
    assert.deepEqual(
      parseLabelSelector('a=').requirements,
      [{ key: 'a', operator: 'in', values: [''] }],
      'empty value',
    );
    assert.deepEqual(parseLabelSelector('').requirements, []);
    assert.deepEqual(parseLabelSelector('   ').requirements, []);
  });

  it('matches with Kubernetes semantics', () => {
    const labels = { app: 'web', tier: 'front', rank: '3', empty: '' };
    const match = (selector: string, l: Record<string, string> | undefined = labels) =>
      matchesLabels(parseLabelSelector(selector), l);
    assert.equal(match('app=web'), true);
    assert.equal(match('app=db'), false);
    assert.equal(match('app!=db'), true);
    assert.equal(match('missing!=x'), true, '!= matches when the label is absent');
    assert.equal(match('missing notin (x)'), true, 'notin matches when the label is absent');
    assert.equal(match('app in (db,web)'), true);
    assert.equal(match('app notin (db,web)'), false);
    assert.equal(match('tier'), true);
    assert.equal(match('missing'), false);
    assert.equal(match('!missing'), true);
    assert.equal(match('!tier'), false);
    assert.equal(match('empty='), true);
    assert.equal(match('empty'), true, 'an empty value still exists');
    assert.equal(match('rank>2'), true);
    assert.equal(match('rank>3'), false);
    assert.equal(match('rank<4'), true);
    assert.equal(match('app>1'), false, 'a non-integer value never compares');
    assert.equal(match('missing<1'), false);
    assert.equal(match('app=web,tier=front,rank>1'), true);
    assert.equal(match('app=web,tier=back'), false);
    assert.equal(matchesLabels(parseLabelSelector('app=web'), undefined), false, 'no labels at all');
    assert.equal(matchesLabels(parseLabelSelector('!app'), undefined), true);
    assert.equal(matchesLabels(EVERYTHING, undefined), true);
    assert.equal(matchesLabels({ requirements: [], matchNothing: true }, labels), false);
  });

  it('formats back to a string that parses to the same selector', () => {
    for (const text of [
      'a=x',
      'a!=x',
      'a in (x,y)',
      'a notin (x,y)',
      'a',
      '!a',
      'a>1',
      'a<-1',
      'a=',
      'a=x,!b,c in (p,q),d>2',
    ]) {
      const parsed = parseLabelSelector(text);
      assert.deepEqual(parseLabelSelector(formatLabelSelector(parsed)), parsed, text);
    }
    assert.equal(formatLabelSelector(parseLabelSelector('b in (y, x), a == z')), 'b in (x,y),a=z');
  });

  it('reports what is wrong, and where', () => {
    const bad = (text: string, why: RegExp) =>
      rejects(
        () => parseLabelSelector(text),
        'EW_BAD_REQUEST',
        new RegExp(
          `^unable to parse requirement: invalid label selector "${text.replace(/[()]/g, '\\$&')}": ${why.source}`,
        ),
      );
    bad('a=x,', /expected a label key at position 4/);
    bad('=x', /expected a label key/);
    bad('a in (x', /found 'end of string', expected: ',' or '\)'/);
    bad('a in x', /found 'x', expected: '\('/);
    bad('a in (x y)', /found 'y', expected: ',' or '\)'/);
    bad('a x', /found 'x', expected: in, notin, =, ==, !=, gt, lt/);
    bad('a=x y', /found 'y', expected: ','/);
    bad('a>x', /for '>' operator, the value must be an integer/);
    bad('a < 1.5', /for '<' operator, the value must be an integer/);
    bad('-a=x', /key "-a": name part must consist of alphanumeric characters/);
    bad('a/b/c=x', /key "a\/b\/c"/);
    bad('a=-x', /value "-x": a valid label must be an empty string or consist of alphanumeric characters/);
    bad(`a=${'v'.repeat(64)}`, /value "v{64}": must be no more than 63 characters/);
  });

  it('converts the object form (matchLabels, matchExpressions)', () => {
    assert.equal(labelSelectorFromObject(undefined).matchNothing, true, 'a nil selector matches nothing');
    assert.equal(labelSelectorFromObject(null).matchNothing, true);
    assert.deepEqual(
      labelSelectorFromObject({}),
      { requirements: [] },
      'an empty selector matches everything',
    );
    const selector = labelSelectorFromObject({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['b', 'a'] },
        { key: 'env', operator: 'NotIn', values: ['dev'] },
        { key: 'zone', operator: 'Exists' },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    });
    assert.equal(formatLabelSelector(selector), 'app=web,tier in (a,b),env!=dev,zone,!legacy');
    assert.equal(matchesLabels(selector, { app: 'web', tier: 'a', zone: 'z' }), true);
    assert.equal(matchesLabels(selector, { app: 'web', tier: 'a', zone: 'z', legacy: '1' }), false);
  });

  it('rejects object forms Kubernetes rejects', () => {
    rejects(
      () => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Like' }] }),
      'EW_INVALID',
      /"Like" is not a valid label selector operator/,
    );
    rejects(
      () => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }),
      'EW_INVALID',
      /values set can't be empty/,
    );
    rejects(
      () => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'NotIn' }] }),
      'EW_INVALID',
      /values set can't be empty/,
    );
    rejects(
      () => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }),
      'EW_INVALID',
      /values set must be empty/,
    );
    rejects(
      () => labelSelectorFromObject({ matchLabels: { 'bad key!': 'x' } }),
      'EW_INVALID',
      /key "bad key!"/,
    );
    rejects(
      () => labelSelectorFromObject({ matchLabels: { a: 'not valid' } }),
      'EW_INVALID',
      /value "not valid"/,
    );
    rejects(
      () => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'In', values: ['-x'] }] }),
      'EW_INVALID',
      /value "-x"/,
    );
  });
});

describe('field selectors', () => {
  const pod = {
    metadata: { name: 'web-1', namespace: 'shop' },
    spec: { nodeName: 'edge-a', replicas: 3 },
    status: { phase: 'Running' },
  };

  it('parses =, == and != with escapes', () => {
    assert.deepEqual(
      parseFieldSelector('metadata.name=web-1,status.phase!=Failed, spec.nodeName == edge-a').requirements,
      [
        { path: 'metadata.name', operator: '=', value: 'web-1' },
        { path: 'status.phase', operator: '!=', value: 'Failed' },
        { path: 'spec.nodeName', operator: '=', value: 'edge-a' },
      ],
    );
    assert.deepEqual(parseFieldSelector('a=x\\,y\\=z\\\\,b=').requirements, [
      { path: 'a', operator: '=', value: 'x,y=z\\' },
      { path: 'b', operator: '=', value: '' },
    ]);
    assert.deepEqual(parseFieldSelector('').requirements, []);
    assert.deepEqual(
      parseFieldSelector('a=1,').requirements,
      [{ path: 'a', operator: '=', value: '1' }],
      'empty terms are skipped, as in Kubernetes',
    );
  });

  it('rejects terms without an operator', () => {
    rejects(
      () => parseFieldSelector('metadata.name'),
      'EW_BAD_REQUEST',
      /^invalid field selector "metadata.name": "metadata.name" is not path=value$/,
    );
    rejects(() => parseFieldSelector('=x'), 'EW_BAD_REQUEST', /is not path=value/);
  });

  it('reads dotted paths; missing fields read as ""', () => {
    assert.equal(fieldValue(pod, 'metadata.name'), 'web-1');
    assert.equal(fieldValue(pod, 'spec.replicas'), '3');
    assert.equal(fieldValue(pod, 'spec.missing'), '');
    assert.equal(fieldValue(pod, 'metadata.name.deeper'), '');
    assert.equal(fieldValue(null, 'a'), '');
  });

  it('matches every requirement', () => {
    const match = (text: string) => matchesFields(parseFieldSelector(text), pod);
    assert.equal(match('metadata.name=web-1'), true);
    assert.equal(match('metadata.name!=web-1'), false);
    assert.equal(match('metadata.namespace=shop,status.phase=Running'), true);
    assert.equal(match('metadata.namespace=shop,status.phase=Pending'), false);
    assert.equal(match('spec.schedulerName='), true, 'an unset field equals ""');
    assert.equal(match('spec.nodeName!='), true);
    assert.equal(match(''), true);
  });

  it('formats with the escapes Kubernetes accepts, and round-trips', () => {
    const selector = {
      requirements: [
        { path: 'a', operator: '=' as const, value: 'x,y=z\\w!' },
        { path: 'b', operator: '!=' as const, value: 'q' },
      ],
    };
    const text = formatFieldSelector(selector);
    assert.equal(
      text,
      'a=x\\,y\\=z\\\\w!,b!=q',
      'Kubernetes escapes only \\ , and = (a \\! is an error there)',
    );
    assert.deepEqual(parseFieldSelector(text), selector);
    assert.deepEqual(
      parseFieldSelector('a=x\\!').requirements[0]?.value,
      'x!',
      'an escaped ! is still accepted',
    );
  });
});
