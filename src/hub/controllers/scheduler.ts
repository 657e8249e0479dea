/**
 * Binds pending pods to nodes with the placement engine, and says in the pod's
 * status and an Event why a pod cannot be placed. Unplaceable pods are retried
 * whenever the fleet changes (a node joins or changes, a pod goes away) and on a
 * slow timer.
 */
import { runtimeClassType } from '../../api/kinds/edge.js';
import { type EdgeNode, nodeType } from '../../api/kinds/node.js';
import { type Pod, podType } from '../../api/kinds/pod.js';
import type { KubeObject } from '../../api/object.js';
import { type RuntimeClass, SchedulingCache, schedulePod } from '../scheduler/index.js';
import { timestamp } from '../service/resource-service.js';
import type { Controller, ControllerContext } from './context.js';
import type { Informer } from './informer.js';
import { isTerminating } from './pods-from-template.js';
import { WorkQueue } from './work-queue.js';

const RETRY_UNSCHEDULABLE_MS = 30_000;

function key(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
}

function pending(pod: KubeObject): boolean {
  return !(pod.spec as { nodeName?: string }).nodeName && !isTerminating(pod);
}

export class SchedulerController implements Controller {
  readonly name = 'scheduler';
  /** Shared with the DaemonSet controller, which asks whether a node fits. */
  readonly cache = new SchedulingCache();
  readonly #ctx: ControllerContext;
  readonly #pods: Informer;
  readonly #queue: WorkQueue;
  readonly #unschedulable = new Set<string>();
  #retry: NodeJS.Timeout | undefined;
  #retryPending = false;

  constructor(ctx: ControllerContext) {
    this.#ctx = ctx;
    this.#pods = ctx.informers.get(podType.storage);
    const nodes = ctx.informers.get(nodeType.storage);
    const runtimeClasses = ctx.informers.get(runtimeClassType.storage);
    this.#queue = new WorkQueue((k) => this.#schedule(k), ctx.logger.child({ component: 'hub.scheduler' }));
    nodes.on({
      add: (n) => this.#nodeChanged(n),
      update: (n) => this.#nodeChanged(n),
      delete: (n) => this.cache.removeNode(n.metadata.name ?? ''),
    });
    runtimeClasses.on({
      add: (rc) => this.#runtimeClassChanged(rc),
      update: (rc) => this.#runtimeClassChanged(rc),
      delete: (rc) => this.cache.removeRuntimeClass(rc.metadata.name ?? ''),
    });
    this.#pods.on({
      add: (p) => this.#podChanged(p),
      update: (p) => this.#podChanged(p),
      delete: (p) => {
        this.cache.removePod(p as Pod);
        this.#unschedulable.delete(key(p));
        this.#retryUnschedulable();
      },
    });
  }

  #nodeChanged(node: KubeObject): void {
    this.cache.updateNode(node as EdgeNode);
    this.#retryUnschedulable();
  }

  #runtimeClassChanged(rc: KubeObject): void {
    this.cache.setRuntimeClass(rc as RuntimeClass);
    this.#retryUnschedulable();
  }

  #podChanged(pod: KubeObject): void {
    if (pending(pod)) {
      this.#queue.add(key(pod));
      return;
    }
    this.#unschedulable.delete(key(pod));
    const wasCounted = this.cache.addPod(pod as Pod);
    // A pod finishing frees room for others.
    if (!wasCounted) this.#retryUnschedulable();
  }

  /** Batches a burst of fleet changes into one retry of every unschedulable pod. */
  #retryUnschedulable(): void {
    if (this.#retryPending || this.#unschedulable.size === 0) return;
    this.#retryPending = true;
    setTimeout(() => {
      this.#retryPending = false;
      for (const k of this.#unschedulable) this.#queue.add(k);
    }, 100).unref();
  }

  async start(): Promise<void> {
    this.#queue.run();
    for (const pod of this.#pods.list(pending)) this.#queue.add(key(pod));
    this.#retry = setInterval(() => {
      for (const k of this.#unschedulable) this.#queue.add(k);
    }, RETRY_UNSCHEDULABLE_MS);
    this.#retry.unref();
  }

  async stop(): Promise<void> {
    if (this.#retry) clearInterval(this.#retry);
    this.#queue.close();
  }

  idle(): Promise<void> {
    return this.#queue.idle();
  }

  async #schedule(k: string): Promise<void> {
    const [namespace = '', name = ''] = k.split('/');
    const pod = this.#pods.get(namespace, name);
    if (!pod || !pending(pod)) return;
    const placement = schedulePod(this.cache, pod as Pod);
    if (placement.scheduled) {
      this.cache.assumePod(pod as Pod, placement.nodeName);
      try {
        await this.#bind(pod, placement.nodeName);
      } catch (err) {
        this.cache.removePod(pod as Pod);
        throw err;
      }
      this.#unschedulable.delete(k);
      return;
    }
    this.#unschedulable.add(k);
    await this.#markUnschedulable(pod, placement.failure.message);
  }

  async #bind(pod: KubeObject, nodeName: string): Promise<void> {
    const { service } = this.#ctx;
    const ns = pod.metadata.namespace ?? '';
    const name = pod.metadata.name ?? '';
    await service.modify(podType, ns, name, (live) => {
      if (live.metadata.uid !== pod.metadata.uid) throw new Error('pod was replaced while being scheduled');
      return { ...live, spec: { ...(live.spec as object), nodeName } };
    });
    await service.modify(
      podType,
      ns,
      name,
      (live) => ({ ...live, status: withCondition(live, 'True', undefined, undefined, this.#ctx.now()) }),
      {
        subresource: 'status',
      },
    );
    await this.#ctx.recorder.record(
      involved(pod),
      'Normal',
      'Scheduled',
      `Successfully assigned ${ns}/${name} to ${nodeName}`,
      'edgewise-scheduler',
    );
  }

  async #markUnschedulable(pod: KubeObject, message: string): Promise<void> {
    const current = (
      (pod.status as { conditions?: { type: string; message?: string }[] } | undefined)?.conditions ?? []
    ).find((c) => c.type === 'PodScheduled');
    if (current?.message !== message) {
      await this.#ctx.service.modify(
        podType,
        pod.metadata.namespace ?? '',
        pod.metadata.name ?? '',
        (live) => ({
          ...live,
          status: withCondition(live, 'False', 'Unschedulable', message, this.#ctx.now()),
        }),
        { subresource: 'status' },
      );
    }
    await this.#ctx.recorder.record(
      involved(pod),
      'Warning',
      'FailedScheduling',
      message,
      'edgewise-scheduler',
    );
  }
}

function involved(pod: KubeObject) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    namespace: pod.metadata.namespace ?? 'default',
    name: pod.metadata.name ?? '',
    ...(pod.metadata.uid && { uid: pod.metadata.uid }),
  };
}

function withCondition(
  pod: KubeObject,
  status: 'True' | 'False',
  reason: string | undefined,
  message: string | undefined,
  now: Date,
): Record<string, unknown> {
  const current = { ...((pod.status as Record<string, unknown> | undefined) ?? {}) };
  const conditions = (
    (current.conditions as { type: string; status: string; lastTransitionTime?: string }[] | undefined) ?? []
  ).filter((c) => c.type !== 'PodScheduled');
  const previous = (
    (current.conditions as { type: string; status: string; lastTransitionTime?: string }[] | undefined) ?? []
  ).find((c) => c.type === 'PodScheduled');
  conditions.push({
    type: 'PodScheduled',
    status,
    ...(reason && { reason }),
    ...(message && { message }),
    lastProbeTime: null,
    lastTransitionTime:
      previous?.status === status ? (previous.lastTransitionTime ?? timestamp(now)) : timestamp(now),
  } as { type: string; status: string });
  current.conditions = conditions;
  current.phase ??= 'Pending';
  return current;
}
