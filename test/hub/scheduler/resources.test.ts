import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkNode, schedulePod } from '../../../src/hub/scheduler/index.js';
import { cacheWith, container, node, pod, runtimeClass } from './fixtures.js';

describe('requests against allocatable', () => {
  it('subtracts the requests of pods already bound', () => {
    const cache = cacheWith(
      [node('a', { cpu: '2', memory: '2Gi' }), node('b', { cpu: '2', memory: '2Gi' })],
      [pod('x', { nodeName: 'a', cpu: '1500m', memory: '1Gi' })],
    );
    assert.equal(checkNode(cache, pod('p', { cpu: '500m' }), 'a').fits, true);
    assert.equal(checkNode(cache, pod('p', { cpu: '501m' }), 'a').fits, false);
    assert.equal(checkNode(cache, pod('p', { memory: '1Gi' }), 'a').fits, true);
    assert.equal(checkNode(cache, pod('p', { memory: '1025Mi' }), 'a').fits, false);
    assert.deepEqual(cache.usage('a'), { requested: { cpuMilli: 1500, memoryBytes: 1024 ** 3 }, pods: 1 });
  });

  it('reads quantities exactly (0.5 cpu = 500m, 1e9 bytes, rounding cpu up to a millicore)', () => {
    const cache = cacheWith([node('a', { cpu: '0.5', memory: '1G' })]);
    assert.equal(checkNode(cache, pod('p', { cpu: '500m', memory: '1e9' }), 'a').fits, true);
    assert.equal(checkNode(cache, pod('p', { cpu: '500.1m' }), 'a').fits, false);
    assert.equal(checkNode(cache, pod('p', { memory: '1000000001' }), 'a').fits, false);
  });

  it('sums containers and takes the largest init container', () => {
    const cache = cacheWith([node('a', { cpu: '1', memory: '1Gi' })]);
    const containers = [
      container('one', { cpu: '300m', memory: '256Mi' }),
      container('two', { cpu: '300m', memory: '256Mi' }),
    ];
    // Sum of containers (600m) is below the 800m init container, so 800m counts.
    const initBig = pod('p', {
      containers,
      initContainers: [container('init', { cpu: '800m' }), container('i2', { cpu: '100m' })],
    });
    assert.equal(checkNode(cache, initBig, 'a').fits, true);
    const tooBig = pod('p', { containers, initContainers: [container('init', { cpu: '1001m' })] });
    assert.equal(checkNode(cache, tooBig, 'a').fits, false);
    // Init containers do not add to the containers' sum: 600m + 300m would not fit 800m.
    const cache2 = cacheWith([node('a', { cpu: '800m' })]);
    assert.equal(
      checkNode(cache2, pod('p', { containers, initContainers: [container('i', { cpu: '300m' })] }), 'a')
        .fits,
      true,
    );
    assert.equal(
      checkNode(cache2, pod('p', { containers: [...containers, container('three', { cpu: '201m' })] }), 'a')
        .fits,
      false,
    );
  });

  it('adds the RuntimeClass overhead', () => {
    const wasm = runtimeClass('wasmedge', 'wasmedge', {
      overhead: { podFixed: { cpu: '100m', memory: '64Mi' } },
    });
    const cache = cacheWith([node('a', { cpu: '1', memory: '1Gi' })], [], [wasm]);
    assert.equal(checkNode(cache, pod('p', { runtimeClassName: 'wasmedge', cpu: '900m' }), 'a').fits, true);
    assert.equal(checkNode(cache, pod('p', { runtimeClassName: 'wasmedge', cpu: '901m' }), 'a').fits, false);
    // A bound pod's overhead is counted too.
    cache.addPod(pod('bound', { nodeName: 'a', runtimeClassName: 'wasmedge', memory: '100Mi' }));
    assert.deepEqual(cache.usage('a')?.requested, { cpuMilli: 100, memoryBytes: 164 * 1024 ** 2 });
  });

  it('recounts bound pods when their RuntimeClass arrives or changes', () => {
    const cache = cacheWith(
      [node('a', { cpu: '1' })],
      [pod('bound', { nodeName: 'a', runtimeClassName: 'wasmedge', cpu: '200m' })],
    );
    assert.equal(cache.usage('a')?.requested.cpuMilli, 200);
    cache.setRuntimeClass(runtimeClass('wasmedge', 'wasmedge', { overhead: { podFixed: { cpu: '50m' } } }));
    assert.equal(cache.usage('a')?.requested.cpuMilli, 250);
    cache.removeRuntimeClass('wasmedge');
    assert.equal(cache.usage('a')?.requested.cpuMilli, 200);
  });

  it('limits the pod count when the node reports allocatable pods', () => {
    const cache = cacheWith(
      [node('a', { pods: '2' })],
      [pod('x', { nodeName: 'a' }), pod('y', { nodeName: 'a' })],
    );
    assert.equal(checkNode(cache, pod('p'), 'a').fits, false);
    cache.removePod(pod('y', { nodeName: 'a' }));
    assert.equal(checkNode(cache, pod('p'), 'a').fits, true);
  });

  it('terminated pods free their resources; pending ones take none', () => {
    const cache = cacheWith([node('a', { cpu: '1' })], [pod('x', { nodeName: 'a', cpu: '1' })]);
    assert.equal(checkNode(cache, pod('p', { cpu: '1m' }), 'a').fits, false);
    cache.addPod(pod('x', { nodeName: 'a', cpu: '1', phase: 'Succeeded' }));
    assert.equal(checkNode(cache, pod('p', { cpu: '1' }), 'a').fits, true);
    cache.addPod(pod('pending', { cpu: '1' }));
    assert.equal(cache.podCount, 0);
  });

  it('assumed pods count until removed, and the confirming watch event does not double-count', () => {
    const cache = cacheWith([node('a', { cpu: '1' }), node('b', { cpu: '1' })]);
    const first = pod('first', { cpu: '600m' });
    const placement = schedulePod(cache, first);
    assert.ok(placement.scheduled);
    cache.assumePod(first, placement.nodeName);
    cache.addPod(pod('first', { cpu: '600m', nodeName: placement.nodeName }));
    assert.equal(cache.usage(placement.nodeName)?.requested.cpuMilli, 600);
    const second = schedulePod(cache, pod('second', { cpu: '600m' }));
    assert.ok(second.scheduled);
    assert.notEqual(second.nodeName, placement.nodeName);
  });

  it('counts pods bound to a node before the node itself is seen', () => {
    const cache = cacheWith([], [pod('early', { nodeName: 'late', cpu: '3' })]);
    cache.updateNode(node('late', { cpu: '4' }));
    assert.equal(checkNode(cache, pod('p', { cpu: '1001m' }), 'late').fits, false);
    assert.equal(checkNode(cache, pod('p', { cpu: '1' }), 'late').fits, true);
  });
});

describe('nonsense capacity', () => {
  const cases: [string, Parameters<typeof node>[1], string][] = [
    ['unparsable cpu', { cpu: 'abc' }, 'cpu "abc"'],
    ['negative memory', { memory: '-1Gi' }, 'memory "-1Gi"'],
    ['missing memory', { allocatable: { cpu: '4' } }, 'memory missing'],
    ['no allocatable', { allocatable: null }, 'allocatable missing'],
    ['bad pods', { pods: 'lots' }, 'pods "lots"'],
    [
      'non-string cpu',
      { allocatable: { cpu: { nested: true }, memory: '1Gi' } },
      'cpu "{\\"nested\\":true}"',
    ],
  ];
  for (const [name, options, detail] of cases) {
    it(`${name} makes the node unfit, without throwing`, () => {
      const cache = cacheWith([node('bad', options), node('good')]);
      const placement = schedulePod(cache, pod('p'));
      assert.ok(placement.scheduled);
      assert.equal(placement.nodeName, 'good');
      cache.removeNode('good');
      const failed = schedulePod(cache, pod('p'));
      assert.ok(!failed.scheduled);
      assert.equal(
        failed.failure.message,
        `0/1 nodes are available: 1 reports invalid capacity (${detail}).`,
      );
    });
  }

  it('zero allocatable is valid but fits only request-less pods', () => {
    const cache = cacheWith([node('zero', { cpu: '0' })]);
    assert.equal(checkNode(cache, pod('p'), 'zero').fits, true);
    assert.equal(checkNode(cache, pod('p', { cpu: '1m' }), 'zero').fits, false);
  });
});
