/**
 * The hub's controllers in-process, with hand-made nodes and a clock the test moves:
 * Deployments (replicas, spreading, rolling updates), DaemonSets, garbage collection,
 * and the node lifecycle with its edge eviction rule.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { daemonSetType, deploymentType } from '../../src/api/kinds/apps.js';
import { runtimeClassType } from '../../src/api/kinds/edge.js';
import { nodeType } from '../../src/api/kinds/node.js';
import { podType } from '../../src/api/kinds/pod.js';
import type { KubeObject } from '../../src/api/object.js';
import { waitFor } from '../support/fleet.js';
import { startTestHub, type TestHub } from '../support/hub.js';

class Clock {
  t = Date.parse('2030-01-01T00:00:00Z');
  now = () => new Date(this.t);
}

function node(
  name: string,
  site: string,
  labels: Record<string, string> = {},
  heartbeat: string,
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: { 'node-type': 'edge', 'edgewise.io/site': site, 'kubernetes.io/arch': 'amd64', ...labels },
    },
    spec: {},
    status: {
      capacity: { cpu: '4', memory: '8Gi', pods: '110' },
      allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
      runtimeHandlers: [{ name: 'process' }],
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'AgentReady',
          lastHeartbeatTime: heartbeat,
          lastTransitionTime: heartbeat,
        },
      ],
    },
  };
}

function deployment(
  name: string,
  replicas: number,
  image: string,
  extra: Record<string, unknown> = {},
): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        spec: {
          runtimeClassName: 'process',
          nodeSelector: { 'node-type': 'edge' },
          containers: [{ name: 'app', image, resources: { requests: { cpu: '100m', memory: '64Mi' } } }],
          ...extra,
        },
      },
    },
  };
}

describe('hub controllers', { timeout: 60_000 }, () => {
  const clock = new Clock();
  let t: TestHub;
  const pods = async (selector: string) =>
    (
      await t.hub.service.list(podType, 'default', {
        labelSelector: { requirements: [{ key: 'app', operator: 'in', values: [selector] }] },
      })
    ).items;
  const settle = async () => {
    const c = t.hub.controllers;
    for (let i = 0; i < 3; i++) {
      await c?.scheduler.idle();
      await c?.deployment.idle();
      await c?.daemonSet.idle();
      await c?.garbageCollector.idle();
      await new Promise((r) => setTimeout(r, 30));
    }
  };
  /** What an agent would report: the pod running and ready. */
  const markReady = async (p: KubeObject) =>
    t.hub.service.modify(
      podType,
      'default',
      p.metadata.name ?? '',
      (live) => ({ ...live, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }),
      { subresource: 'status' },
    );

  before(async () => {
    t = await startTestHub({
      controllers: true,
      now: clock.now,
      fleet: { nodeLifecycle: { notReadyAfterMs: 40_000, offlineAfterMs: 300_000, intervalMs: 3_600_000 } },
    });
    await t.hub.start();
    await t.hub.service.create(runtimeClassType, '', {
      apiVersion: 'node.k8s.io/v1',
      kind: 'RuntimeClass',
      metadata: { name: 'process' },
      handler: 'process',
    });
    const beat = clock
      .now()
      .toISOString()
      .replace(/\.\d+Z$/, 'Z');
    for (const [n, site] of [
      ['a1', 's1'],
      ['a2', 's1'],
      ['b1', 's2'],
      ['c1', 's3'],
    ])
      await t.hub.service.create(nodeType, '', node(n as string, site as string, {}, beat));
    await t.hub.service.create(nodeType, '', node('lab', 'lab', { 'node-type': 'lab' }, beat));
  });
  after(async () => t.close());

  it('keeps replicas, spread across sites, and reports status', async () => {
    await t.hub.service.create(deploymentType, 'default', deployment('web', 3, 'web:1'));
    await settle();
    const list = await pods('web');
    assert.equal(list.length, 3);
    const sites = new Set(
      list.map(
        (p) =>
          ({ a1: 's1', a2: 's1', b1: 's2', c1: 's3' })[(p.spec as { nodeName: string }).nodeName as 'a1'],
      ),
    );
    assert.equal(sites.size, 3, 'one replica per site before doubling up');
    assert.ok(
      list.every((p) => (p.spec as { nodeName: string }).nodeName !== 'lab'),
      'nodeSelector respected',
    );
    for (const p of list) await markReady(p);
    await settle();
    const d = await t.hub.service.get(deploymentType, 'default', 'web');
    assert.deepEqual(
      { ...(d.status as object), conditions: undefined },
      {
        observedGeneration: 1,
        replicas: 3,
        updatedReplicas: 3,
        readyReplicas: 3,
        availableReplicas: 3,
        unavailableReplicas: 0,
        conditions: undefined,
      },
    );
  });

  it('rolls out a new template without going below the replicas (maxUnavailable 0, maxSurge 1)', async () => {
    await t.hub.service.modify(deploymentType, 'default', 'web', (d) => {
      const spec = structuredClone(d.spec) as { template: { spec: { containers: { image: string }[] } } };
      (spec.template.spec.containers[0] as { image: string }).image = 'web:2';
      return { ...d, spec };
    });
    for (let round = 0; round < 10; round++) {
      await settle();
      const live = (await pods('web')).filter((p) => !p.metadata.deletionTimestamp);
      const ready = live.filter((p) =>
        ((p.status as { conditions?: { type: string; status: string }[] })?.conditions ?? []).some(
          (c) => c.type === 'Ready' && c.status === 'True',
        ),
      );
      assert.ok(ready.length >= 3, `round ${round}: only ${ready.length} ready`);
      assert.ok(live.length <= 4, `round ${round}: ${live.length} pods exceed replicas + maxSurge`);
      const fresh = live.filter(
        (p) => (p.spec as { containers: { image: string }[] }).containers[0]?.image === 'web:2',
      );
      if (fresh.length === 3 && live.length === 3) break;
      // Agents report the new pods ready; old pods being deleted finish (the agent confirms).
      for (const p of fresh) await markReady(p);
      for (const p of await pods('web')) {
        if (p.metadata.deletionTimestamp)
          await t.hub.service.delete(podType, 'default', p.metadata.name ?? '', { gracePeriodSeconds: 0 });
      }
    }
    const final = (await pods('web')).filter((p) => !p.metadata.deletionTimestamp);
    assert.deepEqual(
      final.map((p) => (p.spec as { containers: { image: string }[] }).containers[0]?.image),
      ['web:2', 'web:2', 'web:2'],
    );
  });

  it('runs one DaemonSet pod on every matching node', async () => {
    await t.hub.service.create(daemonSetType, 'default', {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent-metrics' },
      spec: {
        template: {
          spec: {
            runtimeClassName: 'process',
            nodeSelector: { 'edgewise.io/site': 's1' },
            containers: [{ name: 'm', image: 'metrics:1' }],
          },
        },
      },
    });
    await settle();
    const list = await pods('agent-metrics');
    assert.deepEqual(list.map((p) => (p.spec as { nodeName: string }).nodeName).sort(), ['a1', 'a2']);
    const ds = await t.hub.service.get(daemonSetType, 'default', 'agent-metrics');
    assert.equal((ds.status as { desiredNumberScheduled: number }).desiredNumberScheduled, 2);
  });

  it('removes the pods of a deleted Deployment', async () => {
    await t.hub.service.create(deploymentType, 'default', deployment('temp', 2, 'temp:1'));
    await settle();
    assert.equal((await pods('temp')).length, 2);
    await t.hub.service.delete(deploymentType, 'default', 'temp');
    await settle();
    // Bound pods terminate gracefully (their agent completes it); none stays live.
    assert.ok((await pods('temp')).every((p) => p.metadata.deletionTimestamp));
  });

  it('marks silent nodes NotReady then Offline, taints them, and evicts only pods that opted in', async () => {
    await t.hub.service.create(
      deploymentType,
      'default',
      deployment('failover', 1, 'fo:1', {
        nodeSelector: { 'edgewise.io/site': 's3' },
        tolerations: [
          {
            key: 'node.kubernetes.io/unreachable',
            operator: 'Exists',
            effect: 'NoExecute',
            tolerationSeconds: 60,
          },
        ],
      }),
    );
    await settle();
    const [victim] = await pods('failover');
    assert.ok(victim, 'the failover pod exists');
    assert.equal((victim.spec as { nodeName: string }).nodeName, 'c1');
    const webOnC1 = (await pods('web')).filter(
      (p) => (p.spec as { nodeName: string }).nodeName === 'c1' && !p.metadata.deletionTimestamp,
    );

    clock.t += 45_000; // every node silent for 45 s
    await t.hub.controllers?.nodeLifecycle.check();
    const c1 = await t.hub.service.get(nodeType, '', 'c1');
    const ready = (
      c1.status as { conditions: { type: string; status: string; reason: string }[] }
    ).conditions.find((c) => c.type === 'Ready');
    assert.deepEqual([ready?.status, ready?.reason], ['Unknown', 'NodeStatusUnknown']);
    assert.ok(
      ((c1.spec as { taints?: { key: string }[] }).taints ?? []).some(
        (x) => x.key === 'node.kubernetes.io/unreachable',
      ),
    );

    clock.t += 300_000; // past the offline grace and the toleration
    await t.hub.controllers?.nodeLifecycle.check();
    await t.hub.controllers?.nodeLifecycle.check();
    const offline = await t.hub.service.get(nodeType, '', 'c1');
    assert.equal(
      (offline.status as { conditions: { type: string; reason: string }[] }).conditions.find(
        (c) => c.type === 'Ready',
      )?.reason,
      'NodeOffline',
    );
    const evicted = await waitFor('the opted-in pod evicted', async () => {
      const p = await t.hub.service.find(podType, 'default', victim.metadata.name ?? '');
      return p?.metadata.deletionTimestamp ? p : undefined;
    });
    assert.ok(evicted);
    for (const p of webOnC1) {
      const still = await t.hub.service.get(podType, 'default', p.metadata.name ?? '');
      assert.equal(
        still.metadata.deletionTimestamp,
        undefined,
        'pods that did not opt in stay on the offline node',
      );
    }
    await settle();
    const replacement = (await pods('failover')).filter((p) => !p.metadata.deletionTimestamp);
    assert.equal(replacement.length, 1, 'the Deployment replaces the evicted pod');
  });
});
