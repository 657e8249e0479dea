/**
 * A pod read once per decision into what the filters and scorers compare: its merged
 * nodeSelector and tolerations, compiled affinity, requests, host ports, runtime
 * handler and owner. Building the plan is O(size of the pod), so the per-node work of
 * a decision stays a handful of look-ups.
 */

import type { Pod } from '../../api/kinds/pod.js';
import type { Toleration } from '../../api/kinds/pod-spec.js';
import { podHostPorts } from './host-ports.js';
import { type CompiledTerm, compileTerms } from './node-affinity.js';
import type { NodeFailure, PodReasonCode } from './reasons.js';
import { podRequests } from './resources.js';
import { resolveRuntime } from './runtime-class.js';
import type { PodUsage, RuntimeClass } from './types.js';

/** One nodeSelector entry, with the failure reported when a node lacks it (built once). */
export interface SelectorEntry {
  readonly key: string;
  readonly value: string;
  readonly failure: NodeFailure;
}

export interface PodPlan {
  readonly key: string;
  /** The controller owner's uid: replicas with the same owner are spread. */
  readonly owner: string | undefined;
  readonly handler: string;
  readonly selector: readonly SelectorEntry[];
  /** Required node affinity terms (OR'ed), or undefined when the pod has none. */
  readonly required: readonly CompiledTerm[] | undefined;
  readonly preferred: readonly { readonly weight: number; readonly term: CompiledTerm }[];
  /** Sum of preferred weights, to scale the affinity score to 0–100. */
  readonly preferredTotal: number;
  readonly tolerations: readonly Toleration[];
  readonly usage: PodUsage;
}

/** Something about the pod itself that rules out every node. */
export interface PodProblem {
  readonly code: PodReasonCode;
  readonly message: string;
}

export type PlanResult = { plan: PodPlan; problem?: undefined } | { plan?: undefined; problem: PodProblem };

export type RuntimeClassLookup = (name: string) => RuntimeClass | undefined;

/** The cache's key for a pod: `namespace/name`. */
export function podKey(pod: Pod): string {
  return `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
}

/**
 * The uid of the pod's controller (the ownerReference with `controller: true`, as
 * Kubernetes marks it), falling back to kind/namespace/name when the uid is missing.
 */
export function controllerOwner(pod: Pod): string | undefined {
  const ref = pod.metadata.ownerReferences?.find((r) => r.controller === true);
  if (!ref) return undefined;
  return ref.uid || `${ref.kind}/${pod.metadata.namespace ?? ''}/${ref.name}`;
}

/** Builds the plan, or says why no node can take the pod whatever the nodes are. */
export function planPod(pod: Pod, lookup: RuntimeClassLookup): PlanResult {
  const spec = pod.spec;
  const runtime = resolveRuntime(spec, lookup);
  if (runtime.problem) return { problem: runtime.problem };
  const { requirements } = runtime;
  const requested = podRequests(spec, requirements.overhead);
  if (requested.problem)
    return { problem: { code: 'InvalidRequests', message: `the pod's ${requested.problem}` } };

  const affinity = spec.affinity?.nodeAffinity;
  const requiredTerms = affinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  const preferred = (affinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [])
    .filter((p) => p.weight > 0)
    .map((p) => ({ weight: p.weight, term: compileTerms([p.preference])[0] as CompiledTerm }));
  return {
    plan: {
      key: podKey(pod),
      owner: controllerOwner(pod),
      handler: requirements.handler,
      selector: Object.entries(requirements.nodeSelector)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, value]) => ({
          key,
          value,
          failure: { code: 'NodeSelectorMismatch', subject: `${key}=${value}` },
        })),
      required: requiredTerms === undefined ? undefined : compileTerms(requiredTerms),
      preferred,
      preferredTotal: preferred.reduce((sum, p) => sum + p.weight, 0),
      tolerations: requirements.tolerations,
      usage: { requests: requested.requests, scoring: requested.scoring, hostPorts: podHostPorts(spec) },
    },
  };
}

/**
 * What a bound pod takes from its node. Lenient where planPod is strict: a pod
 * already running is counted with what can be read (an unreadable quantity as 0,
 * a missing RuntimeClass as no overhead), since refusing to count it would hide usage.
 */
export function usageOf(pod: Pod, lookup: RuntimeClassLookup): PodUsage {
  const className = pod.spec.runtimeClassName;
  const overhead = className ? lookup(className)?.overhead?.podFixed : undefined;
  const requested = podRequests(pod.spec, overhead);
  return { requests: requested.requests, scoring: requested.scoring, hostPorts: podHostPorts(pod.spec) };
}
