import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from '../../../src/api/kinds/pod.js';
import type { SchedulingCache } from '../../../src/hub/scheduler/index.js';
import { schedulePod } from '../../../src/hub/scheduler/index.js';
import { cacheWith, node, pod, runtimeClass } from './fixtures.js';

function place(cache: SchedulingCache, p: Pod): string {
  const placement = schedulePod(cache, p);
  return placement.scheduled ? placement.nodeName : placement.failure.message;
}

describe('RuntimeClass', () => {
  const edgeTaint = { key: 'edge-node', value: 'true', effect: 'NoSchedule' as const };

  it('needs the RuntimeClass handler on the node', () => {
    const cache = cacheWith(
      [node('a', { handlers: ['', 'process'] }), node('b', { handlers: ['', 'wasmedge'] })],
      [],
      [runtimeClass('wasm', 'wasmedge')],
    );
    // The RuntimeClass name and its handler differ: the handler is what nodes offer.
    assert.equal(place(cache, pod('p', { runtimeClassName: 'wasm' })), 'b');
  });

  it('merges scheduling.nodeSelector into the pod nodeSelector', () => {
    const rc = runtimeClass('wasmedge', 'wasmedge', {
      scheduling: { nodeSelector: { 'node-type': 'edge' } },
    });
    const cache = cacheWith([node('a'), node('b', { labels: { 'node-type': 'edge', zone: 'n' } })], [], [rc]);
    assert.equal(place(cache, pod('p', { runtimeClassName: 'wasmedge' })), 'b');
    // The same key with the same value is no conflict; the pod's other keys still apply.
    assert.equal(
      place(
        cache,
        pod('p', { runtimeClassName: 'wasmedge', nodeSelector: { 'node-type': 'edge', zone: 'n' } }),
      ),
      'b',
    );
    assert.equal(
      place(cache, pod('p', { runtimeClassName: 'wasmedge', nodeSelector: { zone: 's' } })),
      '0/2 nodes are available: 1 lacks label node-type=edge, 1 lacks label zone=s.',
    );
  });

  it('merges scheduling.tolerations into the pod tolerations', () => {
    const cache = cacheWith([node('a', { taints: [edgeTaint] })]);
    assert.match(
      place(cache, pod('p', { runtimeClassName: 'wasmedge' })),
      /RuntimeClass "wasmedge" not found/,
    );
    cache.setRuntimeClass(
      runtimeClass('wasmedge', 'wasmedge', {
        scheduling: { tolerations: [{ key: 'edge-node', operator: 'Exists' }] },
      }),
    );
    assert.equal(place(cache, pod('p', { runtimeClassName: 'wasmedge' })), 'a');
    assert.equal(
      place(cache, pod('p')),
      '0/1 nodes are available: 1 has taint edge-node=true:NoSchedule that the pod does not tolerate.',
    );
  });

  it('a RuntimeClass removed later makes its pods unschedulable again', () => {
    const cache = cacheWith([node('a')], [], [runtimeClass('wasmedge', 'wasmedge')]);
    assert.equal(place(cache, pod('p', { runtimeClassName: 'wasmedge' })), 'a');
    cache.removeRuntimeClass('wasmedge');
    assert.equal(
      place(cache, pod('p', { runtimeClassName: 'wasmedge' })),
      '0/1 nodes are available: RuntimeClass "wasmedge" not found.',
    );
  });
});
