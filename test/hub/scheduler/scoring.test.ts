import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from '../../../src/api/kinds/pod.js';
import type { SchedulingCache } from '../../../src/hub/scheduler/index.js';
import { schedulePod } from '../../../src/hub/scheduler/index.js';
import { cacheWith, node, pod } from './fixtures.js';

/** Schedules the pods one after another, assuming each, and returns the chosen nodes. */
function placeAll(cache: SchedulingCache, pods: Pod[]): string[] {
  return pods.map((p) => {
    const placement = schedulePod(cache, p);
    assert.ok(placement.scheduled, placement.scheduled ? '' : placement.failure.message);
    cache.assumePod(p, placement.nodeName);
    return placement.nodeName;
  });
}

const replicas = (owner: string, n: number, extra: Parameters<typeof pod>[1] = {}) =>
  Array.from({ length: n }, (_, i) => pod(`${owner}-${i}`, { owner, cpu: '100m', memory: '64Mi', ...extra }));

describe('spreading replicas', () => {
  it('puts replicas of one owner on different nodes even when one node is much emptier', () => {
    const cache = cacheWith(
      [node('big', { cpu: '64', memory: '256Gi' }), node('small-1'), node('small-2')],
      [pod('other', { nodeName: 'small-1', cpu: '2', memory: '4Gi' })],
    );
    assert.deepEqual(placeAll(cache, replicas('web', 3)).sort(), ['big', 'small-1', 'small-2']);
    // The fourth goes back to the emptiest node.
    assert.deepEqual(placeAll(cache, [pod('web-3', { owner: 'web', cpu: '100m', memory: '64Mi' })]), ['big']);
  });

  it('spreads across sites before filling a second node in the same site', () => {
    const cache = cacheWith([
      node('a1', { site: 'store-a' }),
      node('a2', { site: 'store-a' }),
      node('b1', { site: 'store-b' }),
    ]);
    assert.deepEqual(placeAll(cache, replicas('web', 3)), ['a1', 'b1', 'a2']);
  });

  it('fewest on the node comes before fewest in the site', () => {
    const cache = cacheWith(
      [node('a1', { site: 'A' }), node('a2', { site: 'A' }), node('b1', { site: 'B' })],
      [
        pod('w-0', { owner: 'web', nodeName: 'a2' }),
        pod('w-1', { owner: 'web', nodeName: 'a2' }),
        pod('w-2', { owner: 'web', nodeName: 'b1' }),
      ],
    );
    // a1: 0 on node, 2 in site A; b1: 1 on node, 1 in site B.
    assert.deepEqual(placeAll(cache, [pod('w-3', { owner: 'web' })]), ['a1']);
  });

  it('a node without a site label is a site of its own', () => {
    const cache = cacheWith([node('a1', { site: 'A' }), node('a2', { site: 'A' }), node('lonely')]);
    assert.deepEqual(placeAll(cache, replicas('web', 2)), ['a1', 'lonely']);
  });

  it('other owners do not count as replicas', () => {
    const zero = { cpu: '0', memory: '0' };
    const cache = cacheWith([node('a'), node('b')], [pod('db-0', { owner: 'db', nodeName: 'a', ...zero })]);
    // db-0 requests nothing (explicit zeros get no scoring floor) and has another owner,
    // so a and b are equal for web-0 and the name decides.
    assert.deepEqual(placeAll(cache, [pod('web-0', { owner: 'web', ...zero })]), ['a']);
    // A second db replica does avoid a.
    assert.deepEqual(placeAll(cache, [pod('db-1', { owner: 'db', ...zero })]), ['b']);
  });

  it('keeps site counts right when a node moves to another site', () => {
    const cache = cacheWith(
      [node('a1', { site: 'A' }), node('b1', { site: 'B' }), node('b2', { site: 'B' })],
      [pod('w-0', { owner: 'web', nodeName: 'a1' })],
    );
    // b1 moves to site A: A now holds w-0 (on a1) and b1; B holds only b2.
    cache.updateNode(node('b1', { site: 'A' }));
    assert.deepEqual(placeAll(cache, [pod('w-1', { owner: 'web' })]), ['b2']);
  });
});

describe('preferences among equal spread', () => {
  it('prefers the node with the least requested resources', () => {
    const cache = cacheWith([node('a'), node('b')], [pod('x', { nodeName: 'a', cpu: '1', memory: '1Gi' })]);
    assert.deepEqual(placeAll(cache, [pod('p', { cpu: '100m', memory: '64Mi' })]), ['b']);
  });

  it('prefers balanced use of cpu and memory at equal free share', () => {
    // a: cpu 50% used, memory 0% → 75% free on average, unbalanced; b: 25%/25% → 75% free, balanced.
    const cache = cacheWith(
      [node('a'), node('b')],
      [
        pod('x', { nodeName: 'a', cpu: '2', memory: '0' }),
        pod('y', { nodeName: 'b', cpu: '1', memory: '2Gi' }),
      ],
    );
    assert.deepEqual(placeAll(cache, [pod('p', { cpu: '0', memory: '0' })]), ['b']);
  });

  it('request-less pods still spread (scoring counts a floor per container)', () => {
    const cache = cacheWith([node('a'), node('b')]);
    const placed = placeAll(cache, [pod('p1'), pod('p2'), pod('p3'), pod('p4')]);
    assert.deepEqual(placed, ['a', 'b', 'a', 'b']);
  });

  it('preferred node affinity, by weight', () => {
    const cache = cacheWith([
      node('a', { labels: { disk: 'hdd' } }),
      node('b', { labels: { disk: 'ssd' } }),
      node('c'),
    ]);
    const preferred = (weights: [string, number][]) => ({
      nodeAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: weights.map(([disk, weight]) => ({
          weight,
          preference: { matchExpressions: [{ key: 'disk', operator: 'In' as const, values: [disk] }] },
        })),
      },
    });
    assert.deepEqual(placeAll(cache, [pod('p1', { affinity: preferred([['ssd', 1]]) })]), ['b']);
    cache.removePod(pod('p1'));
    assert.deepEqual(
      placeAll(cache, [
        pod('p2', {
          affinity: preferred([
            ['ssd', 10],
            ['hdd', 90],
          ]),
        }),
      ]),
      ['a'],
    );
  });

  it('PreferNoSchedule taints lower a node unless tolerated', () => {
    const soft = { key: 'battery', value: 'low', effect: 'PreferNoSchedule' as const };
    const cache = cacheWith([node('a', { taints: [soft] }), node('b')]);
    assert.deepEqual(placeAll(cache, [pod('p1')]), ['b']);
    cache.removePod(pod('p1'));
    assert.deepEqual(
      placeAll(cache, [pod('p2', { tolerations: [{ key: 'battery', operator: 'Exists' }] })]),
      ['a'],
    );
  });

  it('spreading outranks soft preferences', () => {
    const cache = cacheWith([node('a'), node('b', { labels: { disk: 'ssd' } })]);
    const affinity = {
      nodeAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 100,
            preference: { matchExpressions: [{ key: 'disk', operator: 'In' as const, values: ['ssd'] }] },
          },
        ],
      },
    };
    assert.deepEqual(placeAll(cache, replicas('web', 2, { affinity })), ['b', 'a']);
  });

  it('breaks ties by node name, whatever the order nodes were added', () => {
    const cache = cacheWith([node('zeta'), node('alpha'), node('mid')]);
    assert.deepEqual(placeAll(cache, [pod('p', { cpu: '1' })]), ['alpha']);
  });
});
