import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EdgewiseError } from '../../../src/api/errors.js';
import type { EdgeNode } from '../../../src/api/kinds/node.js';
import type { Pod } from '../../../src/api/kinds/pod.js';
import { type RuntimeClass, SchedulingCache, schedulePod } from '../../../src/hub/scheduler/index.js';
import { cacheWith, node, pod, runtimeClass } from './fixtures.js';

/** A small deterministic PRNG (mulberry32), so a failure reproduces. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('SchedulingCache', () => {
  it('incremental updates give the same usage and decisions as a cache rebuilt from scratch', () => {
    const rnd = random(20240501);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T;
    const nodeNames = Array.from({ length: 8 }, (_, i) => `n${i}`);
    const sites = ['s0', 's1', 's2', undefined];
    const owners = ['o0', 'o1', 'o2', undefined];

    const nodes = new Map<string, EdgeNode>();
    const pods = new Map<string, Pod>();
    let rc: RuntimeClass | undefined;
    const cache = new SchedulingCache();

    const randomNode = (name: string) => {
      const site = pick(sites);
      return node(name, {
        cpu: pick(['2', '4', '8']),
        memory: pick(['4Gi', '8Gi']),
        ready: rnd() < 0.9 ? 'True' : 'False',
        ...(site ? { site } : {}),
      });
    };
    const randomPod = (name: string) => {
      const owner = pick(owners);
      return pod(name, {
        nodeName: pick(nodeNames),
        cpu: `${Math.floor(rnd() * 500)}m`,
        memory: `${Math.floor(rnd() * 512)}Mi`,
        phase: rnd() < 0.1 ? 'Succeeded' : 'Running',
        ...(owner ? { owner } : {}),
        ...(rnd() < 0.3 ? { runtimeClassName: 'rc' } : {}),
        ...(rnd() < 0.2 ? { hostPorts: [{ hostPort: pick([80, 443]) }] } : {}),
      });
    };

    for (let step = 0; step < 1500; step++) {
      const r = rnd();
      if (r < 0.15) {
        const n = randomNode(pick(nodeNames));
        nodes.set(n.metadata.name as string, n);
        cache.updateNode(n);
      } else if (r < 0.2) {
        const name = pick(nodeNames);
        nodes.delete(name);
        cache.removeNode(name);
      } else if (r < 0.65) {
        const p = randomPod(`p${Math.floor(rnd() * 40)}`);
        pods.set(p.metadata.name as string, p);
        cache.addPod(p);
      } else if (r < 0.72) {
        const p = randomPod(`p${Math.floor(rnd() * 40)}`);
        const target = p.spec.nodeName as string;
        delete p.spec.nodeName;
        cache.assumePod(p, target);
        pods.set(p.metadata.name as string, { ...p, spec: { ...p.spec, nodeName: target } });
      } else if (r < 0.92) {
        const name = `p${Math.floor(rnd() * 40)}`;
        pods.delete(name);
        cache.removePod(pod(name));
      } else if (r < 0.97) {
        rc = runtimeClass('rc', 'wasmedge', {
          overhead: { podFixed: { cpu: `${Math.floor(rnd() * 100)}m`, memory: '16Mi' } },
        });
        cache.setRuntimeClass(rc);
      } else {
        rc = undefined;
        cache.removeRuntimeClass('rc');
      }

      const fresh = cacheWith([...nodes.values()], [...pods.values()], rc ? [rc] : []);
      assert.equal(cache.nodeCount, fresh.nodeCount, `step ${step}: node count`);
      assert.equal(cache.podCount, fresh.podCount, `step ${step}: pod count`);
      for (const name of nodeNames)
        assert.deepEqual(cache.usage(name), fresh.usage(name), `step ${step}: usage of ${name}`);
      for (const owner of owners) {
        const probe = pod('probe', {
          cpu: '300m',
          memory: '256Mi',
          hostPorts: [{ hostPort: 80 }],
          ...(owner ? { owner } : {}),
        });
        assert.deepEqual(
          schedulePod(cache, probe),
          schedulePod(fresh, probe),
          `step ${step}: decision for ${owner}`,
        );
      }
    }
  });

  it('rejects objects without a name with a typed error', () => {
    const cache = new SchedulingCache();
    const nameless = node('x');
    delete nameless.metadata.name;
    assert.throws(
      () => cache.updateNode(nameless),
      (err: unknown) => EdgewiseError.isCode(err, 'EW_INVALID'),
    );
    assert.throws(
      () => cache.assumePod(pod('p'), ''),
      (err: unknown) => EdgewiseError.isCode(err, 'EW_INVALID'),
    );
  });

  it('forgets a node entry only when neither the node nor its pods remain', () => {
    const cache = cacheWith([node('a')], [pod('x', { nodeName: 'a', cpu: '1' })]);
    cache.removeNode('a');
    assert.deepEqual(cache.usage('a'), { requested: { cpuMilli: 1000, memoryBytes: 0 }, pods: 1 });
    cache.removePod(pod('x'));
    assert.equal(cache.usage('a'), undefined);
  });
});
