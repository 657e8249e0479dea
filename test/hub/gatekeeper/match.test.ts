/** Gatekeeper's spec.match semantics, matcher by matcher. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../../src/api/object.js';
import {
  compileMatch,
  matchesObject,
  matchProblems,
  wildcardMatches,
} from '../../../src/hub/gatekeeper/match.js';

const pod = (namespace: string, name = 'web', labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, labels },
});
const ns = (name: string, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels },
});
const node: KubeObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'edge-1' } };
const deploy: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'd', namespace: 'a' },
};

function matches(match: unknown, object: KubeObject, nsLabels?: Record<string, string>): boolean {
  const namespace = object.metadata.namespace;
  return matchesObject(
    compileMatch(match),
    object,
    namespace ? { name: namespace, labels: nsLabels ?? {} } : undefined,
  );
}

describe('gatekeeper match', () => {
  it('globs: prefix, suffix, contains, exact', () => {
    assert.ok(wildcardMatches('kube-*', 'kube-system'));
    assert.ok(wildcardMatches('*-system', 'gatekeeper-system'));
    assert.ok(wildcardMatches('*edge*', 'my-edge-site'));
    assert.ok(wildcardMatches('prod', 'prod'));
    assert.ok(!wildcardMatches('prod', 'prod-1'));
    assert.ok(!wildcardMatches('kube-*', 'default'));
  });

  it('kinds: group and kind must both match; * and empty lists match all', () => {
    assert.ok(matches({ kinds: [{ apiGroups: [''], kinds: ['Pod'] }] }, pod('a')));
    assert.ok(!matches({ kinds: [{ apiGroups: ['apps'], kinds: ['Pod'] }] }, pod('a')));
    assert.ok(matches({ kinds: [{ apiGroups: ['*'], kinds: ['*'] }] }, deploy));
    assert.ok(matches({ kinds: [{ apiGroups: ['apps'] }] }, deploy));
    assert.ok(matches({}, node));
  });

  it('namespaces and excludedNamespaces: globs; Namespaces match by their own name; cluster-scoped objects pass', () => {
    assert.ok(matches({ namespaces: ['prod-*'] }, pod('prod-eu')));
    assert.ok(!matches({ namespaces: ['prod-*'] }, pod('dev')));
    assert.ok(matches({ namespaces: ['prod-*'] }, ns('prod-us')));
    assert.ok(matches({ namespaces: ['prod-*'] }, node));
    assert.ok(!matches({ excludedNamespaces: ['kube-*'] }, pod('kube-system')));
    assert.ok(!matches({ excludedNamespaces: ['kube-system'] }, ns('kube-system')));
    assert.ok(matches({ excludedNamespaces: ['kube-system'] }, node));
  });

  it('labelSelector reads the object; namespaceSelector the namespace (or the Namespace itself)', () => {
    const sel = { matchLabels: { tier: 'edge' } };
    assert.ok(matches({ labelSelector: sel }, pod('a', 'p', { tier: 'edge' })));
    assert.ok(!matches({ labelSelector: sel }, pod('a', 'p', { tier: 'core' })));
    assert.ok(
      matches(
        { labelSelector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['core'] }] } },
        pod('a'),
      ),
    );
    assert.ok(matches({ namespaceSelector: sel }, pod('a'), { tier: 'edge' }));
    assert.ok(!matches({ namespaceSelector: sel }, pod('a'), {}));
    assert.ok(matches({ namespaceSelector: sel }, ns('x', { tier: 'edge' })));
    assert.ok(matches({ namespaceSelector: sel }, node));
  });

  it('scope and name', () => {
    assert.ok(matches({ scope: 'Namespaced' }, pod('a')));
    assert.ok(!matches({ scope: 'Namespaced' }, node));
    assert.ok(!matches({ scope: 'Namespaced' }, ns('a')));
    assert.ok(matches({ scope: 'Cluster' }, ns('a')));
    assert.ok(!matches({ scope: 'Cluster' }, pod('a')));
    assert.ok(matches({ name: 'web-*' }, pod('a', 'web-1')));
    assert.ok(!matches({ name: 'web-*' }, pod('a', 'api-1')));
  });

  it('reports bad globs and selectors with their field paths', () => {
    assert.deepEqual(
      matchProblems({
        namespaces: ['ok', 'Bad_NS'],
        labelSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] },
      }).map((p) => p.field),
      ['spec.match.namespaces[1]', 'spec.match.labelSelector'],
    );
  });
});
