/**
 * Opt-in replacement of pods on unreachable nodes: a pod that tolerates
 * `node.kubernetes.io/unreachable:NoExecute` for `tolerationSeconds` is deleted
 * once that time has passed, so its Deployment places a replacement elsewhere. The
 * old pod stays Terminating until its node returns and its agent stops it.
 */
import type { EdgeNode } from '../../api/kinds/node.js';
import { type Pod, podType } from '../../api/kinds/pod.js';
import type { KubeObject } from '../../api/object.js';
import { podEviction, type SchedulingCache } from '../scheduler/index.js';
import type { ControllerContext } from './context.js';

export function createEvictor(ctx: ControllerContext, cache: SchedulingCache) {
  return async (node: KubeObject, pods: KubeObject[], unreachableSince: Date): Promise<void> => {
    const now = ctx.now().getTime();
    for (const pod of pods) {
      const rcName = (pod.spec as { runtimeClassName?: string }).runtimeClassName;
      const decision = podEviction(
        pod as Pod,
        node as EdgeNode,
        rcName ? cache.runtimeClass(rcName) : undefined,
      );
      if (!decision.evict) continue;
      const since = Date.parse(decision.taint.timeAdded ?? '') || unreachableSince.getTime();
      if (now < since + decision.afterSeconds * 1000) continue;
      try {
        await ctx.service.delete(podType, pod.metadata.namespace ?? '', pod.metadata.name ?? '', {
          preconditions: { uid: pod.metadata.uid ?? '' },
        });
        await ctx.recorder.record(
          {
            apiVersion: 'v1',
            kind: 'Pod',
            namespace: pod.metadata.namespace ?? 'default',
            name: pod.metadata.name ?? '',
            ...(pod.metadata.uid && { uid: pod.metadata.uid }),
          },
          'Normal',
          'TaintManagerEviction',
          decision.message,
          'node-lifecycle-controller',
        );
      } catch (err) {
        if ((err as { code?: string }).code !== 'EW_NOT_FOUND') throw err;
      }
    }
  };
}
