/**
 * Whether a pod already running on a node must leave because of the node's NoExecute
 * taints, and when. Kubernetes' taint manager rule, with Edgewise's edge exception:
 *
 * - `node.kubernetes.io/unreachable` and `node.kubernetes.io/not-ready` (put on
 *   Offline/NotReady nodes by the node lifecycle controller) do NOT evict by default.
 *   The site is usually still serving, and a replacement elsewhere would not help its
 *   customers. A pod opts in to replacement by tolerating the taint with
 *   `tolerationSeconds`: it is evicted that many seconds after the taint appeared.
 * - Any other NoExecute taint evicts at once unless tolerated; tolerated with
 *   `tolerationSeconds`, after that many seconds; tolerated without, never.
 *
 * For each taint the first matching toleration counts (as in Kubernetes); the pod
 * leaves at the earliest time any taint demands.
 */
import type { EdgeNode, Taint } from '../../api/kinds/node.js';
import type { Pod } from '../../api/kinds/pod.js';
import type { Toleration } from '../../api/kinds/pod-spec.js';
import { readTaints } from './node-info.js';
import { findToleration, formatTaint, mergeTolerations } from './tolerations.js';
import type { RuntimeClass } from './types.js';

export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';

/** Taints that only evict pods that opt in (the edge rule). */
export const OPT_IN_EVICTION_TAINTS: ReadonlySet<string> = new Set([TAINT_UNREACHABLE, TAINT_NOT_READY]);

export type EvictionDecision =
  | { readonly evict: false }
  | {
      readonly evict: true;
      /** Seconds after the taint was added (`taint.timeAdded`); 0 means now. */
      readonly afterSeconds: number;
      /** The taint that sets the time. */
      readonly taint: Taint;
      /** For the Event: `node has taint dedicated=gpu:NoExecute that the pod does not tolerate`. */
      readonly message: string;
    };

const KEEP: EvictionDecision = Object.freeze({ evict: false });

/** The decision for `pod` on a node with `taints`, given the pod's effective tolerations. */
export function noExecuteEviction(
  taints: readonly Taint[],
  tolerations: readonly Toleration[],
): EvictionDecision {
  let decision: EvictionDecision = KEEP;
  for (const taint of taints) {
    if (taint.effect !== 'NoExecute') continue;
    const toleration = findToleration(tolerations, taint);
    let after: number | undefined;
    let message: string;
    if (!toleration) {
      if (OPT_IN_EVICTION_TAINTS.has(taint.key)) continue;
      after = 0;
      message = `node has taint ${formatTaint(taint)} that the pod does not tolerate`;
    } else {
      if (toleration.tolerationSeconds === undefined) continue;
      after = Math.max(0, toleration.tolerationSeconds);
      message = `node has taint ${formatTaint(taint)}, which the pod tolerates for ${after}s`;
    }
    if (!decision.evict || after < decision.afterSeconds) {
      decision = { evict: true, afterSeconds: after, taint, message };
    }
  }
  return decision;
}

/**
 * The decision for a bound pod on `node`, with the tolerations its RuntimeClass adds
 * (pass the pod's RuntimeClass if it has one).
 * @example
 * const d = podEviction(pod, node, cache.runtimeClass(pod.spec.runtimeClassName ?? ''));
 * if (d.evict) schedule(deletePod, Date.parse(d.taint.timeAdded ?? now) + d.afterSeconds * 1000);
 */
export function podEviction(pod: Pod, node: EdgeNode, runtimeClass?: RuntimeClass): EvictionDecision {
  const tolerations = mergeTolerations(
    pod.spec.tolerations ?? [],
    runtimeClass?.scheduling?.tolerations ?? [],
  );
  return noExecuteEviction(readTaints(node.spec?.taints), tolerations);
}
