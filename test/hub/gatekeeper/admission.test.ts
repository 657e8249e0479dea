/** Gatekeeper admission at the hub's door: deny, warn, dryrun, input shape, libs, inventory, webhook. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EdgewiseError } from '../../../src/api/errors.js';
import { configMapType } from '../../../src/api/kinds/core.js';
import type { KubeObject } from '../../../src/api/object.js';
import {
  CONFIGMAPS,
  configMap,
  constraint,
  eventually,
  type GatekeeperHub,
  remove,
  requiredLabelsTemplate,
  startGatekeeperHub,
  template,
} from './fixtures.js';

async function post(t: GatekeeperHub, path: string, body: unknown): Promise<Response> {
  return fetch(`${t.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const CM_PATH = '/api/v1/namespaces/default/configmaps';

describe('gatekeeper admission', () => {
  let t: GatekeeperHub;

  before(async () => {
    t = await startGatekeeperHub();
    await t.hub.service.create(
      t.type('templates.gatekeeper.sh/v1', 'ConstraintTemplate'),
      '',
      requiredLabelsTemplate(),
    );
  });
  after(async () => {
    await t.close();
  });

  const labelsType = () => t.type('constraints.gatekeeper.sh/v1beta1', 'K8sRequiredLabels');

  it('denies a violating write with a 403 Status naming the constraint and each message', async () => {
    await t.hub.service.create(
      labelsType(),
      '',
      constraint('K8sRequiredLabels', 'must-have-owner', {
        match: CONFIGMAPS,
        parameters: { labels: ['owner'] },
      }),
    );
    const denied = await post(t, CM_PATH, configMap('no-owner'));
    assert.equal(denied.status, 403);
    const status = (await denied.json()) as {
      reason: string;
      message: string;
      details: { causes: unknown[] };
    };
    assert.equal(status.reason, 'Forbidden');
    assert.equal(
      status.message,
      'admission webhook "validation.gatekeeper.sh" denied the request: [must-have-owner] you must provide labels: {"owner"}',
    );
    assert.equal(status.details.causes.length, 1);
    const templateStatus = await eventually('the template status', async () => {
      const tpl = await t.hub.service.get(
        t.type('templates.gatekeeper.sh/v1', 'ConstraintTemplate'),
        '',
        'k8srequiredlabels',
      );
      return (tpl.status as { created?: boolean } | undefined)?.created ? tpl.status : undefined;
    });
    assert.deepEqual(templateStatus, {
      created: true,
      engine: 'Rego',
      enforced: true,
      byPod: [{ id: 'edgewise-hub', observedGeneration: 1, operations: ['audit', 'webhook'] }],
    });
    const beta = await fetch(
      `${t.url}/apis/templates.gatekeeper.sh/v1beta1/constrainttemplates/k8srequiredlabels`,
    );
    assert.equal(((await beta.json()) as KubeObject).apiVersion, 'templates.gatekeeper.sh/v1beta1');
    const allowed = await post(t, CM_PATH, configMap('has-owner', { owner: 'ops' }));
    assert.equal(allowed.status, 201);
    // Not matched: a Secret is not a ConfigMap.
    const secret = await post(t, '/api/v1/namespaces/default/secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
    });
    assert.equal(secret.status, 201);
    await remove(t, labelsType(), '', 'must-have-owner');
  });

  it('lists every violation of every deny constraint, one line each', async () => {
    for (const [name, label] of [
      ['need-a', 'a'],
      ['need-b', 'b'],
    ] as const) {
      await t.hub.service.create(
        labelsType(),
        '',
        constraint('K8sRequiredLabels', name, { match: CONFIGMAPS, parameters: { labels: [label] } }),
      );
    }
    await assert.rejects(
      t.hub.service.create(configMapType, 'default', configMap('none')),
      (err: unknown) => {
        assert.ok(EdgewiseError.isCode(err, 'EW_ADMISSION_DENIED'));
        assert.equal(
          err.message,
          'admission webhook "validation.gatekeeper.sh" denied the request: [need-a] you must provide labels: {"a"}\n[need-b] you must provide labels: {"b"}',
        );
        return true;
      },
    );
    for (const name of ['need-a', 'need-b']) await remove(t, labelsType(), '', name);
  });

  it('warn admits with a Warning header; dryrun admits silently', async () => {
    await t.hub.service.create(
      labelsType(),
      '',
      constraint('K8sRequiredLabels', 'warn-owner', {
        match: CONFIGMAPS,
        parameters: { labels: ['owner'] },
        enforcementAction: 'warn',
      }),
    );
    const warned = await post(t, CM_PATH, configMap('warned'));
    assert.equal(warned.status, 201);
    assert.equal(
      warned.headers.get('warning'),
      '299 - "[warn-owner] you must provide labels: {\\"owner\\"}"',
    );
    await t.hub.service.modify(labelsType(), '', 'warn-owner', (c) => ({
      ...c,
      spec: { ...(c.spec as object), enforcementAction: 'dryrun' },
    }));
    const quiet = await post(t, CM_PATH, configMap('quiet'));
    assert.equal(quiet.status, 201);
    assert.equal(quiet.headers.get('warning'), null);
    await remove(t, labelsType(), '', 'warn-owner');
  });

  it('hands the policy input.review shaped like an AdmissionReview request, and input.parameters', async () => {
    const rego = `package k8sreviewecho

violation[{"msg": msg}] {
  r := input.review
  msg := json.marshal({
    "operation": r.operation, "kind": r.kind, "name": r.name, "namespace": r.namespace,
    "user": r.userInfo.username, "old": object.get(r, ["oldObject", "data", "a"], null),
    "new": r.object.data.a, "dryRun": r.dryRun, "param": input.parameters.tag,
  })
}
`;
    await t.hub.service.create(
      t.type('templates.gatekeeper.sh/v1', 'ConstraintTemplate'),
      '',
      template('K8sReviewEcho', rego),
    );
    await t.hub.service.create(
      t.type('constraints.gatekeeper.sh/v1beta1', 'K8sReviewEcho'),
      '',
      constraint('K8sReviewEcho', 'echo', {
        match: CONFIGMAPS,
        parameters: { tag: 'x' },
        enforcementAction: 'warn',
      }),
    );
    const echo = (warnings: string[]) =>
      JSON.parse((warnings[0] ?? '').replace('[echo] ', '')) as Record<string, unknown>;
    const user = { username: 'alice', groups: ['ops'] };
    const created = await t.hub.service.create(configMapType, 'default', configMap('echoed'), { user });
    assert.deepEqual(echo(created.warnings), {
      operation: 'CREATE',
      kind: { group: '', version: 'v1', kind: 'ConfigMap' },
      name: 'echoed',
      namespace: 'default',
      user: 'alice',
      old: null,
      new: '1',
      dryRun: false,
      param: 'x',
    });
    const updated = await t.hub.service.modify(
      configMapType,
      'default',
      'echoed',
      (c) => ({ ...c, data: { a: '2' } }),
      { user, dryRun: true },
    );
    assert.deepEqual(echo(updated.warnings), {
      operation: 'UPDATE',
      kind: { group: '', version: 'v1', kind: 'ConfigMap' },
      name: 'echoed',
      namespace: 'default',
      user: 'alice',
      old: '1',
      new: '2',
      dryRun: true,
      param: 'x',
    });
    await remove(t, t.type('templates.gatekeeper.sh/v1', 'ConstraintTemplate'), '', 'k8sreviewecho');
  });

  it('compiles template libs with the template', async () => {
    const rego = `package k8sbannedkeys
import data.lib.keys

violation[{"msg": msg}] {
  k := keys.banned[_]
  input.review.object.data[k]
  msg := sprintf("key %v is banned", [k])
}
`;
    const lib = `package lib.keys
banned := ["password", "token"]
`;
    await t.hub.service.create(
      t.type('templates.gatekeeper.sh/v1', 'ConstraintTemplate'),
      '',
      template('K8sBannedKeys', rego, { libs: [lib] }),
    );
    await t.hub.service.create(
      t.type('constraints.gatekeeper.sh/v1beta1', 'K8sBannedKeys'),
      '',
      constraint('K8sBannedKeys', 'no-secrets-in-configmaps', { match: CONFIGMAPS }),
    );
    const bad = { ...configMap('leaky'), data: { token: 'abc' } };
    await assert.rejects(
      t.hub.service.create(configMapType, 'default', bad),
      /\[no-secrets-in-configmaps\] key token is banned/,
    );
    await remove(t, t.type('templates.gatekeeper.sh/v1', 'ConstraintTemplate'), '', 'k8sbannedkeys');
  });

  it('deleting a template unregisters its kind and deletes its constraints', async () => {
    const templates = t.type('templates.gatekeeper.sh/v1', 'ConstraintTemplate');
    await t.hub.service.create(
      templates,
      '',
      template('K8sShortLived', 'package x\nviolation[{"msg": "no"}] { false }\n'),
    );
    await t.hub.service.create(
      t.type('constraints.gatekeeper.sh/v1beta1', 'K8sShortLived'),
      '',
      constraint('K8sShortLived', 'gone-soon', {}),
    );
    await remove(t, templates, '', 'k8sshortlived');
    await eventually('kind unregistered', () =>
      t.hub.registry.byKind('constraints.gatekeeper.sh/v1beta1', 'K8sShortLived') ? undefined : true,
    );
    await eventually('constraints deleted', async () => {
      const { items } = await t.hub.store.list('constraints.gatekeeper.sh/k8sshortlived');
      return items.length === 0 ? true : undefined;
    });
    assert.throws(() => t.type('constraints.gatekeeper.sh/v1beta1', 'K8sShortLived'), /no matches for kind/);
  });

  it('accepts a template whose only code is CEL, says it is not enforced, and does not enforce it', async () => {
    const cel: KubeObject = {
      apiVersion: 'templates.gatekeeper.sh/v1',
      kind: 'ConstraintTemplate',
      metadata: { name: 'k8scelonly' },
      spec: {
        crd: { spec: { names: { kind: 'K8sCelOnly' } } },
        targets: [
          {
            target: 'admission.k8s.gatekeeper.sh',
            code: [
              {
                engine: 'K8sNativeValidation',
                source: { validations: [{ expression: 'false', message: 'no' }] },
              },
            ],
          },
        ],
      },
    };
    const templates = t.type('templates.gatekeeper.sh/v1', 'ConstraintTemplate');
    const created = await t.hub.service.create(templates, '', cel);
    assert.match(
      created.warnings.join('\n'),
      /has only CEL \(K8sNativeValidation\) code; Edgewise evaluates Rego only/,
    );
    const status = await eventually('template status', async () => {
      const s = (await t.hub.service.get(templates, '', 'k8scelonly')).status as
        | Record<string, unknown>
        | undefined;
      return s?.created ? s : undefined;
    });
    assert.equal(status.enforced, false);
    assert.equal(status.engine, 'CEL (not enforced)');
    const made = await t.hub.service.create(
      t.type('constraints.gatekeeper.sh/v1beta1', 'K8sCelOnly'),
      '',
      constraint('K8sCelOnly', 'cel', { match: CONFIGMAPS }),
    );
    assert.match(made.warnings.join('\n'), /not enforced/);
    await t.hub.service.create(configMapType, 'default', configMap('cel-passes'));
    await t.gk.auditNow();
    const audited = await t.hub.service.get(
      t.type('constraints.gatekeeper.sh/v1beta1', 'K8sCelOnly'),
      '',
      'cel',
    );
    assert.equal((audited.status as { enforced?: boolean }).enforced, false);
    assert.equal((audited.status as { totalViolations?: number }).totalViolations, undefined);
    await remove(t, templates, '', 'k8scelonly');
  });

  it('data.inventory holds synced objects in Gatekeeper layout, kept current as they change', async () => {
    const rego = `package k8suniqueport

violation[{"msg": msg}] {
  port := input.review.object.data.port
  other := data.inventory.namespace[ns][_]["ConfigMap"][name]
  other.data.port == port
  not same(ns, name)
  msg := sprintf("port %v is taken by %v/%v", [port, ns, name])
}

same(ns, name) {
  ns == input.review.object.metadata.namespace
  name == input.review.object.metadata.name
}
`;
    const sync = JSON.stringify([[{ groups: [''], versions: ['v1'], kinds: ['ConfigMap'] }]]);
    await t.hub.service.create(
      t.type('templates.gatekeeper.sh/v1', 'ConstraintTemplate'),
      '',
      template('K8sUniquePort', rego, {
        metadata: { annotations: { 'metadata.gatekeeper.sh/requires-sync-data': sync } },
      }),
    );
    const portType = t.type('constraints.gatekeeper.sh/v1beta1', 'K8sUniquePort');
    await t.hub.service.create(
      portType,
      '',
      constraint('K8sUniquePort', 'unique-port', { match: CONFIGMAPS }),
    );
    const withPort = (name: string, namespace: string): KubeObject => ({
      ...configMap(name, {}, namespace),
      data: { port: '8080' },
    });
    await t.hub.service.create(configMapType, 'site-a', withPort('first', 'site-a'));
    await eventually('inventory to hold site-a/first', () =>
      t.gk.inventory.get('v1', 'ConfigMap', 'site-a', 'first'),
    );
    await assert.rejects(
      t.hub.service.create(configMapType, 'site-b', withPort('second', 'site-b')),
      /\[unique-port\] port 8080 is taken by site-a\/first/,
    );
    // Updating the object itself does not conflict with its own inventory entry.
    await t.hub.service.modify(configMapType, 'site-a', 'first', (c) => ({
      ...c,
      metadata: { ...c.metadata, labels: { x: 'y' } },
    }));
    await remove(t, configMapType, 'site-a', 'first');
    await eventually('inventory to drop site-a/first', () =>
      t.gk.inventory.get('v1', 'ConfigMap', 'site-a', 'first') ? undefined : true,
    );
    await t.hub.service.create(configMapType, 'site-b', withPort('second', 'site-b'));
    await remove(t, portType, '', 'unique-port');
  });

  it('answers AdmissionReviews on POST /v1/admit exactly as admission decides', async () => {
    await t.hub.service.create(
      labelsType(),
      '',
      constraint('K8sRequiredLabels', 'webhook-owner', {
        match: CONFIGMAPS,
        parameters: { labels: ['owner'] },
      }),
    );
    const review = (apiVersion: string, object: KubeObject) => ({
      apiVersion,
      kind: 'AdmissionReview',
      request: {
        uid: 'abc-123',
        kind: { group: '', version: 'v1', kind: 'ConfigMap' },
        operation: 'CREATE',
        name: object.metadata.name,
        namespace: 'default',
        userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller' },
        object,
      },
    });
    const res = await post(t, '/v1/admit', review('admission.k8s.io/v1', configMap('remote')));
    assert.equal(res.status, 200);
    const body = (await res.json()) as {
      apiVersion: string;
      response: { uid: string; allowed: boolean; status: { code: number; message: string } };
    };
    assert.equal(body.apiVersion, 'admission.k8s.io/v1');
    assert.equal(body.response.uid, 'abc-123');
    assert.equal(body.response.allowed, false);
    assert.equal(body.response.status.code, 403);
    assert.match(
      body.response.status.message,
      /denied the request: \[webhook-owner\] you must provide labels/,
    );
    const ok = await post(
      t,
      '/v1/admit',
      review('admission.k8s.io/v1beta1', configMap('remote', { owner: 'x' })),
    );
    const okBody = (await ok.json()) as { apiVersion: string; response: { allowed: boolean } };
    assert.deepEqual([okBody.apiVersion, okBody.response.allowed], ['admission.k8s.io/v1beta1', true]);
    const bad = await post(t, '/v1/admit', { kind: 'Pod' });
    assert.equal(bad.status, 400);
    await remove(t, labelsType(), '', 'webhook-owner');
  });

  it('counts admission decisions in its metrics', async () => {
    const text = await (await fetch(`${t.url}/metrics`)).text();
    const count = (status: string) =>
      Number(
        new RegExp(
          `edgewise_hub_gatekeeper_admission_requests_total\\{admission_status="${status}"\\} (\\d+)`,
        ).exec(text)?.[1] ?? 0,
      );
    assert.ok(count('deny') >= 3, text);
    assert.ok(count('allow') >= 3);
    assert.match(text, /edgewise_hub_gatekeeper_constraint_templates \d+/);
  });
});

describe('gatekeeper exempt namespaces', () => {
  let t: GatekeeperHub;
  before(async () => {
    t = await startGatekeeperHub({ exemptNamespaces: ['kube-*'] });
    await t.hub.service.create(
      t.type('templates.gatekeeper.sh/v1', 'ConstraintTemplate'),
      '',
      requiredLabelsTemplate(),
    );
    await t.hub.service.create(
      t.type('constraints.gatekeeper.sh/v1beta1', 'K8sRequiredLabels'),
      '',
      constraint('K8sRequiredLabels', 'owner', { match: CONFIGMAPS, parameters: { labels: ['owner'] } }),
    );
  });
  after(async () => {
    await t.close();
  });

  it('never reviews writes in an exempt namespace', async () => {
    await t.hub.service.create(configMapType, 'kube-system', configMap('exempt', {}, 'kube-system'));
    await assert.rejects(t.hub.service.create(configMapType, 'default', configMap('reviewed')), /\[owner\]/);
  });
});
