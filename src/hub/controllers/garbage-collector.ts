/**
 * Deletes pods whose controlling Deployment or DaemonSet is gone (background
 * cascading deletion), and Events older than their TTL.
 */
import { daemonSetType, deploymentType } from '../../api/kinds/apps.js';
import { eventType } from '../../api/kinds/core.js';
import { podType } from '../../api/kinds/pod.js';
import type { KubeObject } from '../../api/object.js';
import { EVENT_TTL_MS } from '../events.js';
import { BY_OWNER, type Controller, type ControllerContext, ownerIndex } from './context.js';
import type { Informer } from './informer.js';
import { controllerOf, isTerminating } from './pods-from-template.js';
import { WorkQueue } from './work-queue.js';

export class GarbageCollector implements Controller {
  readonly name = 'garbage-collector';
  readonly #ctx: ControllerContext;
  readonly #pods: Informer;
  readonly #owners: Map<string, Informer>;
  readonly #queue: WorkQueue;
  #sweep: NodeJS.Timeout | undefined;

  constructor(ctx: ControllerContext) {
    this.#ctx = ctx;
    this.#pods = ctx.informers.get(podType.storage);
    this.#pods.addIndex(BY_OWNER, ownerIndex);
    this.#owners = new Map([
      ['Deployment', ctx.informers.get(deploymentType.storage)],
      ['DaemonSet', ctx.informers.get(daemonSetType.storage)],
    ]);
    this.#queue = new WorkQueue((key) => this.#collect(key), ctx.logger.child({ component: 'hub.gc' }));
    const check = (pod: KubeObject) =>
      this.#queue.add(`${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`);
    this.#pods.on({ add: check, update: check });
    for (const informer of this.#owners.values()) {
      informer.on({
        delete: (owner) => this.#pods.byIndex(BY_OWNER, owner.metadata.uid ?? '').forEach(check),
      });
    }
  }

  async start(): Promise<void> {
    this.#queue.run();
    for (const pod of this.#pods.list())
      this.#queue.add(`${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`);
    this.#sweep = setInterval(() => void this.#sweepEvents(), 60_000);
    this.#sweep.unref();
  }

  async stop(): Promise<void> {
    if (this.#sweep) clearInterval(this.#sweep);
    this.#queue.close();
  }

  idle(): Promise<void> {
    return this.#queue.idle();
  }

  async #collect(key: string): Promise<void> {
    const [namespace = '', name = ''] = key.split('/');
    const pod = this.#pods.get(namespace, name);
    if (!pod || isTerminating(pod)) return;
    const owner = controllerOf(pod);
    const informer = owner && this.#owners.get(owner.kind);
    if (!owner || !informer) return;
    const live = informer.get(namespace, owner.name);
    if (live && live.metadata.uid === owner.uid) return;
    try {
      await this.#ctx.service.delete(podType, namespace, name, {
        preconditions: { uid: pod.metadata.uid ?? '' },
      });
    } catch (err) {
      if ((err as { code?: string }).code !== 'EW_NOT_FOUND') throw err;
    }
  }

  async #sweepEvents(): Promise<void> {
    const cutoff = this.#ctx.now().getTime() - EVENT_TTL_MS;
    try {
      const { items } = await this.#ctx.store.list(eventType.storage);
      for (const event of items) {
        const last = Date.parse(String(event.lastTimestamp ?? event.metadata.creationTimestamp ?? ''));
        if (Number.isFinite(last) && last < cutoff) {
          try {
            await this.#ctx.store.delete({
              resource: eventType.storage,
              namespace: event.metadata.namespace ?? '',
              name: event.metadata.name ?? '',
            });
          } catch (err) {
            if ((err as { code?: string }).code !== 'EW_NOT_FOUND') throw err;
          }
        }
      }
    } catch (err) {
      this.#ctx.logger.warn({ err: (err as Error).message }, 'event sweep failed');
    }
  }
}
