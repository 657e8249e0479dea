/**
 * The filters, in the order they run. A node must pass all of them; the first one it
 * fails is the reason reported for it. Node-state checks come first (a user fixes an
 * offline node differently from a missing label), then the pod's constraints, then
 * the amounts, which change from one decision to the next.
 */

import { formatHostPort } from './host-ports.js';
import { failingRequirement } from './node-affinity.js';
import type { NodeState } from './node-state.js';
import type { PodPlan } from './pod-plan.js';
import { CORDONED, NOT_READY, type NodeFailure, OFFLINE } from './reasons.js';
import { firstUntolerated } from './tolerations.js';

/** The first filter `state`'s node fails for `plan`, or undefined when the pod fits. */
export function filterNode(plan: PodPlan, state: NodeState): NodeFailure | undefined {
  const info = state.info;
  if (!info) return NOT_READY;
  if (info.readiness === 'Offline') return OFFLINE;
  if (info.readiness === 'NotReady') return NOT_READY;
  if (info.unschedulable) return CORDONED;
  if (!info.capacity) return { code: 'InvalidCapacity', subject: info.capacityProblem ?? 'unknown' };

  const labels = info.labels;
  for (const entry of plan.selector) {
    if (labels.get(entry.key) !== entry.value) return entry.failure;
  }
  if (plan.required !== undefined) {
    const failure = affinityFailure(plan, info.name, labels);
    if (failure) return failure;
  }
  if (info.blockingTaints.length > 0) {
    const taint = firstUntolerated(info.blockingTaints, plan.tolerations);
    if (taint) return { code: 'TaintNotTolerated', subject: taint.text };
  }
  if (!info.handlers.has(plan.handler)) {
    return { code: 'RuntimeHandlerMissing', subject: plan.handler, has: info.handlerList };
  }

  const capacity = info.capacity;
  const { requests } = plan.usage;
  const freeCpu = capacity.cpuMilli - state.requested.cpuMilli;
  if (requests.cpuMilli > freeCpu)
    return { code: 'InsufficientCPU', requested: requests.cpuMilli, free: freeCpu };
  const freeMemory = capacity.memoryBytes - state.requested.memoryBytes;
  if (requests.memoryBytes > freeMemory) {
    return { code: 'InsufficientMemory', requested: requests.memoryBytes, free: freeMemory };
  }
  if (capacity.maxPods !== undefined && state.pods + 1 > capacity.maxPods) {
    return { code: 'TooManyPods', limit: capacity.maxPods };
  }
  if (plan.usage.hostPorts.length > 0) {
    const taken = state.hostPorts.firstConflict(plan.usage.hostPorts);
    if (taken) return { code: 'HostPortInUse', subject: formatHostPort(taken) };
  }
  return undefined;
}

function affinityFailure(
  plan: PodPlan,
  nodeName: string,
  labels: ReadonlyMap<string, string>,
): NodeFailure | undefined {
  const terms = plan.required ?? [];
  let first: NodeFailure | undefined;
  for (const term of terms) {
    const failing = failingRequirement(term, nodeName, labels);
    if (failing === undefined) return undefined;
    first ??= { code: 'NodeAffinityMismatch', subject: failing?.text ?? '(empty term)', terms: terms.length };
  }
  // Kubernetes: a required affinity with no terms matches no node.
  return first ?? { code: 'NodeAffinityMismatch', subject: '(no terms)', terms: 1 };
}
