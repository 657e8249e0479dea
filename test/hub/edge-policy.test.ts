/**
 * The hub side of edge policy: targeting by node selector, admission of policy and
 * data ConfigMaps, kube-mgmt's status annotation from node reports, and the decision
 * audit store (idempotent appends, queries, retention).
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { configMapType } from '../../src/api/kinds/core.js';
import {
  type DecisionLogEntry,
  EDGE_POLICY,
  edgePolicyFingerprint,
  type PolicySourceStatus,
} from '../../src/api/link-protocol.js';
import type { KubeObject } from '../../src/api/object.js';
import type { AdmissionRequest } from '../../src/hub/admission.js';
import { edgePolicyAdmission } from '../../src/hub/edge-policy/admission.js';
import { DecisionStore } from '../../src/hub/edge-policy/decision-store.js';
import { parseDecisionQuery } from '../../src/hub/edge-policy/decisions-route.js';
import { nextStatus } from '../../src/hub/edge-policy/status-writer.js';
import { targetsNode } from '../../src/hub/edge-policy/targeting.js';
import { tempDir } from '../support/hub.js';

function cm(labels: Record<string, string>, annotations: Record<string, string> = {}, data = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'p', namespace: 'opa', uid: 'u1', labels, annotations },
    data,
  };
}
const POLICY = { [EDGE_POLICY.policyLabel]: EDGE_POLICY.policyValue };
const DATA = { [EDGE_POLICY.dataLabel]: EDGE_POLICY.dataValue };
const node = (labels: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'n', labels },
});
const selector = (s: string) => ({ [EDGE_POLICY.nodeSelectorAnnotation]: s });

describe('edge policy targeting', () => {
  it('ships policy and data ConfigMaps to the nodes their selector matches', () => {
    const edge = node({ 'node-type': 'edge', 'edgewise.io/site': 'store-001' });
    const office = node({ 'node-type': 'office' });
    assert.equal(targetsNode(cm(POLICY), office), true, 'no selector: every node');
    assert.equal(targetsNode(cm(DATA, selector('')), office), true, 'empty selector: every node');
    assert.equal(targetsNode(cm(POLICY, selector('node-type=edge')), edge), true);
    assert.equal(targetsNode(cm(POLICY, selector('node-type=edge')), office), false);
    assert.equal(targetsNode(cm(POLICY, selector('edgewise.io/site in (store-001,store-002)')), edge), true);
    assert.equal(targetsNode(cm(POLICY, selector('edgewise.io/site notin (store-001)')), edge), false);
    assert.equal(targetsNode(cm(POLICY, selector('node-type in (edge')), edge), false, 'unparsable: none');
    assert.equal(targetsNode(cm({ app: 'x' }), edge), false, 'other ConfigMaps are not shipped by this rule');
    assert.equal(targetsNode(cm({ [EDGE_POLICY.policyLabel]: 'json' }), edge), false);
  });
});

describe('edge policy admission', () => {
  const request = (object: KubeObject, oldObject?: KubeObject): AdmissionRequest => ({
    operation: oldObject ? 'UPDATE' : 'CREATE',
    type: configMapType,
    object,
    ...(oldObject && { oldObject }),
    namespace: 'opa',
    name: 'p',
    userInfo: { username: 'admin', groups: [] },
    dryRun: false,
  });

  it('warns about Rego that does not parse and data that is not a JSON object, once', async () => {
    const bad = cm(POLICY, {}, { 'a.rego': 'package a\nallow if {\n', 'b.rego': 'package b\n' });
    const { warnings } = await edgePolicyAdmission.admit(request(bad));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /^opa\/p\/a\.rego:\d+:\d+: rego_parse_error: .*nodes keep/);
    const relabelled = { ...bad, metadata: { ...bad.metadata, annotations: { note: 'x' } } };
    assert.deepEqual(
      (await edgePolicyAdmission.admit(request(relabelled, bad))).warnings,
      [],
      'data unchanged',
    );
    const data = cm(DATA, {}, { 'x.json': '[1]', 'y.json': '{', 'z.json': '{"ok": true}' });
    const dataWarnings = (await edgePolicyAdmission.admit(request(data))).warnings;
    assert.equal(dataWarnings.length, 2);
    assert.deepEqual((await edgePolicyAdmission.admit(request(cm({}, {}, { 'a.rego': '{' })))).warnings, []);
  });

  it('refuses a node selector that does not parse, when it is set or changed', async () => {
    const bad = cm(POLICY, selector('a in (b'));
    await assert.rejects(edgePolicyAdmission.admit(request(bad)), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'EW_INVALID');
      assert.match(err.message, /metadata\.annotations\[edgewise\.io\/node-selector\]/);
      return true;
    });
    // Stored before the check existed: other updates still go through.
    await edgePolicyAdmission.admit(request({ ...bad, data: { 'a.rego': 'package a\n' } }, bad));
    await edgePolicyAdmission.admit(request(cm(POLICY, selector('node-type=edge'))));
  });
});

describe('kube-mgmt status from node reports', () => {
  const object = cm(POLICY, {}, { 'a.rego': 'package a\n' });
  const fp = edgePolicyFingerprint(object);
  const report = (status: 'ok' | 'error', fingerprint = fp): PolicySourceStatus => ({
    namespace: 'opa',
    name: 'p',
    uid: 'u1',
    kind: 'policy',
    fingerprint,
    status,
    ...(status === 'error' && { error: 'opa/p/a.rego:1:1: rego_parse_error: x' }),
  });
  const withStatus = (value: unknown): KubeObject => ({
    ...object,
    metadata: { ...object.metadata, annotations: { [EDGE_POLICY.statusAnnotation]: JSON.stringify(value) } },
  });

  it('writes ok once, an error over ok, and keeps the error until the content changes', () => {
    assert.deepEqual(nextStatus(object, 'n1', report('ok')), { status: 'ok', fingerprint: fp });
    assert.equal(nextStatus(withStatus({ status: 'ok', fingerprint: fp }), 'n2', report('ok')), undefined);
    const error = nextStatus(withStatus({ status: 'ok', fingerprint: fp }), 'n2', report('error'));
    assert.deepEqual(error, {
      status: 'error',
      error: 'node n2: opa/p/a.rego:1:1: rego_parse_error: x',
      fingerprint: fp,
    });
    assert.equal(nextStatus(withStatus(error), 'n3', report('ok')), undefined, 'sticky');
    assert.deepEqual(nextStatus(withStatus({ status: 'error', fingerprint: 'older' }), 'n3', report('ok')), {
      status: 'ok',
      fingerprint: fp,
    });
  });

  it('ignores reports about another version or another object of the same name', () => {
    assert.equal(nextStatus(object, 'n1', report('error', 'other')), undefined);
    assert.equal(
      nextStatus({ ...object, metadata: { ...object.metadata, uid: 'u2' } }, 'n1', report('ok')),
      undefined,
    );
  });
});

describe('decision audit store', () => {
  const root = tempDir('edgewise-decisions-');
  after(() => rmSync(root, { recursive: true, force: true }));
  const entry = (seq: number, result: unknown, extra: Partial<DecisionLogEntry> = {}): DecisionLogEntry => ({
    seq,
    decision_id: `d-${seq}`,
    timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
    path: 'education/allow',
    erased: ['/input'],
    eval_ns: 1000,
    revision: 1,
    ...(result !== undefined && { result }),
    ...extra,
  });

  it('stores a resent batch once, counts outcomes, and remembers what agents dropped', () => {
    const store = new DecisionStore({ dataDir: root });
    const batch = [entry(1, true), entry(2, false), entry(3, undefined)];
    assert.deepEqual(store.append('n1', 'L1', batch, 0), {
      stored: 3,
      duplicates: 0,
      outcomes: { true: 1, false: 1, undefined: 1 },
    });
    assert.equal(
      store.append('n1', 'L1', [...batch, entry(4, true)], 5).stored,
      1,
      'a resend after a lost ack',
    );
    store.append(
      'n2',
      'L2',
      [entry(1, undefined, { error: { code: 'eval_budget_error', message: 'm' } })],
      0,
    );
    const summary = store.summary();
    assert.equal(summary.total, 5);
    assert.deepEqual(summary.paths, [
      { path: 'education/allow', true: 2, false: 1, undefined: 1, error: 1, other: 0 },
    ]);
    assert.deepEqual(
      summary.nodes.map((n) => [n.node, n.log, n.received, n.duplicates, n.dropped, n.lastSeq]),
      [
        ['n1', 'L1', 4, 3, 5, 4],
        ['n2', 'L2', 1, 0, 0, 1],
      ],
    );
    // n1 wiped its state and joined again: a new log whose seqs start at 1 again.
    assert.equal(store.append('n1', 'L3', [entry(1, true)], 0).stored, 1);
    assert.equal(store.summary().total, 6);
    store.close();
    const reopened = new DecisionStore({ dataDir: root });
    assert.equal(reopened.summary().total, 6, 'durable');
    reopened.close();
  });

  it('answers queries by node, path, outcome and time, page by page', () => {
    const store = new DecisionStore({ dataDir: root });
    assert.deepEqual(
      store.query({ node: 'n1', outcome: 'true', limit: 10 }).items.map((d) => d.seq),
      [1, 4, 1],
    );
    const first = store.query({ limit: 2 });
    assert.equal(first.items.length, 2);
    assert.ok(first.next !== undefined);
    const second = store.query({ limit: 10, ...(first.next !== undefined && { after: first.next }) });
    assert.equal(second.items.length, 4);
    assert.equal(second.next, undefined);
    const since = store
      .query({ since: entry(3, 1).timestamp, node: 'n1', limit: 10 })
      .items.map((d) => d.seq);
    assert.deepEqual(since, [3, 4], "the new log's entry carries its own (earlier) timestamp");
    assert.equal(store.query({ path: 'other', limit: 10 }).items.length, 0);
    store.close();
  });

  it('keeps at most maxEntries and nothing older than the age limit, counting what retention removed', () => {
    const dir = tempDir('edgewise-decisions-retention-');
    try {
      const now = new Date(Date.UTC(2026, 0, 10));
      const store = new DecisionStore({ dataDir: dir, maxEntries: 3, maxAgeDays: 5, now: () => now });
      const old = (seq: number) =>
        entry(seq, true, { timestamp: new Date(Date.UTC(2026, 0, 1)).toISOString() });
      const recent = (seq: number) =>
        entry(seq, true, { timestamp: new Date(Date.UTC(2026, 0, 9)).toISOString() });
      store.append('n', 'L', [old(1), recent(2)], 0);
      assert.equal(store.prune(), 1, 'the old one');
      store.append('n', 'L', [recent(3), recent(4), recent(5)], 0);
      const summary = store.summary();
      assert.equal(summary.total, 3);
      assert.equal(summary.pruned, 2);
      assert.deepEqual(
        store.query({ limit: 10 }).items.map((d) => d.seq),
        [3, 4, 5],
      );
      store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parses audit queries and refuses bad ones', () => {
    const q = parseDecisionQuery(
      new URL(
        'http://h/edgewise/v1/decisions?path=data.education.allow&outcome=false&since=2026-01-01T00:00:00Z',
      ),
    );
    assert.deepEqual(q, {
      limit: 100,
      after: 0,
      path: 'education/allow',
      outcome: 'false',
      since: '2026-01-01T00:00:00.000Z',
    });
    assert.equal(parseDecisionQuery(new URL('http://h/?path=/opa/x/sites.json')).path, 'opa/x/sites.json');
    assert.throws(() => parseDecisionQuery(new URL('http://h/?limit=0')), /limit/);
    assert.throws(() => parseDecisionQuery(new URL('http://h/?outcome=maybe')), /outcome/);
    assert.throws(() => parseDecisionQuery(new URL('http://h/?since=yesterday')), /RFC 3339/);
  });
});
