/**
 * Ranking the nodes that pass every filter. The order, most important first:
 *
 * 1. fewest pods of the same owner on the node (spread replicas over nodes);
 * 2. fewest pods of the same owner in the node's site (spread over sites);
 * 3. the highest preference score, a weighted sum of 0–100 scores using Kubernetes'
 *    default plugin weights: least requested ×1, balanced allocation ×1, preferred
 *    node affinity ×2, PreferNoSchedule taints ×3;
 * 4. node name, so equal nodes are chosen the same way every time.
 *
 * Spreading comes before preferences because at the edge a replica's job is to keep
 * serving when a box or a site goes down; soft preferences only break the tie.
 */

import { matchesTerm } from './node-affinity.js';
import type { NodeState } from './node-state.js';
import type { PodPlan } from './pod-plan.js';
import { countUntolerated } from './tolerations.js';

export const WEIGHTS = Object.freeze({ leastRequested: 1, balanced: 1, nodeAffinity: 2, taints: 3 });

/** The sortable parts of a candidate. */
export interface Rank {
  onNode: number;
  inSite: number;
  score: number;
  name: string;
}

/** True when `a` ranks ahead of `b`. */
export function ranksBefore(a: Rank, b: Rank): boolean {
  if (a.onNode !== b.onNode) return a.onNode < b.onNode;
  if (a.inSite !== b.inSite) return a.inSite < b.inSite;
  if (a.score !== b.score) return a.score > b.score;
  return a.name < b.name;
}

/** The weighted preference score of a feasible node (tier 3 above). */
export function preferenceScore(plan: PodPlan, state: NodeState): number {
  return (
    resourceScore(plan, state) +
    WEIGHTS.nodeAffinity * affinityScore(plan, state) +
    WEIGHTS.taints * taintScore(plan, state)
  );
}

/**
 * Least requested (free share after placing the pod, averaged over cpu and memory)
 * plus balanced allocation (1 − the spread between the cpu and memory shares, as
 * Kubernetes' BalancedAllocation computes it for two resources), each 0–100.
 */
export function resourceScore(plan: PodPlan, state: NodeState): number {
  const capacity = state.info?.capacity;
  if (!capacity) return 0;
  const cpu = share(state.scoring.cpuMilli + plan.usage.scoring.cpuMilli, capacity.cpuMilli);
  const memory = share(state.scoring.memoryBytes + plan.usage.scoring.memoryBytes, capacity.memoryBytes);
  const leastRequested = ((1 - cpu + (1 - memory)) / 2) * 100;
  const balanced = (1 - Math.abs(cpu - memory) / 2) * 100;
  return WEIGHTS.leastRequested * leastRequested + WEIGHTS.balanced * balanced;
}

function share(used: number, allocatable: number): number {
  if (allocatable <= 0) return 1;
  return Math.min(1, used / allocatable);
}

/** Matched preferred-term weights as a share of all the pod's preferred weights, 0–100. */
export function affinityScore(plan: PodPlan, state: NodeState): number {
  const info = state.info;
  if (plan.preferredTotal === 0 || !info) return 0;
  let matched = 0;
  for (const p of plan.preferred) {
    if (matchesTerm(p.term, info.name, info.labels)) matched += p.weight;
  }
  return (matched / plan.preferredTotal) * 100;
}

/** 100 with no untolerated PreferNoSchedule taint, then 50, 33, … for 1, 2, … of them. */
export function taintScore(plan: PodPlan, state: NodeState): number {
  const taints = state.info?.preferTaints ?? [];
  if (taints.length === 0) return 100;
  return 100 / (1 + countUntolerated(taints, plan.tolerations));
}
