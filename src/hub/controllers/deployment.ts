/**
 * Keeps each Deployment's `replicas` pods from its template, replacing pods of an
 * older template with a rolling update bounded by maxSurge/maxUnavailable (or all
 * at once with Recreate). Edgewise owns pods straight from the Deployment; there
 * are no ReplicaSets.
 *
 * Edge rule: a pod on an unreachable node still counts as a replica. It is not
 * replaced unless it is deleted (by an opted-in eviction or by a user).
 */
import { deploymentType } from '../../api/kinds/apps.js';
import { podType } from '../../api/kinds/pod.js';
import type { PodTemplateSpec } from '../../api/kinds/pod-spec.js';
import type { KubeObject } from '../../api/object.js';
import { timestamp } from '../service/resource-service.js';
import { BY_OWNER, type Controller, type ControllerContext, ownerIndex } from './context.js';
import { Expectations } from './expectations.js';
import type { Informer } from './informer.js';
import {
  controllerOf,
  isPodReady,
  isTerminating,
  podFromTemplate,
  podPhase,
  randomSuffix,
  scaledValue,
  TEMPLATE_HASH_LABEL,
  templateHash,
} from './pods-from-template.js';
import { WorkQueue } from './work-queue.js';

export class DeploymentController implements Controller {
  readonly name = 'deployment';
  readonly #ctx: ControllerContext;
  readonly #deployments: Informer;
  readonly #pods: Informer;
  readonly #queue: WorkQueue;
  readonly #expectations: Expectations;

  constructor(ctx: ControllerContext) {
    this.#ctx = ctx;
    this.#deployments = ctx.informers.get(deploymentType.storage);
    this.#pods = ctx.informers.get(podType.storage);
    this.#pods.addIndex(BY_OWNER, ownerIndex);
    this.#expectations = new Expectations(this.#pods);
    const log = ctx.logger.child({ component: 'hub.deployment' });
    this.#queue = new WorkQueue((key) => this.#sync(key), log, { concurrency: 4 });
    this.#deployments.on({
      add: (d) => this.#enqueue(d),
      update: (d) => this.#enqueue(d),
    });
    const enqueueOwner = (pod: KubeObject) => {
      const owner = controllerOf(pod);
      if (owner?.kind === 'Deployment') this.#queue.add(`${pod.metadata.namespace ?? ''}/${owner.name}`);
    };
    this.#pods.on({ add: enqueueOwner, update: enqueueOwner, delete: enqueueOwner });
  }

  #enqueue(d: KubeObject): void {
    this.#queue.add(`${d.metadata.namespace ?? ''}/${d.metadata.name ?? ''}`);
  }

  async start(): Promise<void> {
    this.#queue.run();
    for (const d of this.#deployments.list()) this.#enqueue(d);
  }

  async stop(): Promise<void> {
    this.#queue.close();
  }

  /** For tests: resolves when no work is pending. */
  idle(): Promise<void> {
    return this.#queue.idle();
  }

  async #sync(key: string): Promise<void> {
    const [namespace = '', name = ''] = key.split('/');
    const deployment = this.#deployments.get(namespace, name);
    if (!deployment || isTerminating(deployment)) return;
    if (!this.#expectations.satisfied(deployment.metadata.uid ?? '')) {
      this.#queue.addAfter(key, 50);
      return;
    }
    const spec = deployment.spec as {
      replicas?: number;
      template: PodTemplateSpec;
      strategy?: { type?: string; rollingUpdate?: { maxSurge?: unknown; maxUnavailable?: unknown } };
    };
    const desired = spec.replicas ?? 1;
    const hash = templateHash(spec.template);
    const owned = this.#pods.byIndex(BY_OWNER, deployment.metadata.uid ?? '');
    const live = owned.filter((p) => !isTerminating(p) && !['Succeeded', 'Failed'].includes(podPhase(p)));
    const current = live.filter((p) => p.metadata.labels?.[TEMPLATE_HASH_LABEL] === hash);
    const old = live.filter((p) => p.metadata.labels?.[TEMPLATE_HASH_LABEL] !== hash);
    // Finished pods of a Deployment are replaced: they no longer serve.
    const finished = owned.filter((p) => !isTerminating(p) && ['Succeeded', 'Failed'].includes(podPhase(p)));
    for (const pod of finished) await this.#deletePod(pod);

    if (spec.strategy?.type === 'Recreate') {
      for (const pod of old) await this.#deletePod(pod);
      const stillStopping = owned.some((p) => p.metadata.labels?.[TEMPLATE_HASH_LABEL] !== hash);
      if (!stillStopping) await this.#scale(deployment, current, desired, hash, spec.template);
    } else {
      const maxSurge = scaledValue(spec.strategy?.rollingUpdate?.maxSurge, desired, true, 1);
      let maxUnavailable = scaledValue(spec.strategy?.rollingUpdate?.maxUnavailable, desired, false, 0);
      if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
      if (old.length === 0) {
        await this.#scale(deployment, current, desired, hash, spec.template);
      } else {
        const room = Math.max(0, desired + maxSurge - (current.length + old.length));
        const toCreate = Math.min(room, Math.max(0, desired - current.length));
        await this.#create(deployment, toCreate, hash, spec.template);
        // Unready old pods serve nobody: remove them first, then ready ones within the availability budget.
        const minAvailable = desired - maxUnavailable;
        let ready = [...current, ...old].filter(isPodReady).length;
        const oldByReadiness = [...old].sort((a, b) => Number(isPodReady(a)) - Number(isPodReady(b)));
        for (const pod of oldByReadiness) {
          if (isPodReady(pod)) {
            if (ready - 1 < minAvailable) break;
            ready--;
          }
          await this.#deletePod(pod);
        }
      }
    }
    await this.#writeStatus(deployment, owned, hash, desired);
  }

  async #scale(
    deployment: KubeObject,
    current: KubeObject[],
    desired: number,
    hash: string,
    template: PodTemplateSpec,
  ): Promise<void> {
    if (current.length < desired) {
      await this.#create(deployment, desired - current.length, hash, template);
    } else if (current.length > desired) {
      // Remove unscheduled, then unready, then the newest pods first, as Kubernetes ranks them.
      const ranked = [...current].sort(
        (a, b) =>
          rank(a) - rank(b) ||
          (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''),
      );
      for (const pod of ranked.slice(0, current.length - desired)) await this.#deletePod(pod);
    }
  }

  async #create(
    deployment: KubeObject,
    count: number,
    hash: string,
    template: PodTemplateSpec,
  ): Promise<void> {
    const base = `${deployment.metadata.name ?? ''}-${hash}`;
    for (let i = 0; i < count; i++) {
      const pod = podFromTemplate({ owner: deployment, template, name: `${base}-${randomSuffix()}`, hash });
      const created = await this.#ctx.service.create(
        podType,
        deployment.metadata.namespace ?? 'default',
        pod,
      );
      this.#expectations.created(
        deployment.metadata.uid ?? '',
        created.object.metadata.namespace ?? '',
        created.object.metadata.name ?? '',
      );
    }
    if (count > 0) {
      await this.#ctx.recorder.record(
        {
          apiVersion: deployment.apiVersion,
          kind: 'Deployment',
          namespace: deployment.metadata.namespace ?? 'default',
          name: deployment.metadata.name ?? '',
          ...(deployment.metadata.uid && { uid: deployment.metadata.uid }),
        },
        'Normal',
        'ScalingReplicaSet',
        `Created ${count} pod${count === 1 ? '' : 's'} from template ${hash}`,
        'deployment-controller',
      );
    }
  }

  async #deletePod(pod: KubeObject): Promise<void> {
    const owner = controllerOf(pod);
    if (owner) this.#expectations.deleted(owner.uid, pod.metadata.namespace ?? '', pod.metadata.name ?? '');
    try {
      await this.#ctx.service.delete(podType, pod.metadata.namespace ?? '', pod.metadata.name ?? '', {
        preconditions: { uid: pod.metadata.uid ?? '' },
      });
    } catch (err) {
      if ((err as { code?: string }).code !== 'EW_NOT_FOUND') throw err;
    }
  }

  async #writeStatus(
    deployment: KubeObject,
    owned: KubeObject[],
    hash: string,
    desired: number,
  ): Promise<void> {
    const live = owned.filter((p) => !isTerminating(p));
    const ready = live.filter(isPodReady).length;
    const updated = live.filter((p) => p.metadata.labels?.[TEMPLATE_HASH_LABEL] === hash).length;
    const now = timestamp(this.#ctx.now());
    const previous = (deployment.status ?? {}) as {
      conditions?: { type: string; status: string; lastTransitionTime?: string }[];
    };
    const condition = (type: string, ok: boolean, reason: string, message: string) => {
      const before = previous.conditions?.find((c) => c.type === type);
      const status = ok ? 'True' : 'False';
      return {
        type,
        status,
        reason,
        message,
        lastUpdateTime: now,
        lastTransitionTime: before?.status === status ? (before.lastTransitionTime ?? now) : now,
      };
    };
    const status = {
      observedGeneration: deployment.metadata.generation ?? 1,
      replicas: live.length,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: ready,
      unavailableReplicas: Math.max(0, desired - ready),
      conditions: [
        condition(
          'Available',
          ready >= desired,
          ready >= desired ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
          `${ready}/${desired} replicas ready`,
        ),
        condition(
          'Progressing',
          true,
          updated >= desired ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated',
          `${updated}/${desired} replicas run template ${hash}`,
        ),
      ],
    };
    const comparable = (s: unknown) =>
      JSON.stringify({
        ...(s as object),
        conditions: (
          s as { conditions?: { type: string; status: string; reason?: string; message?: string }[] }
        ).conditions?.map((c) => [c.type, c.status, c.reason, c.message]),
      });
    if (comparable(status) === comparable(deployment.status ?? {})) return;
    await this.#ctx.service.modify(
      deploymentType,
      deployment.metadata.namespace ?? '',
      deployment.metadata.name ?? '',
      (live) => ({ ...live, status }),
      {
        subresource: 'status',
      },
    );
  }
}

function rank(pod: KubeObject): number {
  if (!(pod.spec as { nodeName?: string }).nodeName) return 0;
  if (!isPodReady(pod)) return 1;
  return 2;
}
