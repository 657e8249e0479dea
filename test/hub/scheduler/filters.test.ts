import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from '../../../src/api/kinds/pod.js';
import type { SchedulingCache } from '../../../src/hub/scheduler/index.js';
import { checkNode, schedulePod } from '../../../src/hub/scheduler/index.js';
import { cacheWith, node, pod, requiredAffinity } from './fixtures.js';

/** The chosen node's name, or the failure message. */
function place(cache: SchedulingCache, p: Pod): string {
  const placement = schedulePod(cache, p);
  return placement.scheduled ? placement.nodeName : placement.failure.message;
}

describe('readiness and cordon', () => {
  it('places only on Ready, schedulable nodes', () => {
    const cache = cacheWith([
      node('a-offline', { ready: 'Unknown', readyReason: 'NodeOffline' }),
      node('b-notready', { ready: 'False' }),
      node('c-unknown', { ready: 'Unknown' }),
      node('d-nocondition', { ready: 'missing' }),
      node('e-cordoned', { unschedulable: true }),
      node('z-ok'),
    ]);
    assert.equal(place(cache, pod('web')), 'z-ok');
  });

  it('a node turning Ready again becomes a candidate', () => {
    const cache = cacheWith([node('a', { ready: 'False' })]);
    assert.match(place(cache, pod('web')), /^0\/1 nodes are available/);
    cache.updateNode(node('a'));
    assert.equal(place(cache, pod('web')), 'a');
  });

  it('a removed node is no longer a candidate', () => {
    const cache = cacheWith([node('a'), node('b')]);
    cache.removeNode('a');
    assert.equal(place(cache, pod('web')), 'b');
    assert.equal(cache.nodeCount, 1);
  });
});

describe('nodeSelector', () => {
  it('needs every label with the exact value', () => {
    const cache = cacheWith([
      node('a', { labels: { 'node-type': 'cloud' } }),
      node('b', { labels: { 'node-type': 'edge' } }),
      node('c', { labels: { 'node-type': 'edge', zone: 'north' } }),
    ]);
    assert.equal(place(cache, pod('p', { nodeSelector: { 'node-type': 'edge' } })), 'b');
    assert.equal(place(cache, pod('p', { nodeSelector: { 'node-type': 'edge', zone: 'north' } })), 'c');
  });

  it('selects architecture through kubernetes.io/arch', () => {
    const cache = cacheWith([node('arm'), node('x86', { labels: { 'kubernetes.io/arch': 'amd64' } })]);
    assert.equal(place(cache, pod('p', { nodeSelector: { 'kubernetes.io/arch': 'amd64' } })), 'x86');
  });

  it('is not fooled by label keys that name Object members', () => {
    const cache = cacheWith([node('a')]);
    const p = pod('p', { nodeSelector: { constructor: 'x' } });
    assert.equal(place(cache, p), '0/1 nodes are available: 1 lacks label constructor=x.');
  });
});

describe('required node affinity', () => {
  const cache = cacheWith([
    node('n1', { labels: { tier: 'gold', cores: '4' } }),
    node('n2', { labels: { tier: 'silver', cores: '8' } }),
    node('n3', { labels: { cores: 'many' } }),
  ]);
  const candidates = (affinity: Pod['spec']['affinity']): string[] =>
    ['n1', 'n2', 'n3'].filter((n) => checkNode(cache, pod('p', { affinity }), n).fits);

  it('In / NotIn / Exists / DoesNotExist', () => {
    assert.deepEqual(
      candidates(requiredAffinity([{ key: 'tier', operator: 'In', values: ['gold', 'bronze'] }])),
      ['n1'],
    );
    assert.deepEqual(candidates(requiredAffinity([{ key: 'tier', operator: 'NotIn', values: ['gold'] }])), [
      'n2',
      'n3',
    ]);
    assert.deepEqual(candidates(requiredAffinity([{ key: 'tier', operator: 'Exists' }])), ['n1', 'n2']);
    assert.deepEqual(candidates(requiredAffinity([{ key: 'tier', operator: 'DoesNotExist' }])), ['n3']);
  });

  it('Gt / Lt compare integers and never match a non-integer label', () => {
    assert.deepEqual(candidates(requiredAffinity([{ key: 'cores', operator: 'Gt', values: ['4'] }])), ['n2']);
    assert.deepEqual(candidates(requiredAffinity([{ key: 'cores', operator: 'Lt', values: ['8'] }])), ['n1']);
    assert.deepEqual(candidates(requiredAffinity([{ key: 'cores', operator: 'Gt', values: ['x'] }])), []);
  });

  it('ANDs expressions in a term and ORs terms', () => {
    const and = requiredAffinity([
      { key: 'tier', operator: 'Exists' },
      { key: 'cores', operator: 'Gt', values: ['4'] },
    ]);
    assert.deepEqual(candidates(and), ['n2']);
    const or = requiredAffinity(
      [{ key: 'tier', operator: 'In', values: ['gold'] }],
      [{ key: 'cores', operator: 'In', values: ['many'] }],
    );
    assert.deepEqual(candidates(or), ['n1', 'n3']);
  });

  it('an empty term or no terms match nothing', () => {
    assert.deepEqual(candidates(requiredAffinity([])), []);
    assert.deepEqual(candidates(requiredAffinity()), []);
  });

  it('matchFields on metadata.name', () => {
    const affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchFields: [{ key: 'metadata.name', operator: 'In' as const, values: ['n3'] }] },
          ],
        },
      },
    };
    assert.deepEqual(candidates(affinity), ['n3']);
    const byLabelField = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.labels', operator: 'Exists' as const }] }],
        },
      },
    };
    assert.deepEqual(candidates(byLabelField), []);
  });
});

describe('taints and tolerations', () => {
  const taint = { key: 'edge-node', value: 'true', effect: 'NoSchedule' as const };
  const cache = cacheWith([node('tainted', { taints: [taint] })]);
  const fits = (p: Pod) => checkNode(cache, p, 'tainted').fits;

  it('a NoSchedule taint keeps out pods that do not tolerate it', () => {
    assert.equal(fits(pod('p')), false);
    assert.equal(
      fits(
        pod('p', {
          tolerations: [{ key: 'edge-node', operator: 'Equal', value: 'true', effect: 'NoSchedule' }],
        }),
      ),
      true,
    );
  });

  it('matches as Kubernetes does: Equal needs the value, Exists does not, empty effect matches all', () => {
    assert.equal(
      fits(pod('p', { tolerations: [{ key: 'edge-node', value: 'false', effect: 'NoSchedule' }] })),
      false,
    );
    assert.equal(fits(pod('p', { tolerations: [{ key: 'edge-node', operator: 'Exists' }] })), true);
    assert.equal(fits(pod('p', { tolerations: [{ key: 'edge-node', value: 'true' }] })), true);
    assert.equal(
      fits(pod('p', { tolerations: [{ key: 'edge-node', operator: 'Exists', effect: 'NoExecute' }] })),
      false,
    );
    assert.equal(fits(pod('p', { tolerations: [{ key: 'other', operator: 'Exists' }] })), false);
  });

  it('an empty key with Exists tolerates everything', () => {
    assert.equal(fits(pod('p', { tolerations: [{ operator: 'Exists' }] })), true);
  });

  it('NoExecute taints also keep pods out; PreferNoSchedule does not', () => {
    const c = cacheWith([
      node('noexec', { taints: [{ key: 'k', effect: 'NoExecute' }] }),
      node('prefer', { taints: [{ key: 'k', effect: 'PreferNoSchedule' }] }),
    ]);
    assert.equal(checkNode(c, pod('p'), 'noexec').fits, false);
    assert.equal(checkNode(c, pod('p'), 'prefer').fits, true);
  });
});

describe('runtime handler', () => {
  it('a pod without runtimeClassName needs the node default handler ("")', () => {
    const cache = cacheWith([
      node('wasm-only', { handlers: ['wasmedge'] }),
      node('default', { handlers: [''] }),
    ]);
    assert.equal(place(cache, pod('p')), 'default');
  });
});

describe('host ports', () => {
  const busy = pod('busy', {
    nodeName: 'a',
    hostPorts: [{ hostPort: 8080 }, { hostPort: 53, protocol: 'UDP' }],
  });

  it('a port used on a node rules the node out for the same port and protocol', () => {
    const cache = cacheWith([node('a'), node('b')], [busy]);
    assert.equal(place(cache, pod('p', { hostPorts: [{ hostPort: 8080 }] })), 'b');
    assert.equal(
      checkNode(cache, pod('p', { hostPorts: [{ hostPort: 53, protocol: 'TCP' }] }), 'a').fits,
      true,
    );
    assert.equal(
      checkNode(cache, pod('p', { hostPorts: [{ hostPort: 53, protocol: 'UDP' }] }), 'a').fits,
      false,
    );
  });

  it('specific addresses conflict only with the same address or 0.0.0.0', () => {
    const cache = cacheWith(
      [node('a')],
      [pod('x', { nodeName: 'a', hostPorts: [{ hostPort: 9000, hostIP: '10.0.0.1' }] })],
    );
    const on = (hostIP?: string) =>
      checkNode(cache, pod('p', { hostPorts: [{ hostPort: 9000, ...(hostIP ? { hostIP } : {}) }] }), 'a')
        .fits;
    assert.equal(on('10.0.0.2'), true);
    assert.equal(on('10.0.0.1'), false);
    assert.equal(on(), false);
  });

  it('hostNetwork pods claim their containerPorts', () => {
    const net = pod('net', { nodeName: 'a', hostNetwork: true, containers: [] });
    net.spec.containers = [{ name: 'c', image: 'i', ports: [{ containerPort: 7000, protocol: 'TCP' }] }];
    const cache = cacheWith([node('a')], [net]);
    assert.equal(checkNode(cache, pod('p', { hostPorts: [{ hostPort: 7000 }] }), 'a').fits, false);
  });

  it('a removed pod frees its port', () => {
    const cache = cacheWith([node('a')], [busy]);
    cache.removePod(busy);
    assert.equal(place(cache, pod('p', { hostPorts: [{ hostPort: 8080 }] })), 'a');
  });
});

describe('checkNode', () => {
  it('names the node in its reason', () => {
    const cache = cacheWith([node('store-7-a')]);
    assert.deepEqual(checkNode(cache, pod('p', { nodeSelector: { 'node-type': 'edge' } }), 'store-7-a'), {
      fits: false,
      code: 'NodeSelectorMismatch',
      message: 'node store-7-a lacks label node-type=edge',
    });
    assert.deepEqual(checkNode(cache, pod('p'), 'store-7-a'), { fits: true });
    assert.deepEqual(checkNode(cache, pod('p'), 'nowhere'), {
      fits: false,
      code: 'NodeNotFound',
      message: 'node nowhere not found',
    });
  });
});
