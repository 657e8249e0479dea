import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from '../../../src/api/kinds/pod.js';
import type { PlacementFailure, SchedulingCache } from '../../../src/hub/scheduler/index.js';
import { schedulePod } from '../../../src/hub/scheduler/index.js';
import { cacheWith, node, pod, requiredAffinity, runtimeClass } from './fixtures.js';

function failure(cache: SchedulingCache, p: Pod): PlacementFailure {
  const placement = schedulePod(cache, p);
  assert.ok(
    !placement.scheduled,
    `expected no node to fit, got ${placement.scheduled && placement.nodeName}`,
  );
  return placement.failure;
}

const edge = { 'node-type': 'edge' };

describe('placement failure messages', () => {
  it('groups nodes by first failing reason, naming labels and quantities (free = largest)', () => {
    const cache = cacheWith(
      [
        node('cloud-1'),
        node('cloud-2'),
        node('cloud-3', { labels: { 'node-type': 'cloud' } }),
        node('edge-1', { labels: edge, memory: '1Gi' }),
        node('edge-2', { labels: edge, memory: '1Gi' }),
      ],
      [pod('x', { nodeName: 'edge-1', memory: '724Mi' }), pod('y', { nodeName: 'edge-2', memory: '824Mi' })],
    );
    const f = failure(cache, pod('p', { nodeSelector: edge, memory: '512Mi' }));
    assert.equal(
      f.message,
      '0/5 nodes are available: 3 lack label node-type=edge, 2 have insufficient memory (requests 512Mi, free 300Mi).',
    );
    assert.deepEqual(f.counts, { NodeSelectorMismatch: 3, InsufficientMemory: 2 });
    assert.deepEqual(f.reasons, [
      {
        code: 'NodeSelectorMismatch',
        count: 3,
        text: '3 lack label node-type=edge',
        subject: 'node-type=edge',
      },
      {
        code: 'InsufficientMemory',
        count: 2,
        text: '2 have insufficient memory (requests 512Mi, free 300Mi)',
        subject: 'memory',
      },
    ]);
    assert.equal(f.totalNodes, 5);
  });

  it('node state: offline, not ready, cordoned', () => {
    const cache = cacheWith([
      node('a', { ready: 'Unknown', readyReason: 'NodeOffline' }),
      node('b', { ready: 'False', readyReason: 'NodeOffline' }),
      node('c', { ready: 'Unknown' }),
      node('d', { unschedulable: true }),
    ]);
    assert.equal(
      failure(cache, pod('p')).message,
      '0/4 nodes are available: 2 are offline, 1 is not ready, 1 is cordoned (unschedulable).',
    );
    const one = cacheWith([node('a', { ready: 'Unknown', readyReason: 'NodeOffline' })]);
    assert.equal(failure(one, pod('p')).message, '0/1 nodes are available: 1 is offline.');
    const two = cacheWith([
      node('a', { ready: 'False' }),
      node('b', { unschedulable: true }),
      node('c', { unschedulable: true }),
    ]);
    assert.equal(
      failure(two, pod('p')).message,
      '0/3 nodes are available: 2 are cordoned (unschedulable), 1 is not ready.',
    );
  });

  it('taints', () => {
    const taint = { key: 'edge-node', value: 'true', effect: 'NoSchedule' as const };
    const cache = cacheWith([
      node('a', { taints: [taint] }),
      node('b', { taints: [taint] }),
      node('c', { taints: [{ key: 'maintenance', effect: 'NoExecute' }] }),
    ]);
    assert.equal(
      failure(cache, pod('p')).message,
      '0/3 nodes are available: 2 have taint edge-node=true:NoSchedule that the pod does not tolerate, ' +
        '1 has taint maintenance:NoExecute that the pod does not tolerate.',
    );
  });

  it('runtime handlers, named and default', () => {
    const rc = runtimeClass('wasmedge', 'wasmedge');
    const one = cacheWith([node('a', { handlers: ['wasm', 'process'] })], [], [rc]);
    assert.equal(
      failure(one, pod('p', { runtimeClassName: 'wasmedge' })).message,
      '0/1 nodes are available: 1 lacks runtime handler wasmedge (has process, wasm).',
    );
    const many = cacheWith(
      [node('a', { handlers: ['wasm'] }), node('b', { handlers: ['', 'runc'] }), node('c', { handlers: [] })],
      [],
      [rc],
    );
    assert.equal(
      failure(many, pod('p', { runtimeClassName: 'wasmedge' })).message,
      '0/3 nodes are available: 3 lack runtime handler wasmedge (have <default>, runc, wasm).',
    );
    const noDefault = cacheWith([node('a', { handlers: ['wasmedge'] }), node('b', { handlers: [] })]);
    const f = failure(noDefault, pod('p'));
    assert.equal(f.message, '0/2 nodes are available: 2 lack the default runtime handler (have wasmedge).');
    assert.equal(f.reasons[0]?.subject, '');
    const none = cacheWith([node('a', { handlers: [] })]);
    assert.equal(
      failure(none, pod('p')).message,
      '0/1 nodes are available: 1 lacks the default runtime handler (has none).',
    );
  });

  it('insufficient cpu in millicores, and pod count', () => {
    const cache = cacheWith(
      [node('a', { cpu: '1' }), node('b', { pods: '2' })],
      [pod('x', { nodeName: 'a', cpu: '900m' }), pod('y', { nodeName: 'b' }), pod('z', { nodeName: 'b' })],
    );
    const f = failure(cache, pod('p', { cpu: '250m' }));
    assert.equal(
      f.message,
      '0/2 nodes are available: 1 has insufficient cpu (requests 250m, free 100m), 1 has no room for more pods (limit 2).',
    );
    assert.deepEqual(f.counts, { InsufficientCPU: 1, TooManyPods: 1 });
  });

  it('free never shows negative when a node shrank below its requests', () => {
    const cache = cacheWith(
      [node('a', { cpu: '1', memory: '1Gi' })],
      [pod('x', { nodeName: 'a', memory: '1Gi' })],
    );
    cache.updateNode(node('a', { cpu: '1', memory: '512Mi' }));
    assert.equal(
      failure(cache, pod('p', { memory: '1Mi' })).message,
      '0/1 nodes are available: 1 has insufficient memory (requests 1Mi, free 0).',
    );
  });

  it('host ports', () => {
    const cache = cacheWith(
      [node('a'), node('b')],
      [
        pod('x', { nodeName: 'a', hostPorts: [{ hostPort: 8080 }] }),
        pod('y', { nodeName: 'b', hostPorts: [{ hostPort: 53, protocol: 'UDP' }] }),
      ],
    );
    const a = cacheWith([node('a')], [pod('x', { nodeName: 'a', hostPorts: [{ hostPort: 8080 }] })]);
    assert.equal(
      failure(a, pod('p', { hostPorts: [{ hostPort: 8080 }] })).message,
      '0/1 nodes are available: 1 has no free host port 8080.',
    );
    assert.equal(
      failure(cache, pod('p', { hostPorts: [{ hostPort: 8080 }, { hostPort: 53, protocol: 'UDP' }] }))
        .message,
      // Same count and reason: listed alphabetically.
      '0/2 nodes are available: 1 has no free host port 53/UDP, 1 has no free host port 8080.',
    );
  });

  it('invalid capacity', () => {
    const cache = cacheWith([node('a', { cpu: 'abc' })]);
    const f = failure(cache, pod('p'));
    assert.equal(f.message, '0/1 nodes are available: 1 reports invalid capacity (cpu "abc").');
    assert.deepEqual(f.reasons[0], {
      code: 'InvalidCapacity',
      count: 1,
      text: '1 reports invalid capacity (cpu "abc")',
      subject: 'cpu "abc"',
    });
  });

  it('node affinity: the failing requirement for one term, a count for several', () => {
    const cache = cacheWith([node('a'), node('b', { labels: { 'kubernetes.io/arch': 'riscv64' } })]);
    const one = requiredAffinity([{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64', 'x86'] }]);
    assert.equal(
      failure(cache, pod('p', { affinity: one })).message,
      '0/2 nodes are available: 2 do not match node affinity kubernetes.io/arch in (amd64, x86).',
    );
    const two = requiredAffinity(
      [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }],
      [{ key: 'gpu', operator: 'Exists' }],
    );
    assert.equal(
      failure(cache, pod('p', { affinity: two })).message,
      '0/2 nodes are available: 2 match none of the 2 node affinity terms.',
    );
  });

  it('reasons about the pod itself', () => {
    const cache = cacheWith([node('a'), node('b'), node('c'), node('d'), node('e')]);
    const missing = failure(cache, pod('p', { runtimeClassName: 'wasmedge' }));
    assert.equal(missing.message, '0/5 nodes are available: RuntimeClass "wasmedge" not found.');
    assert.deepEqual(missing.counts, { RuntimeClassNotFound: 5 });

    cache.setRuntimeClass(
      runtimeClass('wasmedge', 'wasmedge', { scheduling: { nodeSelector: { 'node-type': 'edge' } } }),
    );
    assert.equal(
      failure(cache, pod('p', { runtimeClassName: 'wasmedge', nodeSelector: { 'node-type': 'cloud' } }))
        .message,
      '0/5 nodes are available: RuntimeClass "wasmedge" requires label node-type=edge, but the pod\'s nodeSelector asks for node-type=cloud.',
    );
    assert.equal(
      failure(cache, pod('p', { cpu: 'abc' })).message,
      '0/5 nodes are available: the pod\'s container main requests an invalid cpu quantity "abc".',
    );
  });

  it('no nodes at all', () => {
    const f = failure(cacheWith([]), pod('p'));
    assert.equal(f.message, '0/0 nodes are available: no nodes have joined the hub.');
    assert.deepEqual(f.counts, { NoNodes: 0 });
  });

  it('equal counts are listed in filter order', () => {
    const cache = cacheWith([
      node('z-cordoned', { unschedulable: true }),
      node('y-label'),
      node('x-offline', { ready: 'Unknown', readyReason: 'NodeOffline' }),
    ]);
    assert.equal(
      failure(cache, pod('p', { nodeSelector: edge })).message,
      '0/3 nodes are available: 1 is offline, 1 is cordoned (unschedulable), 1 lacks label node-type=edge.',
    );
  });

  it('reports each node under its first failing reason only', () => {
    // Offline and lacking the label: counted as offline.
    const cache = cacheWith([node('a', { ready: 'Unknown', readyReason: 'NodeOffline', cpu: 'abc' })]);
    const f = failure(cache, pod('p', { nodeSelector: edge }));
    assert.deepEqual(f.counts, { NodeOffline: 1 });
  });
});
