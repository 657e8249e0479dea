import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import inject from 'light-my-request';
import { startTestHub, type TestHub } from '../support/hub.js';

const CM_PATH = '/api/v1/namespaces/default/configmaps';

function configMap(
  name: string,
  data: Record<string, string> = { a: '1' },
  extra: Record<string, unknown> = {},
) {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...extra }, data };
}

describe('hub API in-process', () => {
  let t: TestHub;
  const call = (opts: Parameters<typeof inject>[1]) => inject(t.hub.handler, opts);

  before(async () => {
    t = await startTestHub();
  });
  after(async () => {
    await t.close();
  });

  it('serves discovery for core and grouped kinds', async () => {
    const core = (await call({ method: 'GET', url: '/api/v1' })).json();
    assert.equal(core.kind, 'APIResourceList');
    const names = core.resources.map((r: { name: string }) => r.name);
    for (const n of ['pods', 'pods/status', 'configmaps', 'secrets', 'nodes', 'namespaces', 'events'])
      assert.ok(names.includes(n), n);
    const groups = (await call({ method: 'GET', url: '/apis' })).json();
    const groupNames = groups.groups.map((g: { name: string }) => g.name);
    for (const g of ['apps', 'node.k8s.io', 'kubevirt.io', 'management.k3s.io', 'edgewise.io'])
      assert.ok(groupNames.includes(g), g);
    const apps = (await call({ method: 'GET', url: '/apis/apps/v1' })).json();
    const deploy = apps.resources.find((r: { name: string }) => r.name === 'deployments');
    assert.deepEqual(deploy.shortNames, ['deploy']);
    assert.equal(deploy.namespaced, true);
  });

  it('creates, reads, lists, updates and deletes a ConfigMap with resourceVersion and uid', async () => {
    const created = await call({ method: 'POST', url: CM_PATH, payload: configMap('crud') });
    assert.equal(created.statusCode, 201);
    const obj = created.json();
    assert.match(obj.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.match(obj.metadata.resourceVersion, /^\d+$/);
    assert.match(obj.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(obj.metadata.namespace, 'default');

    const got = (await call({ method: 'GET', url: `${CM_PATH}/crud` })).json();
    assert.deepEqual(got, obj);

    const list = (await call({ method: 'GET', url: CM_PATH })).json();
    assert.equal(list.kind, 'ConfigMapList');
    assert.ok(Number(list.metadata.resourceVersion) >= Number(obj.metadata.resourceVersion));
    assert.ok(list.items.some((i: { metadata: { name: string } }) => i.metadata.name === 'crud'));

    const updated = await call({
      method: 'PUT',
      url: `${CM_PATH}/crud`,
      payload: { ...obj, data: { a: '2' } },
    });
    assert.equal(updated.statusCode, 200);
    assert.ok(Number(updated.json().metadata.resourceVersion) > Number(obj.metadata.resourceVersion));
    assert.equal(updated.json().metadata.uid, obj.metadata.uid);

    const deleted = await call({ method: 'DELETE', url: `${CM_PATH}/crud` });
    assert.equal(deleted.statusCode, 200);
    assert.equal(deleted.json().status, 'Success');
    const gone = await call({ method: 'GET', url: `${CM_PATH}/crud` });
    assert.equal(gone.statusCode, 404);
    assert.deepEqual(
      { kind: gone.json().kind, reason: gone.json().reason, code: gone.json().code },
      { kind: 'Status', reason: 'NotFound', code: 404 },
    );
    assert.equal(gone.json().message, 'configmaps "crud" not found');
  });

  it('accepts YAML bodies and answers in YAML when asked', async () => {
    const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  k: v\n';
    const res = await call({
      method: 'POST',
      url: CM_PATH,
      payload: yaml,
      headers: { 'content-type': 'application/yaml', accept: 'application/yaml' },
    });
    assert.equal(res.statusCode, 201);
    assert.match(res.headers['content-type'] as string, /yaml/);
    assert.match(res.payload, /name: from-yaml/);
  });

  it('refuses a duplicate create with AlreadyExists and keeps the original', async () => {
    await call({ method: 'POST', url: CM_PATH, payload: configMap('dup', { v: 'first' }) });
    const res = await call({ method: 'POST', url: CM_PATH, payload: configMap('dup', { v: 'second' }) });
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().reason, 'AlreadyExists');
    assert.equal((await call({ method: 'GET', url: `${CM_PATH}/dup` })).json().data.v, 'first');
  });

  it('lets exactly one of many concurrent creates of one name win', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        call({ method: 'POST', url: CM_PATH, payload: configMap('race', { i: String(i) }) }),
      ),
    );
    const codes = results.map((r) => r.statusCode).sort();
    assert.deepEqual(codes, [201, 409, 409, 409, 409, 409, 409, 409]);
  });

  it('rejects an update with a stale resourceVersion with Conflict and leaves the object unchanged', async () => {
    const obj = (
      await call({ method: 'POST', url: CM_PATH, payload: configMap('stale', { v: '1' }) })
    ).json();
    const fresh = (
      await call({ method: 'PUT', url: `${CM_PATH}/stale`, payload: { ...obj, data: { v: '2' } } })
    ).json();
    const res = await call({ method: 'PUT', url: `${CM_PATH}/stale`, payload: { ...obj, data: { v: '3' } } });
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().reason, 'Conflict');
    const now = (await call({ method: 'GET', url: `${CM_PATH}/stale` })).json();
    assert.deepEqual(now, fresh);
  });

  it('names the field path of invalid values and stores nothing', async () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'bad-cpu' },
      spec: {
        template: {
          spec: { containers: [{ name: 'app', image: 'x:1', resources: { limits: { cpu: 'lots' } } }] },
        },
      },
    };
    const res = await call({
      method: 'POST',
      url: '/apis/apps/v1/namespaces/default/deployments',
      payload: deployment,
    });
    assert.equal(res.statusCode, 422);
    const status = res.json();
    assert.equal(status.reason, 'Invalid');
    assert.match(
      status.message,
      /spec\.template\.spec\.containers\[0\]\.resources\.limits\.cpu: invalid quantity "lots"/,
    );
    assert.equal(status.details.causes[0].field, 'spec.template.spec.containers[0].resources.limits.cpu');
    const get = await call({ method: 'GET', url: '/apis/apps/v1/namespaces/default/deployments/bad-cpu' });
    assert.equal(get.statusCode, 404);
  });

  it('reports wrong types, bad names and bad labels as Invalid', async () => {
    const wrongType = await call({
      method: 'POST',
      url: '/apis/apps/v1/namespaces/default/deployments',
      payload: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'wrong' },
        spec: { replicas: 'three', template: { spec: { containers: [{ name: 'a', image: 'b' }] } } },
      },
    });
    assert.equal(wrongType.statusCode, 422);
    assert.match(wrongType.json().message, /spec\.replicas: Invalid value: "three": must be of type integer/);

    const badName = await call({ method: 'POST', url: CM_PATH, payload: configMap('Bad_Name') });
    assert.equal(badName.statusCode, 422);
    assert.match(
      badName.json().message,
      /metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/,
    );

    const badLabel = await call({
      method: 'POST',
      url: CM_PATH,
      payload: configMap('bad-label', {}, { labels: { 'a b': 'x' } }),
    });
    assert.equal(badLabel.statusCode, 422);
    assert.match(badLabel.json().message, /metadata\.labels: Invalid value: "a b"/);

    const missingName = await call({
      method: 'POST',
      url: CM_PATH,
      payload: { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} },
    });
    assert.equal(missingName.statusCode, 422);
    assert.match(missingName.json().message, /metadata\.name: Required value/);
  });

  it('rejects a body of the wrong kind, malformed JSON and YAML with BadRequest', async () => {
    const wrongKind = await call({
      method: 'POST',
      url: CM_PATH,
      payload: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } },
    });
    assert.equal(wrongKind.statusCode, 400);
    assert.match(
      wrongKind.json().message,
      /kind in the data \(Secret\) does not match the expected kind \(ConfigMap\)/,
    );
    const badJson = await call({
      method: 'POST',
      url: CM_PATH,
      payload: '{"apiVersion": "v1", ',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(badJson.statusCode, 400);
    assert.equal(badJson.json().reason, 'BadRequest');
    const badYaml = await call({
      method: 'POST',
      url: CM_PATH,
      payload: 'kind: ConfigMap\n  bad: [indent\n',
      headers: { 'content-type': 'application/yaml' },
    });
    assert.equal(badYaml.statusCode, 400);
    assert.match(badYaml.json().message, /line \d+, column \d+/);
  });

  it('refuses a 10 MiB body with RequestEntityTooLarge', async () => {
    const big = JSON.stringify(configMap('big', { blob: 'x'.repeat(10 * 1024 * 1024) }));
    const res = await call({
      method: 'POST',
      url: CM_PATH,
      payload: big,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().reason, 'RequestEntityTooLarge');
    assert.equal((await call({ method: 'GET', url: `${CM_PATH}/big` })).statusCode, 404);
  });

  it('returns NotFound for unknown kinds and paths', async () => {
    const res = await call({ method: 'GET', url: '/apis/example.com/v1/namespaces/default/widgets' });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().kind, 'Status');
  });

  it('merge-patches and refuses invalid patches without changing the object', async () => {
    await call({ method: 'POST', url: CM_PATH, payload: configMap('patched', { a: '1', b: '2' }) });
    const res = await call({
      method: 'PATCH',
      url: `${CM_PATH}/patched`,
      payload: JSON.stringify({ data: { a: null, c: '3' }, metadata: { labels: { env: 'edge' } } }),
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json().data, { b: '2', c: '3' });
    assert.deepEqual(res.json().metadata.labels, { env: 'edge' });

    const before = (await call({ method: 'GET', url: `${CM_PATH}/patched` })).json();
    const invalidJson = await call({
      method: 'PATCH',
      url: `${CM_PATH}/patched`,
      payload: '{not json',
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    assert.equal(invalidJson.statusCode, 400);
    const invalidResult = await call({
      method: 'PATCH',
      url: `${CM_PATH}/patched`,
      payload: JSON.stringify({ data: { k: 5 } }),
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    assert.equal(invalidResult.statusCode, 422);
    const unknownType = await call({
      method: 'PATCH',
      url: `${CM_PATH}/patched`,
      payload: '{}',
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(unknownType.statusCode, 415);
    assert.deepEqual((await call({ method: 'GET', url: `${CM_PATH}/patched` })).json(), before);
  });

  it('keeps status out of main-resource writes and spec out of /status writes', async () => {
    const path = '/apis/apps/v1/namespaces/default/deployments';
    const d = (
      await call({
        method: 'POST',
        url: path,
        payload: {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'st' },
          spec: { replicas: 2, template: { spec: { containers: [{ name: 'a', image: 'b:1' }] } } },
          status: { readyReplicas: 99 },
        },
      })
    ).json();
    assert.equal(d.status, undefined);
    assert.equal(d.metadata.generation, 1);
    const withStatus = await call({
      method: 'PUT',
      url: `${path}/st/status`,
      payload: { ...d, spec: { ...d.spec, replicas: 7 }, status: { readyReplicas: 2 } },
    });
    assert.equal(withStatus.statusCode, 200);
    assert.equal(withStatus.json().spec.replicas, 2);
    assert.equal(withStatus.json().status.readyReplicas, 2);
    assert.equal(withStatus.json().metadata.generation, 1, 'status writes do not bump generation');
    const specUpdate = (
      await call({
        method: 'PUT',
        url: `${path}/st`,
        payload: { ...(withStatus.json() as object), spec: { ...d.spec, replicas: 3 }, status: {} },
      })
    ).json();
    assert.equal(specUpdate.spec.replicas, 3);
    assert.equal(specUpdate.status.readyReplicas, 2, 'status survives a spec update');
    assert.equal(specUpdate.metadata.generation, 2);
  });

  it('defaults a Deployment without selector and says so in a Warning header', async () => {
    const res = await call({
      method: 'POST',
      url: '/apis/apps/v1/namespaces/default/deployments',
      payload: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'nosel' },
        spec: { template: { spec: { containers: [{ name: 'a', image: 'b' }] } } },
      },
    });
    assert.equal(res.statusCode, 201);
    assert.deepEqual(res.json().spec.selector, { matchLabels: { app: 'nosel' } });
    assert.deepEqual(res.json().spec.template.metadata.labels, { app: 'nosel' });
    const warning = String(res.headers.warning);
    assert.match(warning, /^299 - "spec\.template\.metadata\.labels not set/);
    assert.match(warning, /spec\.selector not set; defaulted to matchLabels \{app: nosel\}/);
  });

  it('provisions a namespace that a manifest names but nobody created', async () => {
    const res = await call({
      method: 'POST',
      url: '/api/v1/namespaces/store-042/configmaps',
      payload: configMap('x'),
    });
    assert.equal(res.statusCode, 201);
    const ns = await call({ method: 'GET', url: '/api/v1/namespaces/store-042' });
    assert.equal(ns.statusCode, 200);
    assert.equal(ns.json().status.phase, 'Active');
  });

  it('lists with label and field selectors and rejects a bad selector', async () => {
    for (const [name, tier] of [
      ['sel-a', 'web'],
      ['sel-b', 'db'],
      ['sel-c', 'cache'],
    ]) {
      await call({
        method: 'POST',
        url: CM_PATH,
        payload: configMap(name as string, {}, { labels: { tier, suite: 'sel' } }),
      });
    }
    const names = async (query: string) =>
      (await call({ method: 'GET', url: `${CM_PATH}?${query}` }))
        .json()
        .items.map((i: { metadata: { name: string } }) => i.metadata.name)
        .sort();
    assert.deepEqual(await names('labelSelector=suite%3Dsel,tier%20in%20(web,db)'), ['sel-a', 'sel-b']);
    assert.deepEqual(await names('labelSelector=suite%3Dsel,tier!%3Dweb'), ['sel-b', 'sel-c']);
    assert.deepEqual(await names('labelSelector=suite%3Dsel&fieldSelector=metadata.name%3Dsel-c'), ['sel-c']);
    const bad = await call({ method: 'GET', url: `${CM_PATH}?labelSelector=tier%20in%20web` });
    assert.equal(bad.statusCode, 400);
  });

  it('returns a Table when kubectl asks for one', async () => {
    const res = await call({
      method: 'GET',
      url: CM_PATH,
      headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' },
    });
    const table = res.json();
    assert.equal(table.kind, 'Table');
    assert.deepEqual(
      table.columnDefinitions.map((c: { name: string }) => c.name),
      ['Name', 'Data', 'Age'],
    );
    assert.ok(table.rows.length > 0);
    assert.equal(table.rows[0].object.kind, 'PartialObjectMetadata');
  });

  it('completes graceful deletion of a finalized object when the last finalizer is removed', async () => {
    const obj = (
      await call({
        method: 'POST',
        url: CM_PATH,
        payload: configMap('fin', {}, { finalizers: ['example.com/hold'] }),
      })
    ).json();
    const del = await call({ method: 'DELETE', url: `${CM_PATH}/fin` });
    assert.equal(del.statusCode, 202);
    const marked = (await call({ method: 'GET', url: `${CM_PATH}/fin` })).json();
    assert.ok(marked.metadata.deletionTimestamp);
    const released = await call({
      method: 'PUT',
      url: `${CM_PATH}/fin`,
      payload: { ...marked, metadata: { ...marked.metadata, finalizers: [] } },
    });
    assert.equal(released.statusCode, 200);
    assert.equal((await call({ method: 'GET', url: `${CM_PATH}/fin` })).statusCode, 404);
    assert.ok(obj);
  });
});
