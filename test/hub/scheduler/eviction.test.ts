import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Taint } from '../../../src/api/kinds/node.js';
import type { Toleration } from '../../../src/api/kinds/pod-spec.js';
import {
  noExecuteEviction,
  podEviction,
  TAINT_NOT_READY,
  TAINT_UNREACHABLE,
} from '../../../src/hub/scheduler/index.js';
import { node, pod, runtimeClass } from './fixtures.js';

const unreachable: Taint = { key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: '2024-05-01T10:00:00Z' };
const notReady: Taint = { key: TAINT_NOT_READY, effect: 'NoExecute' };
const maintenance: Taint = { key: 'maintenance', value: 'now', effect: 'NoExecute' };

const optIn = (seconds: number, key = TAINT_UNREACHABLE): Toleration => ({
  key,
  operator: 'Exists',
  effect: 'NoExecute',
  tolerationSeconds: seconds,
});

describe('NoExecute eviction (edge rule)', () => {
  it('keeps pods on unreachable and not-ready nodes by default', () => {
    assert.deepEqual(noExecuteEviction([unreachable, notReady], []), { evict: false });
  });

  it('a pod opts in to replacement by tolerating unreachable with tolerationSeconds', () => {
    const d = noExecuteEviction([unreachable], [optIn(300)]);
    assert.deepEqual(d, {
      evict: true,
      afterSeconds: 300,
      taint: unreachable,
      message: 'node has taint node.kubernetes.io/unreachable:NoExecute, which the pod tolerates for 300s',
    });
  });

  it('tolerating without tolerationSeconds keeps the pod forever', () => {
    assert.deepEqual(noExecuteEviction([unreachable], [{ key: TAINT_UNREACHABLE, operator: 'Exists' }]), {
      evict: false,
    });
  });

  it('the opt-in is per taint: tolerating unreachable says nothing about not-ready', () => {
    assert.deepEqual(noExecuteEviction([notReady], [optIn(300)]), { evict: false });
    const d = noExecuteEviction([notReady], [optIn(60, TAINT_NOT_READY)]);
    assert.ok(d.evict);
    assert.equal(d.afterSeconds, 60);
  });

  it('a key-less NoExecute toleration with seconds opts in for every taint', () => {
    const d = noExecuteEviction(
      [unreachable],
      [{ operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }],
    );
    assert.ok(d.evict);
    assert.equal(d.afterSeconds, 30);
  });

  it('other NoExecute taints evict at once unless tolerated', () => {
    assert.deepEqual(noExecuteEviction([maintenance], []), {
      evict: true,
      afterSeconds: 0,
      taint: maintenance,
      message: 'node has taint maintenance=now:NoExecute that the pod does not tolerate',
    });
    assert.deepEqual(
      noExecuteEviction([maintenance], [{ key: 'maintenance', value: 'now', effect: 'NoExecute' }]),
      {
        evict: false,
      },
    );
    const later = noExecuteEviction([maintenance], [optIn(45, 'maintenance')]);
    assert.ok(later.evict);
    assert.equal(later.afterSeconds, 45);
  });

  it('zero or negative tolerationSeconds evict at once', () => {
    const d = noExecuteEviction([maintenance], [optIn(-5, 'maintenance')]);
    assert.ok(d.evict);
    assert.equal(d.afterSeconds, 0);
  });

  it('the earliest taint wins', () => {
    const d = noExecuteEviction([unreachable, maintenance], [optIn(300), optIn(120, 'maintenance')]);
    assert.ok(d.evict);
    assert.equal(d.afterSeconds, 120);
    assert.equal(d.taint.key, 'maintenance');
    const now = noExecuteEviction([unreachable, maintenance], [optIn(300)]);
    assert.ok(now.evict);
    assert.equal(now.afterSeconds, 0);
  });

  it('the first matching toleration counts, as in Kubernetes', () => {
    const tolerations: Toleration[] = [{ key: 'maintenance', operator: 'Exists' }, optIn(10, 'maintenance')];
    assert.deepEqual(noExecuteEviction([maintenance], tolerations), { evict: false });
  });

  it('NoSchedule and PreferNoSchedule taints never evict', () => {
    const taints: Taint[] = [
      { key: 'a', effect: 'NoSchedule' },
      { key: 'b', effect: 'PreferNoSchedule' },
    ];
    assert.deepEqual(noExecuteEviction(taints, []), { evict: false });
  });

  it('podEviction reads the node taints (keeping timeAdded) and the RuntimeClass tolerations', () => {
    const n = node('a', { taints: [unreachable] });
    assert.deepEqual(podEviction(pod('p'), n), { evict: false });
    const rc = runtimeClass('wasmedge', 'wasmedge', { scheduling: { tolerations: [optIn(600)] } });
    const d = podEviction(pod('p', { runtimeClassName: 'wasmedge' }), n, rc);
    assert.ok(d.evict);
    assert.equal(d.afterSeconds, 600);
    assert.equal(d.taint.timeAdded, '2024-05-01T10:00:00Z');
    const own = podEviction(pod('p', { tolerations: [optIn(120)] }), n, rc);
    assert.ok(own.evict);
    assert.equal(own.afterSeconds, 120);
  });
});
