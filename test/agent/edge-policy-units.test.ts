/**
 * The agent side of edge policy, piece by piece: which version of each ConfigMap goes
 * in force, the kube-mgmt data layout, input redaction, the bounded decision log and
 * its acknowledgements, and the feature's options.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { buildBundle, mergeData } from '../../src/agent/edge-policy/bundle.js';
import { DecisionLog } from '../../src/agent/edge-policy/decision-log.js';
import { resolveOptions } from '../../src/agent/edge-policy/options.js';
import { canonicalJson, inputFields, sha256 } from '../../src/agent/edge-policy/redaction.js';
import { MIGRATIONS } from '../../src/agent/edge-policy/schema.js';
import { selectSources } from '../../src/agent/edge-policy/selection.js';
import { type PolicySource, sourceOf } from '../../src/agent/edge-policy/sources.js';
import { EDGE_POLICY, edgePolicyFingerprint } from '../../src/api/link-protocol.js';
import { tempDir } from '../support/hub.js';

function policy(
  name: string,
  files: Record<string, string>,
  fingerprint = name + JSON.stringify(files),
): PolicySource {
  return {
    namespace: 'opa',
    name,
    uid: `uid-${name}`,
    kind: 'policy',
    fingerprint,
    resourceVersion: '1',
    files,
  };
}

function data(name: string, files: Record<string, string>): PolicySource {
  return { ...policy(name, files), kind: 'data' };
}

const eval_ = (sources: PolicySource[], ref: string, input: unknown = {}) => {
  const bundle = buildBundle(sources, 1);
  return bundle.policy.evalRef(ref, { input, data: bundle.data });
};

describe('edge policy sources and selection', () => {
  it('reads kube-mgmt ConfigMaps: data label wins, fingerprint ignores annotations', () => {
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'p', namespace: 'opa', uid: 'u', labels: { [EDGE_POLICY.policyLabel]: 'rego' } },
      data: { 'b.rego': 'package b', 'a.rego': 'package a' },
    };
    const source = sourceOf(cm);
    assert.equal(source?.kind, 'policy');
    assert.deepEqual(Object.keys(source?.files ?? {}), ['a.rego', 'b.rego']);
    assert.equal(sourceOf({ ...cm, metadata: { ...cm.metadata, labels: {} } }), undefined);
    const both = {
      ...cm,
      metadata: {
        ...cm.metadata,
        labels: { [EDGE_POLICY.policyLabel]: 'rego', [EDGE_POLICY.dataLabel]: 'opa' },
      },
    };
    assert.equal(sourceOf(both)?.kind, 'data');
    const annotated = { ...cm, metadata: { ...cm.metadata, annotations: { x: 'y' }, resourceVersion: '9' } };
    assert.equal(edgePolicyFingerprint(annotated), edgePolicyFingerprint(cm));
    assert.notEqual(
      edgePolicyFingerprint({ ...cm, data: { 'a.rego': 'package a' } }),
      edgePolicyFingerprint(cm),
    );
  });

  it('lays data out at data.<namespace>.<name>.<key>', () => {
    assert.deepEqual(mergeData([data('limits', { 'x.json': '{"a": [1, 2]}' })]), {
      opa: { limits: { 'x.json': { a: [1, 2] } } },
    });
    const sources = [
      data('hello-data', { 'x.json': '{"a": [1, 2, 3, 4]}' }),
      policy('p', { 'p.rego': 'package p\nfirst := data.opa["hello-data"]["x.json"].a[0]\n' }),
    ];
    assert.equal(eval_(sources, 'data.p.first'), 1);
  });

  it('puts every held version in force when all compile', () => {
    const a = policy('a', { 'a.rego': 'package a\nallow := true\n' });
    const sel = selectSources([], [a]);
    assert.deepEqual(sel.inForce, [a]);
    assert.equal(sel.rejected.size, 0);
  });

  it('keeps the previous version of a ConfigMap whose new version does not compile', () => {
    const v1 = policy('a', { 'a.rego': 'package a\nallow := 1\n' });
    const v2 = policy('a', { 'a.rego': 'package a\nallow := \n' });
    const other = policy('b', { 'b.rego': 'package b\nallow := 2\n' });
    const sel = selectSources([v1], [v2, other]);
    assert.deepEqual(
      sel.inForce.map((s) => s.fingerprint),
      [v1.fingerprint, other.fingerprint],
      'the good previous version of a, and the new b',
    );
    assert.match(sel.rejected.get('opa/a') ?? '', /^opa\/a\/a\.rego:3:1: rego_parse_error/);
    assert.equal(sel.policy.evalRef('data.a.allow'), 1);
    assert.equal(sel.policy.evalRef('data.b.allow'), 2);
  });

  it('rejects a new ConfigMap that breaks compilation together with the others, not the others', () => {
    const lib = policy('lib', { 'lib.rego': 'package lib\ndouble(x) := x * 2\n' });
    const user = policy('user', { 'user.rego': 'package user\nv := data.lib.triple(2)\n' });
    const sel = selectSources([lib], [lib, user]);
    assert.deepEqual(sel.inForce, [lib]);
    assert.match(sel.rejected.get('opa/user') ?? '', /rego_type_error: undefined function data\.lib\.triple/);
  });

  it('drops a removed ConfigMap and starts over from data only if what was in force no longer compiles', () => {
    const a = policy('a', { 'a.rego': 'package a\nallow := true\n' });
    const stale = policy('old', { 'old.rego': 'package old\nx := \n' }); // cannot happen unless the engine changed
    const sel = selectSources([a, stale], [a]);
    assert.deepEqual(sel.inForce, [a]);
    const sel2 = selectSources([stale], [stale, a]);
    assert.deepEqual(sel2.inForce, [a]);
    assert.ok(sel2.rejected.has('opa/old'));
  });

  it('keeps the previous data when new data is not a JSON object', () => {
    const v1 = data('limits', { 'l.json': '{"max": 3}' });
    const v2 = data('limits', { 'l.json': '{"max": ' });
    const v3 = data('limits', { 'l.json': '"text"' });
    for (const bad of [v2, v3]) {
      const sel = selectSources([v1], [bad]);
      assert.deepEqual(sel.inForce, [v1]);
      assert.ok(sel.rejected.has('opa/limits'));
    }
    assert.match(
      selectSources([], [v3]).rejected.get('opa/limits') ?? '',
      /must hold a JSON object, not a string/,
    );
  });
});

describe('decision log', () => {
  const root = tempDir('edgewise-edge-policy-log-');
  after(() => rmSync(root, { recursive: true, force: true }));

  function open(name: string, maxEntries: number, inputs: 'redacted' | 'hash' | 'full' = 'redacted') {
    const db = new Database(path.join(root, `${name}.db`));
    if (!db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'edge_policy_decisions'").get())
      for (const m of MIGRATIONS) db.exec(m);
    const log = new DecisionLog({
      db,
      logger: pino({ level: 'silent' }),
      inputs,
      maxEntries,
      maxResultBytes: 64,
      flushIntervalMs: 1000,
    });
    return { db, log };
  }
  const decision = (n: number) => ({
    path: ['a', 'allow'],
    input: { n },
    result: n % 2 === 0,
    evalNs: 10,
    revision: 1,
  });

  it('keeps at most maxEntries, dropping the oldest unshipped and counting them', () => {
    const { db, log } = open('bound', 5);
    for (let i = 0; i < 8; i++) log.record(decision(i));
    log.flush();
    assert.equal(log.pending, 5);
    assert.equal(log.dropped, 3);
    const batch = log.peek(100);
    assert.deepEqual(
      batch?.entries.map((e) => e.result),
      [false, true, false, true, false],
      'entries 3..7 are left',
    );
    db.close();
  });

  it('never drops a batch that is in flight, and trims only what was acknowledged', () => {
    const { db, log } = open('flight', 3);
    for (let i = 0; i < 3; i++) log.record(decision(i));
    log.flush();
    const batch = log.peek(2);
    assert.equal(batch?.entries.length, 2);
    for (let i = 3; i < 6; i++) log.record(decision(i));
    log.flush();
    const left = log.peek(100);
    assert.deepEqual(
      left?.entries.slice(0, 2).map((e) => e.seq),
      batch?.entries.map((e) => e.seq),
    );
    log.ack(batch?.seq ?? 0);
    assert.ok((log.peek(100)?.entries ?? []).every((e) => e.seq > (batch?.seq ?? 0)));
    assert.equal(
      log.dropped + log.pending + 2,
      6,
      'every decision is shipped, pending or counted as dropped',
    );
    db.close();
  });

  it('survives a restart: pending entries and the dropped count come back', () => {
    const { db, log } = open('restart', 2);
    for (let i = 0; i < 4; i++) log.record(decision(i));
    log.close();
    db.close();
    const again = open('restart', 2);
    assert.equal(again.log.pending, 2);
    assert.equal(again.log.dropped, 2);
    again.db.close();
  });

  it('redacts inputs by default, hashes or keeps them on request, and hashes large results', () => {
    assert.deepEqual(inputFields('redacted', { user: 'alice' }), { erased: ['/input'] });
    assert.deepEqual(inputFields('hash', { b: 1, a: 2 }), {
      input_sha256: sha256('{"a":2,"b":1}'),
      erased: ['/input'],
    });
    assert.equal(canonicalJson({ b: [1, { d: 1, c: 2 }], a: null }), '{"a":null,"b":[1,{"c":2,"d":1}]}');
    assert.deepEqual(inputFields('full', { user: 'alice' }), { input: { user: 'alice' } });
    assert.deepEqual(inputFields('redacted', undefined), {});

    const { db, log } = open('fields', 10);
    log.record(decision(1));
    log.record({ ...decision(2), result: 'x'.repeat(100) });
    log.record({ ...decision(3), result: undefined, error: { code: 'eval_budget_error', message: 'm' } });
    log.flush();
    const [small, big, failed] = log.peek(10)?.entries ?? [];
    assert.equal(small?.result, false);
    assert.equal(small?.input, undefined);
    assert.equal(big?.result, undefined);
    assert.equal(big?.result_sha256, sha256(JSON.stringify('x'.repeat(100))));
    assert.equal(failed?.error?.code, 'eval_budget_error');
    assert.equal('result' in (failed ?? {}), false);
    db.close();
  });
});

describe('edge policy options', () => {
  it('fills defaults and refuses unknown or bad options', () => {
    const o = resolveOptions();
    assert.equal(o.inputs, 'redacted');
    assert.equal(o.budget.maxSteps, 1_000_000);
    assert.ok(Object.isFrozen(o));
    assert.throws(() => resolveOptions({ input: 'full' } as never), /unknown edge policy option "input"/);
    assert.throws(() => resolveOptions({ inputs: 'all' as never }), /redacted, hash or full/);
    assert.throws(() => resolveOptions({ maxDecisions: 0 }), /positive integer/);
  });
});
