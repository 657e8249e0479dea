/**
 * Edge policy end to end: the examples' policy and data ConfigMaps go from an
 * in-process hub to the nodes their selector targets; workloads' decisions come from
 * the agent's local API — with the hub up, with it down, after an agent restart while
 * offline — and every decision reaches the hub's audit store once the link is back.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { STATUS_PATH } from '../../src/agent/edge-policy/index.js';
import { configMapType } from '../../src/api/kinds/core.js';
import { nodeType } from '../../src/api/kinds/node.js';
import { EDGE_POLICY } from '../../src/api/link-protocol.js';
import {
  applyConfigMap,
  ask,
  exampleConfigMaps,
  hubGet,
  localGet,
  type PolicyAgent,
  type RunningHub,
  request,
  startPolicyAgent,
  startPolicyHub,
} from '../support/edge-policy-fleet.js';
import { waitFor } from '../support/fleet.js';
import { joinToken, tempDir } from '../support/hub.js';
import { sharedPath } from '../support/paths.js';

describe('edge policy: examples end to end, offline and back', { timeout: 120_000 }, () => {
  const root = tempDir('edgewise-edge-policy-');
  let hub: RunningHub;
  let school: PolicyAgent;
  let office: PolicyAgent;
  /** decision_ids the school node returned, all of which must reach the hub. */
  const decided: string[] = [];

  const askSchool = async (dataPath: string, input: unknown) => {
    const res = await ask(school.agent, dataPath, input);
    if (res.body.decision_id) decided.push(res.body.decision_id);
    return res;
  };

  before(async () => {
    hub = await startPolicyHub(path.join(root, 'hub'));
    school = await startPolicyAgent({
      dataDir: path.join(root, 'school-1'),
      name: 'school-1',
      hubUrl: hub.url,
      token: await joinToken(hub.hub),
      labels: { 'node-type': 'edge', 'edgewise.io/site': 'store-001' },
    });
    office = await startPolicyAgent({
      dataDir: path.join(root, 'office'),
      name: 'office',
      hubUrl: hub.url,
      token: await joinToken(hub.hub),
      labels: { 'node-type': 'office' },
    });
    await waitFor(
      'both linked',
      () => (school.agent.link.connected && office.agent.link.connected) || undefined,
    );
    for (const file of ['education-policy.yaml', 'telemedicine-policy.yaml', 'telemedicine-data.yaml'])
      for (const cm of exampleConfigMaps(file)) await applyConfigMap(hub.hub, cm);
  });
  after(async () => {
    await school?.agent.close().catch(() => undefined);
    await office?.agent.close().catch(() => undefined);
    await hub?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('the example ConfigMaps carry the field policies unchanged', (t) => {
    for (const [file, shared] of [
      ['education-policy.yaml', 'scenarios/education/education-policy.rego'],
      ['telemedicine-policy.yaml', 'scenarios/telemedicine/telemedicine-policy.rego'],
    ] as const) {
      const where = sharedPath(shared);
      if (!where.path) return t.skip(where.skip);
      const [cm] = exampleConfigMaps(file);
      const text = Object.values(cm?.data as Record<string, string>)[0] ?? '';
      assert.equal(text.trim(), readFileSync(where.path, 'utf8').trim(), file);
    }
  });

  it('ships them to the nodes the selector targets and compiles them there', async () => {
    await waitFor('the education policy in force on school-1', async () =>
      (await askSchool('education/allow', 'education-join-allowed.json')).body.result === true
        ? true
        : undefined,
    );
    assert.equal(office.agent.state.object(configMapType.storage, 'opa', 'education-policy'), undefined);
    const res = await ask(office.agent, 'education/allow', 'education-join-allowed.json');
    assert.equal(res.status, 200);
    assert.equal('result' in res.body, false, 'undefined on a node the policy does not target');
    const policies = await localGet<{ result: { id: string; raw: string }[] }>(school.agent, '/v1/policies');
    assert.deepEqual(
      policies.result.map((p) => p.id),
      ['opa/education-policy/education-policy.rego', 'opa/telemedicine-policy/telemedicine-policy.rego'],
    );
  });

  it('follows a node into and out of the selector: the bundle is recompiled each way', async () => {
    const relabel = (type: string) =>
      hub.hub.service.modify(nodeType, '', 'office', (n) => ({
        ...n,
        metadata: { ...n.metadata, labels: { ...n.metadata.labels, 'node-type': type } },
      }));
    await relabel('edge');
    await waitFor(
      'office decides once it is an edge node',
      async () =>
        (await ask(office.agent, 'education/allow', 'education-join-allowed.json')).body.result === true ||
        undefined,
    );
    await relabel('office');
    await waitFor('withdrawn again', async () =>
      'result' in (await ask(office.agent, 'education/allow', 'education-join-allowed.json')).body
        ? undefined
        : true,
    );
    assert.deepEqual(office.policy.bundle.sources, []);
  });

  it('answers the education join flows', async () => {
    const allowed = await askSchool('education/allow', 'education-join-allowed.json');
    assert.equal(allowed.status, 200);
    assert.equal(allowed.body.result, true);
    assert.match(allowed.body.decision_id ?? '', /^[0-9a-f-]{36}$/);
    assert.equal((await askSchool('education/allow', 'education-join-denied-full.json')).body.result, false);
    assert.equal((await askSchool('education/allow', 'education-join-denied-role.json')).body.result, false);
  });

  it('answers the telemedicine call and transfer flows, and serves data under data.<ns>.<name>.<key>', async () => {
    const allow = 'healthcare/telemedicine/allow';
    const deny = 'healthcare/telemedicine/deny';
    await waitFor('telemedicine in force', async () =>
      (await askSchool(allow, 'telemedicine-call-allowed.json')).body.result === true ? true : undefined,
    );
    assert.equal((await askSchool(allow, 'telemedicine-call-denied.json')).body.result, false);
    assert.equal((await askSchool(deny, 'telemedicine-transfer-cloud.json')).body.result, true);
    const local = await askSchool(deny, 'telemedicine-transfer-local.json');
    assert.equal(local.status, 200);
    assert.equal('result' in local.body, false, 'deny is undefined for a local transfer');
    const data = await askSchool('opa/telemedicine-sites/sites.json', {});
    assert.deepEqual(data.body.result, { local_destinations: ['local', 'clinic-nas'], retention_days: 30 });
  });

  it("speaks OPA's data API: GET with ?input=, the whole tree, and OPA's errors", async () => {
    const base = school.agent.localApi.url;
    const input = encodeURIComponent(JSON.stringify({ action: 'data_transfer', destination: 'cloud' }));
    const get = await request(`${base}/v1/data/healthcare/telemedicine/deny?input=${input}`);
    assert.equal(JSON.parse(get.body).result, true);
    const tree = JSON.parse((await request(`${base}/v1/data`, 'POST', '{}')).body) as { result: object };
    assert.deepEqual(Object.keys(tree.result).sort(), ['education', 'healthcare', 'opa']);
    const malformed = await request(`${base}/v1/data/education/allow`, 'POST', '{"input": ');
    assert.equal(malformed.status, 400);
    assert.equal(JSON.parse(malformed.body).code, 'invalid_parameter');
    const notObject = await request(`${base}/v1/data/education/allow`, 'POST', '[1]');
    assert.equal(notObject.status, 400);
    const put = await request(`${base}/v1/data/education/allow`, 'PUT', '{}');
    assert.equal(put.status, 405);
    const missing = await request(`${base}/v1/policies/opa/nope.rego`);
    assert.equal(missing.status, 404);
    const metrics = JSON.parse((await request(`${base}/v1/data/education/allow?metrics`, 'POST', '{}')).body);
    assert.equal(metrics.result, false);
    assert.ok(metrics.metrics.timer_rego_query_eval_ns > 0);
  });

  it('marks each ConfigMap loaded with kube-mgmt status annotation', async () => {
    for (const name of ['education-policy', 'telemedicine-policy', 'telemedicine-sites']) {
      const status = await waitFor(`${name} status`, async () => {
        const cm = await hub.hub.service.find(configMapType, 'opa', name);
        return cm?.metadata.annotations?.[EDGE_POLICY.statusAnnotation];
      });
      assert.equal(JSON.parse(status).status, 'ok', name);
    }
  });

  it('records decisions at the hub, inputs redacted', async () => {
    const store = hub.feature.decisions;
    await waitFor(
      'decisions at the hub',
      () =>
        decided.every((id) => store.query({ limit: 1000 }).items.some((d) => d.decision_id === id)) ||
        undefined,
    );
    const join = store.query({ node: 'school-1', path: 'education/allow', limit: 1000 }).items;
    const byId = new Map(join.map((d) => [d.decision_id, d]));
    for (const d of join) {
      assert.equal(d.input, undefined, 'no input in a redacted log');
      assert.ok(d.revision >= 1);
      assert.ok(d.eval_ns > 0);
    }
    // As in OPA, `erased` lists what was there to erase: decisions made with an input
    // (ours) say /input; the data API test's `{}` POST, which may have arrived by now
    // too, had none.
    const withInput = join.filter((d) => decided.includes(d.decision_id));
    assert.ok(withInput.length >= 4, `${withInput.length} of our decisions at the hub`);
    for (const d of withInput) assert.deepEqual(d.erased, ['/input']);
    assert.ok([...byId.values()].some((d) => d.result === true));
    assert.ok([...byId.values()].some((d) => d.result === false));
    const summary = store.summary();
    const row = summary.paths.find((p) => p.path === 'education/allow');
    assert.ok(row && row.true >= 2 && row.false >= 2, JSON.stringify(row));
    assert.equal(summary.nodes.find((n) => n.node === 'school-1')?.dropped, 0);
    // The same through the hub's HTTP API, as an auditor reads it.
    const res = await hubGet(
      hub,
      '/edgewise/v1/decisions?node=school-1&path=data.education.allow&outcome=true',
    );
    assert.equal(res.status, 200, res.body);
    const body = res.body;
    const page = JSON.parse(body) as { items: { path: string; result: unknown; node: string }[] };
    assert.ok(page.items.length >= 2);
    assert.ok(
      page.items.every((d) => d.path === 'education/allow' && d.result === true && d.node === 'school-1'),
    );
  });

  it('keeps deciding with the hub down and after an agent restart while offline; logs arrive when it is back', async () => {
    const before = await localGet<{ revision: number }>(school.agent, STATUS_PATH);
    const port = Number(new URL(hub.url).port);
    await hub.close();
    await waitFor('the link noticed', () => (!school.agent.link.connected ? true : undefined));
    assert.equal((await askSchool('education/allow', 'education-join-allowed.json')).body.result, true);

    await school.agent.close();
    school = await startPolicyAgent({ dataDir: path.join(root, 'school-1'), name: 'school-1' });
    assert.equal(school.agent.link.connected, false);
    const offline: string[] = [];
    for (const [file, want] of [
      ['education-join-allowed.json', true],
      ['education-join-denied-full.json', false],
    ] as const) {
      const res = await askSchool('education/allow', file);
      assert.equal(res.body.result, want, file);
      offline.push(res.body.decision_id ?? '');
    }
    assert.equal(
      (await askSchool('healthcare/telemedicine/deny', 'telemedicine-transfer-cloud.json')).body.result,
      true,
    );
    const after = await localGet<{ revision: number; decisions: { pending: number } }>(
      school.agent,
      STATUS_PATH,
    );
    assert.equal(after.revision, before.revision, 'the same bundle, restored from the agent state');
    assert.ok(after.decisions.pending >= offline.length);

    hub = await startPolicyHub(path.join(root, 'hub'), port);
    await waitFor('the agent is back', () => (school.agent.link.connected ? true : undefined));
    const store = hub.feature.decisions;
    await waitFor(
      'offline decisions at the hub',
      () =>
        decided.every((id) => store.query({ limit: 1000 }).items.some((d) => d.decision_id === id)) ||
        undefined,
    );
    await waitFor('the local log trimmed', () =>
      school.policy.decisionLog.pending === 0 ? true : undefined,
    );
    const all = store.query({ node: 'school-1', limit: 1000 }).items;
    assert.equal(new Set(all.map((d) => d.seq)).size, all.length, 'each entry stored once');
    assert.equal(new Set(all.map((d) => d.decision_id)).size, all.length);
  });
});
