/**
 * Edge policy bad input: a policy ConfigMap with syntax errors (the previous good
 * version stays in force, through an agent restart offline, and the error is
 * reported on the node, as an Event and in kube-mgmt's status annotation), a policy
 * that loops (the budget aborts it with a clear error), and data that is not JSON.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { STATUS_PATH } from '../../src/agent/edge-policy/index.js';
import { configMapType, eventType } from '../../src/api/kinds/core.js';
import { EDGE_POLICY, type PolicySourceStatus } from '../../src/api/link-protocol.js';
import type { KubeObject } from '../../src/api/object.js';
import {
  applyConfigMap,
  ask,
  localGet,
  type PolicyAgent,
  type RunningHub,
  startPolicyAgent,
  startPolicyHub,
} from '../support/edge-policy-fleet.js';
import { waitFor } from '../support/fleet.js';
import { joinToken, tempDir } from '../support/hub.js';

function configMap(name: string, kind: 'policy' | 'data', data: Record<string, string>): KubeObject {
  const labels: Record<string, string> =
    kind === 'policy'
      ? { [EDGE_POLICY.policyLabel]: EDGE_POLICY.policyValue }
      : { [EDGE_POLICY.dataLabel]: EDGE_POLICY.dataValue };
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'opa', labels }, data };
}

const GOOD = 'package authz\n\nimport rego.v1\n\nallow if input.user == "alice"\n';
const GOOD_2 = 'package authz\n\nimport rego.v1\n\nallow if input.user in {"alice", "bob"}\n';
const BROKEN = 'package authz\n\nimport rego.v1\n\nallow if {\n  input.user == "alice"\n';

describe('edge policy: bad input', { timeout: 120_000 }, () => {
  const root = tempDir('edgewise-edge-policy-bad-');
  let hub: RunningHub;
  let node: PolicyAgent;

  const status = (name: string) => node.policy.statuses.find((s) => s.name === name);
  const annotation = async (name: string) => {
    const cm = await hub.hub.service.find(configMapType, 'opa', name);
    const text = cm?.metadata.annotations?.[EDGE_POLICY.statusAnnotation];
    return text ? (JSON.parse(text) as { status: string; error?: string }) : undefined;
  };
  const events = async (name: string) =>
    (await hub.hub.store.list(eventType.storage)).items.filter(
      (e) => (e.involvedObject as { name?: string }).name === name,
    );

  before(async () => {
    hub = await startPolicyHub(path.join(root, 'hub'));
    node = await startPolicyAgent({
      dataDir: path.join(root, 'clinic-1'),
      name: 'clinic-1',
      hubUrl: hub.url,
      token: await joinToken(hub.hub),
    });
    await waitFor('linked', () => node.agent.link.connected || undefined);
  });
  after(async () => {
    await node?.agent.close().catch(() => undefined);
    await hub?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('a policy with a syntax error: the previous version stays in force and the error is reported', async () => {
    await applyConfigMap(hub.hub, configMap('authz', 'policy', { 'authz.rego': GOOD }));
    await waitFor(
      'authz in force',
      async () => (await ask(node.agent, 'authz/allow', { user: 'alice' })).body.result === true || undefined,
    );
    const goodRevision = node.policy.bundle.revision;

    const { warnings } = await hub.hub.service.modify(configMapType, 'opa', 'authz', (cm) => ({
      ...cm,
      data: { 'authz.rego': BROKEN },
    }));
    assert.ok(
      warnings.some((w) => w.includes('opa/authz/authz.rego:') && w.includes('rego_parse_error')),
      `admission warns: ${warnings.join(' | ')}`,
    );
    const rejected = await waitFor('the node rejects it', () =>
      status('authz')?.status === 'error' ? status('authz') : undefined,
    );
    assert.match(rejected.error ?? '', /^opa\/authz\/authz\.rego:\d+:\d+: rego_parse_error: /);
    assert.ok(rejected.inForce, 'a previous version is in force');
    assert.notEqual(rejected.inForce, rejected.fingerprint);
    assert.equal(node.policy.bundle.revision, goodRevision, 'nothing new went in force');
    assert.equal((await ask(node.agent, 'authz/allow', { user: 'alice' })).body.result, true);

    const local = await localGet<{ sources: PolicySourceStatus[] }>(node.agent, STATUS_PATH);
    assert.equal(local.sources.find((s) => s.name === 'authz')?.status, 'error');
    const kubeMgmt = await waitFor('kube-mgmt status annotation', async () => {
      const a = await annotation('authz');
      return a?.status === 'error' ? a : undefined;
    });
    assert.match(kubeMgmt.error ?? '', /^node clinic-1: opa\/authz\/authz\.rego:\d+:\d+: rego_parse_error/);
    const event = await waitFor('a Warning Event on the ConfigMap', async () =>
      (await events('authz')).find((e) => e.reason === 'PolicyRejected'),
    );
    assert.equal(event.type, 'Warning');
    assert.match(
      String(event.message),
      /rego_parse_error.*the previous version \([0-9a-f]+\) stays in force/,
    );
  });

  it('still keeps the good version after an agent restart with the hub gone', async () => {
    const port = Number(new URL(hub.url).port);
    await hub.close();
    await node.agent.close();
    node = await startPolicyAgent({ dataDir: path.join(root, 'clinic-1'), name: 'clinic-1' });
    assert.equal((await ask(node.agent, 'authz/allow', { user: 'alice' })).body.result, true);
    assert.equal((await ask(node.agent, 'authz/allow', { user: 'bob' })).body.result, undefined);
    assert.equal(status('authz')?.status, 'error');
    hub = await startPolicyHub(path.join(root, 'hub'), port);
    await waitFor('relinked', () => node.agent.link.connected || undefined);
  });

  it('a fixed version goes in force and clears the error', async () => {
    await applyConfigMap(hub.hub, configMap('authz', 'policy', { 'authz.rego': GOOD_2 }));
    await waitFor(
      'bob allowed',
      async () => (await ask(node.agent, 'authz/allow', { user: 'bob' })).body.result === true || undefined,
    );
    assert.equal(status('authz')?.status, 'ok');
    await waitFor('annotation ok', async () =>
      (await annotation('authz'))?.status === 'ok' ? true : undefined,
    );
  });

  it('a policy that loops is stopped by the budget with a clear error, and the decision is logged', async () => {
    await applyConfigMap(
      hub.hub,
      configMap('spin', 'policy', {
        'spin.rego':
          'package spin\n\nimport rego.v1\n\nallow if {\n  some i in numbers.range(1, 100000)\n  some j in numbers.range(1, 100000)\n  i + j < 0\n}\n',
      }),
    );
    await waitFor('spin loaded', () => (status('spin')?.status === 'ok' ? true : undefined));
    const res = await ask(node.agent, 'spin/allow', {});
    assert.equal(res.status, 500);
    assert.equal(res.body.code, 'internal_error');
    // Steps run out first on any machine but a badly overloaded one, where the 250 ms limit may.
    assert.match(
      res.body.message ?? '',
      /eval_budget_error: evaluation exceeded its (budget of 1000000 steps|time budget)/,
    );
    assert.equal(
      (await ask(node.agent, 'authz/allow', { user: 'bob' })).body.result,
      true,
      'others unaffected',
    );
    const logged = await waitFor(
      'the failed decision at the hub',
      () => hub.feature.decisions.query({ path: 'spin/allow', outcome: 'error', limit: 10 }).items[0],
    );
    assert.equal(logged.error?.code, 'eval_budget_error');
  });

  it('data that is not JSON: the previous data stays, the error is reported; a bad new one loads nothing', async () => {
    await applyConfigMap(
      hub.hub,
      configMap('quota', 'policy', {
        'quota.rego':
          'package quota\n\nimport rego.v1\n\nallow if input.n < data.opa.limits["limits.json"].max\n',
      }),
    );
    await applyConfigMap(hub.hub, configMap('limits', 'data', { 'limits.json': '{"max": 3}' }));
    await waitFor(
      'quota in force',
      async () => (await ask(node.agent, 'quota/allow', { n: 2 })).body.result === true || undefined,
    );
    await applyConfigMap(hub.hub, configMap('limits', 'data', { 'limits.json': '{"max": 1,' }));
    const rejected = await waitFor('the node rejects the data', () =>
      status('limits')?.status === 'error' ? status('limits') : undefined,
    );
    assert.match(rejected.error ?? '', /^opa\/limits\/limits\.json: invalid JSON/);
    assert.equal((await ask(node.agent, 'quota/allow', { n: 2 })).body.result, true, 'still max 3');
    const event = await waitFor('DataRejected event', async () =>
      (await events('limits')).find((e) => e.reason === 'DataRejected'),
    );
    assert.match(String(event.message), /invalid JSON/);

    await applyConfigMap(hub.hub, configMap('fresh', 'data', { 'list.json': '[1, 2]' }));
    const fresh = await waitFor('a bad new data ConfigMap', () =>
      status('fresh')?.status === 'error' ? status('fresh') : undefined,
    );
    assert.match(fresh.error ?? '', /must hold a JSON object, not an array/);
    assert.equal(fresh.inForce, undefined);
    assert.equal((await ask(node.agent, 'opa/fresh', {})).body.result, undefined);
    await waitFor('annotation error', async () =>
      (await annotation('fresh'))?.status === 'error' ? true : undefined,
    );
  });

  it('refuses a node selector that does not parse', async () => {
    const bad = configMap('lost', 'policy', { 'x.rego': 'package x\n' });
    bad.metadata.annotations = { [EDGE_POLICY.nodeSelectorAnnotation]: 'node-type in (edge' };
    await assert.rejects(
      hub.hub.service.create(configMapType, 'opa', bad),
      (err: Error & { code?: string }) =>
        err.code === 'EW_INVALID' &&
        err.message.includes(`metadata.annotations[${EDGE_POLICY.nodeSelectorAnnotation}]`),
    );
  });
});
