/**
 * One placement decision: filter every node, rank the ones that pass, pick the best;
 * or explain why none passes. Pure and synchronous: it reads the cache and changes
 * nothing, so the controller decides when to assume, bind and record Events.
 */
import type { Pod } from '../../api/kinds/pod.js';
import type { SchedulingCache } from './cache.js';
import { explainNodeFailures, explainPodProblem, type PlacementFailure } from './explain.js';
import { planPod } from './pod-plan.js';
import { filterNode } from './predicates.js';
import { addToGroup, describeGroup, type NodeFailure, newGroup, type ReasonCode } from './reasons.js';
import { preferenceScore, type Rank, ranksBefore } from './scoring.js';

/** The outcome of `schedulePod`. */
export type Placement =
  | {
      readonly scheduled: true;
      readonly nodeName: string;
      /** Nodes that passed every filter. */
      readonly feasibleNodes: number;
      readonly totalNodes: number;
    }
  | { readonly scheduled: false; readonly failure: PlacementFailure };

/** Whether one node can take a pod, and if not, why (for DaemonSet-style per-node decisions). */
export type NodeFit =
  | { readonly fits: true }
  | { readonly fits: false; readonly code: ReasonCode; readonly message: string };

/**
 * Chooses a node for `pod`, ignoring `pod.spec.nodeName` (the controller only asks
 * for pods that are not bound yet).
 * @example
 * const placement = schedulePod(cache, pod);
 * if (placement.scheduled) cache.assumePod(pod, placement.nodeName);
 * else recordEvent(pod, 'FailedScheduling', placement.failure.message);
 */
export function schedulePod(cache: SchedulingCache, pod: Pod): Placement {
  const planned = planPod(pod, (name) => cache.runtimeClass(name));
  if (planned.problem)
    return { scheduled: false, failure: explainPodProblem(cache.nodeCount, planned.problem) };
  const plan = planned.plan;
  const onNodes = plan.owner === undefined ? undefined : cache.ownerNodeCounts(plan.owner);
  const inSites = plan.owner === undefined ? undefined : cache.ownerSiteCounts(plan.owner);

  // Reasons are only needed when no node fits, so collection stops at the first fit.
  let failures: NodeFailure[] | undefined = [];
  let feasible = 0;
  // Two Rank objects reused for the whole loop: no allocation per candidate.
  const best: Rank = { onNode: 0, inSite: 0, score: 0, name: '' };
  const candidate: Rank = { onNode: 0, inSite: 0, score: 0, name: '' };
  let found = false;
  const states = cache.nodeStates();
  for (const state of states) {
    const failure = filterNode(plan, state);
    if (failure) {
      failures?.push(failure);
      continue;
    }
    failures = undefined;
    feasible++;
    const onNode = onNodes?.get(state.name) ?? 0;
    const site = state.info?.site;
    // A node without a site label is a site of its own.
    const inSite = site === undefined ? onNode : (inSites?.get(site) ?? 0);
    // The spread tiers decide most comparisons, so the score is computed only on a tie.
    if (found && (onNode > best.onNode || (onNode === best.onNode && inSite > best.inSite))) continue;
    candidate.onNode = onNode;
    candidate.inSite = inSite;
    candidate.score = preferenceScore(plan, state);
    candidate.name = state.name;
    if (!found || ranksBefore(candidate, best)) {
      Object.assign(best, candidate);
      found = true;
    }
  }
  if (!found) return { scheduled: false, failure: explainNodeFailures(states.length, failures ?? []) };
  return { scheduled: true, nodeName: best.name, feasibleNodes: feasible, totalNodes: states.length };
}

/**
 * Whether `nodeName` passes every filter for `pod`. The message names the reason for
 * that one node: `node store-7-a lacks label node-type=edge`.
 */
export function checkNode(cache: SchedulingCache, pod: Pod, nodeName: string): NodeFit {
  const planned = planPod(pod, (name) => cache.runtimeClass(name));
  if (planned.problem) return { fits: false, code: planned.problem.code, message: planned.problem.message };
  const state = cache.nodeState(nodeName);
  if (!state) return { fits: false, code: 'NodeNotFound', message: `node ${nodeName} not found` };
  const failure = filterNode(planned.plan, state);
  if (!failure) return { fits: true };
  const group = newGroup(failure);
  addToGroup(group, failure);
  return { fits: false, code: failure.code, message: describeGroup(group, `node ${nodeName}`) };
}
