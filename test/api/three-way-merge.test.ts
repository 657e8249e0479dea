import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EdgewiseError } from '../../src/api/errors.js';
import type { JsonObject } from '../../src/api/json-value.js';
import type { PatchSchema } from '../../src/api/patch-schema.js';
import { patchSchemaFor } from '../../src/api/patch-schema.js';
import { applyStrategicMergePatch } from '../../src/api/strategic-merge-patch.js';
import { threeWayMerge } from '../../src/api/three-way-merge.js';

const DEPLOYMENT = patchSchemaFor('apps', 'Deployment') as PatchSchema;

/** The manifest a user keeps in git. */
function manifest(
  overrides: { labels?: JsonObject; replicas?: number; containers?: JsonObject[] } = {},
): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'edge-service',
      namespace: 'retail',
      labels: overrides.labels ?? { app: 'edge-service', tier: 'backend' },
    },
    spec: {
      replicas: overrides.replicas ?? 2,
      selector: { matchLabels: { app: 'edge-service' } },
      template: {
        metadata: { labels: { app: 'edge-service' } },
        spec: {
          containers: overrides.containers ?? [
            {
              name: 'app',
              image: 'registry.local/edge-service:1.4',
              env: [
                { name: 'MODE', value: 'edge' },
                { name: 'DEBUG', value: '1' },
              ],
            },
          ],
        },
      },
    },
  };
}

/** What the hub stores after the first apply: the manifest plus server fields, defaults and status. */
function stored(): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'edge-service',
      namespace: 'retail',
      uid: '0b9f7d4e-2c1a-4e8e-9a57-5d3c1e2f4a6b',
      resourceVersion: '17',
      generation: 1,
      creationTimestamp: '2025-01-10T08:00:00Z',
      labels: { app: 'edge-service', tier: 'backend', 'edgewise.io/site': 'store-042' },
      annotations: { 'deployment.kubernetes.io/revision': '1' },
    },
    spec: {
      replicas: 2,
      revisionHistoryLimit: 10,
      selector: { matchLabels: { app: 'edge-service' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'edge-service' } },
        spec: {
          containers: [
            {
              name: 'app',
              image: 'registry.local/edge-service:1.4',
              imagePullPolicy: 'IfNotPresent',
              env: [
                { name: 'MODE', value: 'edge' },
                { name: 'DEBUG', value: '1' },
              ],
              terminationMessagePath: '/dev/termination-log',
            },
            { name: 'istio-proxy', image: 'proxy:1.0' },
          ],
          restartPolicy: 'Always',
        },
      },
    },
    status: {
      observedGeneration: 1,
      replicas: 2,
      readyReplicas: 2,
      conditions: [{ type: 'Available', status: 'True' }],
    },
  };
}

function at(object: JsonObject, ...path: string[]): unknown {
  let current: unknown = object;
  for (const key of path) current = (current as Record<string, unknown>)[key];
  return current;
}

function containers(object: JsonObject): JsonObject[] {
  return at(object, 'spec', 'template', 'spec', 'containers') as JsonObject[];
}

describe('threeWayMerge', () => {
  it('removes a label dropped from the manifest and keeps labels others set', () => {
    const result = threeWayMerge(
      manifest(),
      manifest({ labels: { app: 'edge-service' } }),
      stored(),
      DEPLOYMENT,
    );
    assert.deepEqual(at(result, 'metadata', 'labels'), {
      app: 'edge-service',
      'edgewise.io/site': 'store-042',
    });
  });

  it('removes an env var dropped from the manifest and keeps defaulted container fields', () => {
    const desired = manifest({
      containers: [
        { name: 'app', image: 'registry.local/edge-service:1.4', env: [{ name: 'MODE', value: 'edge' }] },
      ],
    });
    const result = threeWayMerge(manifest(), desired, stored(), DEPLOYMENT);
    assert.deepEqual(containers(result)[0], {
      name: 'app',
      image: 'registry.local/edge-service:1.4',
      imagePullPolicy: 'IfNotPresent',
      env: [{ name: 'MODE', value: 'edge' }],
      terminationMessagePath: '/dev/termination-log',
    });
  });

  it('keeps status and server-set metadata and defaults', () => {
    const live = stored();
    const result = threeWayMerge(manifest(), manifest({ replicas: 5 }), live, DEPLOYMENT);
    assert.deepEqual(result.status, live.status);
    const metadata = result.metadata as JsonObject;
    for (const field of ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'annotations']) {
      assert.deepEqual(metadata[field], (live.metadata as JsonObject)[field], field);
    }
    assert.equal(at(result, 'spec', 'revisionHistoryLimit'), 10);
    assert.equal(at(result, 'spec', 'template', 'spec', 'restartPolicy'), 'Always');
  });

  it('changes replicas', () => {
    const result = threeWayMerge(manifest(), manifest({ replicas: 5 }), stored(), DEPLOYMENT);
    assert.equal(at(result, 'spec', 'replicas'), 5);
  });

  it('adds a container and keeps one injected by the server, in kubectl order', () => {
    const desired = manifest({
      containers: [
        ...containers(manifest()),
        {
          name: 'log-shipper',
          image: 'registry.local/log-shipper:2.1',
          env: [{ name: 'SINK', value: 'hub' }],
        },
      ],
    });
    const result = threeWayMerge(manifest(), desired, stored(), DEPLOYMENT);
    assert.deepEqual(
      containers(result).map((c) => c.name),
      ['app', 'log-shipper', 'istio-proxy'],
    );
    assert.deepEqual(containers(result)[1], {
      name: 'log-shipper',
      image: 'registry.local/log-shipper:2.1',
      env: [{ name: 'SINK', value: 'hub' }],
    });
  });

  it('removes a container dropped from the manifest but not one it never had', () => {
    const last = manifest({
      containers: [
        { name: 'app', image: 'app:1' },
        { name: 'helper', image: 'helper:1' },
      ],
    });
    const live = stored();
    (at(live, 'spec', 'template', 'spec') as JsonObject).containers = [
      { name: 'app', image: 'app:1' },
      { name: 'helper', image: 'helper:1' },
      { name: 'istio-proxy', image: 'proxy:1.0' },
    ];
    const desired = manifest({ containers: [{ name: 'app', image: 'app:2' }] });
    const result = threeWayMerge(last, desired, live, DEPLOYMENT);
    assert.deepEqual(containers(result), [
      { name: 'app', image: 'app:2' },
      { name: 'istio-proxy', image: 'proxy:1.0' },
    ]);
  });

  it('removes nothing on a first apply without a last-applied manifest', () => {
    const result = threeWayMerge(
      undefined,
      manifest({ labels: { app: 'edge-service' }, replicas: 3 }),
      stored(),
      DEPLOYMENT,
    );
    assert.deepEqual(at(result, 'metadata', 'labels'), {
      app: 'edge-service',
      tier: 'backend',
      'edgewise.io/site': 'store-042',
    });
    assert.equal(at(result, 'spec', 'replicas'), 3);
  });

  it('creates from nothing when the object is new', () => {
    const desired = manifest();
    assert.deepEqual(threeWayMerge(undefined, desired, {}, DEPLOYMENT), desired);
  });

  it('replaces lists without a merge strategy (tolerations)', () => {
    const live = stored();
    const podSpec = at(live, 'spec', 'template', 'spec') as JsonObject;
    podSpec.tolerations = [
      { key: 'a', operator: 'Exists' },
      {
        key: 'node.kubernetes.io/not-ready',
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: 300,
      },
    ];
    const desired = manifest();
    (at(desired, 'spec', 'template', 'spec') as JsonObject).tolerations = [{ key: 'b', operator: 'Exists' }];
    const result = threeWayMerge(manifest(), desired, live, DEPLOYMENT);
    assert.deepEqual(at(result, 'spec', 'template', 'spec', 'tolerations'), [
      { key: 'b', operator: 'Exists' },
    ]);
  });

  it("merges finalizers as a set: drops the ones the manifest removed, keeps controllers'", () => {
    const last = { metadata: { name: 'x', finalizers: ['example.com/mine', 'example.com/old'] } };
    const desired = { metadata: { name: 'x', finalizers: ['example.com/mine', 'example.com/new'] } };
    const live = {
      metadata: { name: 'x', finalizers: ['example.com/mine', 'example.com/old', 'controller.io/cleanup'] },
    };
    const result = threeWayMerge(last, desired, live, DEPLOYMENT);
    assert.deepEqual(at(result, 'metadata', 'finalizers'), [
      'example.com/mine',
      'example.com/new',
      'controller.io/cleanup',
    ]);
  });

  it('clears the other member of a retainKeys union (strategy RollingUpdate → Recreate)', () => {
    const last = manifest();
    const desired = manifest();
    (desired.spec as JsonObject).strategy = { type: 'Recreate' };
    const result = threeWayMerge(last, desired, stored(), DEPLOYMENT);
    assert.deepEqual(at(result, 'spec', 'strategy'), { type: 'Recreate' });
  });

  it('clears the old source when a volume changes type (volumes use retainKeys)', () => {
    const pod = patchSchemaFor('', 'Pod') as PatchSchema;
    const last = { spec: { volumes: [{ name: 'data', emptyDir: {} }] } };
    const desired = { spec: { volumes: [{ name: 'data', configMap: { name: 'edge-config' } }] } };
    const live: JsonObject = {
      spec: {
        volumes: [
          { name: 'data', emptyDir: {} },
          { name: 'token', projected: { sources: [] } },
        ],
      },
    };
    const result = threeWayMerge(last, desired, live, pod);
    assert.deepEqual(at(result, 'spec', 'volumes'), [
      { name: 'data', configMap: { name: 'edge-config' } },
      { name: 'token', projected: { sources: [] } },
    ]);
  });

  it('removes a field set to null in the manifest and drops nulls inside new values', () => {
    const desired = manifest();
    (desired.spec as JsonObject).revisionHistoryLimit = null;
    (desired.spec as JsonObject).paused = null;
    (desired.metadata as JsonObject).annotations = { note: 'hi', gone: null };
    const result = threeWayMerge(manifest(), desired, stored(), DEPLOYMENT);
    assert.equal(Object.hasOwn(result.spec as JsonObject, 'revisionHistoryLimit'), false);
    assert.equal(Object.hasOwn(result.spec as JsonObject, 'paused'), false);
    assert.deepEqual(at(result, 'metadata', 'annotations'), {
      'deployment.kubernetes.io/revision': '1',
      note: 'hi',
    });
  });

  it('merges maps and replaces lists for kinds without a schema (custom resources)', () => {
    const last = { spec: { running: true, template: { volumes: [{ name: 'a' }] }, tags: ['x'] } };
    const desired = { spec: { running: false, template: { volumes: [{ name: 'b' }] } } };
    const live = {
      spec: { running: true, template: { volumes: [{ name: 'a' }], domain: { cpu: 2 } }, tags: ['x'] },
      status: { ready: true },
    };
    assert.deepEqual(threeWayMerge(last, desired, live), {
      spec: { running: false, template: { volumes: [{ name: 'b' }], domain: { cpu: 2 } } },
      status: { ready: true },
    });
  });

  it('rejects a merge-keyed list item without its key, naming the field', () => {
    const desired = manifest({ containers: [{ name: 'app', image: 'a' }, { image: 'b' }] });
    assert.throws(
      () => threeWayMerge(manifest(), desired, stored(), DEPLOYMENT),
      (err: unknown) =>
        EdgewiseError.isCode(err, 'EW_INVALID') &&
        err.message ===
          'Deployment.apps "edge-service" is invalid: spec.template.spec.containers[1].name: Required value' &&
        err.details?.causes?.[0]?.field === 'spec.template.spec.containers[1].name',
    );
  });

  it('never modifies its inputs', () => {
    const last = manifest();
    const desired = manifest({
      labels: { app: 'edge-service' },
      containers: [
        { name: 'app', image: 'app:2' },
        { name: 'new', image: 'n:1' },
      ],
    });
    const live = stored();
    const before = structuredClone({ last, desired, live });
    const result = threeWayMerge(last, desired, live, DEPLOYMENT);
    assert.deepEqual({ last, desired, live }, before);
    (containers(result)[1] as JsonObject).image = 'mutated';
    assert.equal(containers(desired)[1]?.image, 'n:1', 'result does not alias the manifest');
  });

  it('agrees with applying the strategic merge patch kubectl would send', () => {
    const last = manifest();
    const desired = manifest({
      labels: { app: 'edge-service' },
      replicas: 3,
      containers: [
        {
          name: 'app',
          image: 'registry.local/edge-service:1.5',
          env: [
            { name: 'MODE', value: 'edge' },
            { name: 'REGION', value: 'eu' },
          ],
        },
        { name: 'log-shipper', image: 'registry.local/log-shipper:2.1' },
      ],
    });
    // kubectl's CreateThreeWayMergePatch(last, desired, live) for these inputs.
    const kubectlPatch = {
      metadata: { labels: { tier: null } },
      spec: {
        replicas: 3,
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'app' }, { name: 'log-shipper' }],
            containers: [
              {
                '$setElementOrder/env': [{ name: 'MODE' }, { name: 'REGION' }],
                env: [
                  { name: 'REGION', value: 'eu' },
                  { $patch: 'delete', name: 'DEBUG' },
                ],
                image: 'registry.local/edge-service:1.5',
                name: 'app',
              },
              { image: 'registry.local/log-shipper:2.1', name: 'log-shipper' },
            ],
          },
        },
      },
    };
    const viaPatch = applyStrategicMergePatch(stored(), kubectlPatch, DEPLOYMENT);
    const viaMerge = threeWayMerge(last, desired, stored(), DEPLOYMENT);
    assert.deepEqual(viaMerge, viaPatch);
    assert.deepEqual(
      containers(viaMerge).map((c) => c.name),
      ['app', 'log-shipper', 'istio-proxy'],
    );
  });
});

describe('threeWayMerge: nesting limit', () => {
  it('rejects a deeply nested manifest with 400 instead of overflowing the stack', () => {
    const deep = JSON.parse(`${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`) as JsonObject;
    assert.throws(
      () => threeWayMerge(undefined, deep, {}),
      (err: unknown) => EdgewiseError.isCode(err, 'EW_BAD_REQUEST') && /manifest is nested/.test(err.message),
    );
  });
});
