/**
 * Runs one pod of each DaemonSet on every node it fits (nodeSelector, affinity,
 * taints, runtime handler — the placement engine's node check), binding the pod to
 * the node directly. Pods on nodes that no longer fit go away; a new template
 * replaces pods node by node within maxUnavailable.
 *
 * Edge rule: a node that is merely offline or not ready keeps its pod; nothing is
 * created for it until it is back.
 */
import { daemonSetType } from '../../api/kinds/apps.js';
import { nodeType } from '../../api/kinds/node.js';
import { type Pod, podType } from '../../api/kinds/pod.js';
import type { PodTemplateSpec, Toleration } from '../../api/kinds/pod-spec.js';
import type { KubeObject } from '../../api/object.js';
import { checkNode, TAINT_NOT_READY, TAINT_UNREACHABLE } from '../scheduler/index.js';
import { BY_OWNER, type Controller, type ControllerContext, ownerIndex } from './context.js';
import { Expectations } from './expectations.js';
import type { Informer } from './informer.js';
import {
  controllerOf,
  isPodReady,
  isTerminating,
  podFromTemplate,
  randomSuffix,
  scaledValue,
  TEMPLATE_HASH_LABEL,
  templateHash,
} from './pods-from-template.js';
import type { SchedulerController } from './scheduler.js';
import { WorkQueue } from './work-queue.js';

/** Daemon pods tolerate what Kubernetes lets them tolerate, so a node's trouble never churns them. */
const DAEMON_TOLERATIONS: Toleration[] = [
  { key: TAINT_NOT_READY, operator: 'Exists', effect: 'NoExecute' },
  { key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

/** Node check outcomes that mean "fits, but not right now". */
const TRANSIENT = new Set(['NodeOffline', 'NodeNotReady']);

export class DaemonSetController implements Controller {
  readonly name = 'daemonset';
  readonly #ctx: ControllerContext;
  readonly #daemonSets: Informer;
  readonly #pods: Informer;
  readonly #nodes: Informer;
  readonly #scheduler: SchedulerController;
  readonly #queue: WorkQueue;
  readonly #expectations: Expectations;

  constructor(ctx: ControllerContext, scheduler: SchedulerController) {
    this.#ctx = ctx;
    this.#scheduler = scheduler;
    this.#daemonSets = ctx.informers.get(daemonSetType.storage);
    this.#pods = ctx.informers.get(podType.storage);
    this.#nodes = ctx.informers.get(nodeType.storage);
    this.#pods.addIndex(BY_OWNER, ownerIndex);
    this.#expectations = new Expectations(this.#pods);
    this.#queue = new WorkQueue((k) => this.#sync(k), ctx.logger.child({ component: 'hub.daemonset' }), {
      concurrency: 2,
    });
    const all = () => {
      for (const ds of this.#daemonSets.list()) this.#enqueue(ds);
    };
    this.#daemonSets.on({ add: (d) => this.#enqueue(d), update: (d) => this.#enqueue(d) });
    this.#nodes.on({ add: all, update: all, delete: all });
    const owner = (pod: KubeObject) => {
      const ref = controllerOf(pod);
      if (ref?.kind === 'DaemonSet') this.#queue.add(`${pod.metadata.namespace ?? ''}/${ref.name}`);
    };
    this.#pods.on({ add: owner, update: owner, delete: owner });
  }

  #enqueue(ds: KubeObject): void {
    this.#queue.add(`${ds.metadata.namespace ?? ''}/${ds.metadata.name ?? ''}`);
  }

  async start(): Promise<void> {
    this.#queue.run();
    for (const ds of this.#daemonSets.list()) this.#enqueue(ds);
  }

  async stop(): Promise<void> {
    this.#queue.close();
  }

  idle(): Promise<void> {
    return this.#queue.idle();
  }

  async #sync(k: string): Promise<void> {
    const [namespace = '', name = ''] = k.split('/');
    const ds = this.#daemonSets.get(namespace, name);
    if (!ds || isTerminating(ds)) return;
    const uid = ds.metadata.uid ?? '';
    if (!this.#expectations.satisfied(uid)) {
      this.#queue.addAfter(k, 50);
      return;
    }
    const spec = ds.spec as {
      template: PodTemplateSpec;
      updateStrategy?: { type?: string; rollingUpdate?: { maxUnavailable?: unknown } };
    };
    const template = withDaemonTolerations(spec.template);
    const hash = templateHash(spec.template);
    const owned = this.#pods.byIndex(BY_OWNER, uid).filter((p) => !isTerminating(p));
    const byNode = new Map<string, KubeObject[]>();
    for (const pod of owned) {
      const node = (pod.spec as { nodeName?: string }).nodeName ?? '';
      byNode.set(node, [...(byNode.get(node) ?? []), pod]);
    }
    let desired = 0;
    let misscheduled = 0;
    const toCreate: string[] = [];
    const toDelete: KubeObject[] = [];
    const outdated: KubeObject[] = [];
    for (const node of this.#nodes.list()) {
      const nodeName = node.metadata.name ?? '';
      const pods = byNode.get(nodeName) ?? [];
      byNode.delete(nodeName);
      const probe = podFromTemplate({ owner: ds, template, name: `${name}-probe`, hash });
      // The pod already on the node must not count against the node's own room.
      for (const p of pods) this.#scheduler.cache.removePod(p as Pod);
      const fit = checkNode(this.#scheduler.cache, probe as Pod, nodeName);
      for (const p of pods) this.#scheduler.cache.addPod(p as Pod);
      if (fit.fits || TRANSIENT.has(fit.code)) {
        desired++;
        if (pods.length === 0 && fit.fits) toCreate.push(nodeName);
        toDelete.push(...pods.slice(1));
        if (pods[0] && pods[0].metadata.labels?.[TEMPLATE_HASH_LABEL] !== hash) outdated.push(pods[0]);
      } else {
        misscheduled += pods.length;
        toDelete.push(...pods);
      }
    }
    // Pods on nodes that no longer exist.
    for (const pods of byNode.values()) toDelete.push(...pods);
    for (const nodeName of toCreate) {
      const pod = podFromTemplate({ owner: ds, template, name: `${name}-${randomSuffix()}`, hash, nodeName });
      const created = await this.#ctx.service.create(podType, namespace, pod);
      this.#expectations.created(uid, namespace, created.object.metadata.name ?? '');
    }
    if (spec.updateStrategy?.type !== 'OnDelete') {
      const maxUnavailable = Math.max(
        1,
        scaledValue(spec.updateStrategy?.rollingUpdate?.maxUnavailable, desired, false, 1),
      );
      const unavailable = owned.filter((p) => !isPodReady(p)).length;
      let budget = Math.max(0, maxUnavailable - unavailable);
      // Not-ready outdated pods go first: replacing them costs no availability.
      for (const pod of [...outdated].sort((a, b) => Number(isPodReady(a)) - Number(isPodReady(b)))) {
        if (isPodReady(pod)) {
          if (budget === 0) break;
          budget--;
        }
        toDelete.push(pod);
      }
    }
    for (const pod of toDelete) {
      this.#expectations.deleted(uid, namespace, pod.metadata.name ?? '');
      try {
        await this.#ctx.service.delete(podType, namespace, pod.metadata.name ?? '', {
          preconditions: { uid: pod.metadata.uid ?? '' },
        });
      } catch (err) {
        if ((err as { code?: string }).code !== 'EW_NOT_FOUND') throw err;
      }
    }
    const current = owned.length - toDelete.length + toCreate.length;
    const ready = owned.filter((p) => isPodReady(p) && !toDelete.includes(p)).length;
    const updated =
      owned.filter((p) => p.metadata.labels?.[TEMPLATE_HASH_LABEL] === hash && !toDelete.includes(p)).length +
      toCreate.length;
    const status = {
      observedGeneration: ds.metadata.generation ?? 1,
      desiredNumberScheduled: desired,
      currentNumberScheduled: Math.max(0, current),
      numberReady: ready,
      updatedNumberScheduled: updated,
      numberAvailable: ready,
      numberMisscheduled: misscheduled,
    };
    if (JSON.stringify(status) !== JSON.stringify(ds.status ?? {})) {
      await this.#ctx.service.modify(daemonSetType, namespace, name, (live) => ({ ...live, status }), {
        subresource: 'status',
      });
    }
  }
}

function withDaemonTolerations(template: PodTemplateSpec): PodTemplateSpec {
  const tolerations = [...(template.spec.tolerations ?? [])];
  for (const t of DAEMON_TOLERATIONS) {
    if (!tolerations.some((x) => x.key === t.key && x.effect === t.effect)) tolerations.push(t);
  }
  return { ...template, spec: { ...template.spec, tolerations } };
}
