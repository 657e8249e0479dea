/**
 * Turns the per-node reasons of a failed decision into one sentence a user can act
 * on, in the spirit of Kubernetes' "0/5 nodes are available: …" but in plain words:
 *
 *   0/5 nodes are available: 3 lack label node-type=edge, 2 have insufficient memory
 *   (requests 512Mi, free 300Mi).
 *
 * Nodes are grouped by the first filter they failed; groups are listed by count, then
 * in filter order, then alphabetically. The same data comes back structured for
 * metrics and tests.
 */
import {
  addToGroup,
  describeGroup,
  type FailureGroup,
  groupSubKey,
  type NodeFailure,
  newGroup,
  REASON_CODES,
  type ReasonCode,
} from './reasons.js';

/** One group in a failure explanation. */
export interface ReasonGroup {
  readonly code: ReasonCode;
  /** Nodes that failed for this reason (all of them for a reason about the pod itself). */
  readonly count: number;
  /** The words for it, count included: `3 lack label node-type=edge`. */
  readonly text: string;
  /** What it is about: the label, taint, handler, port, resource name or capacity problem. */
  readonly subject?: string;
}

/** Why a pod could not be placed. */
export interface PlacementFailure {
  /** The full sentence for the pod's PodScheduled condition and the Event. */
  readonly message: string;
  readonly totalNodes: number;
  readonly reasons: readonly ReasonGroup[];
  /** Nodes per reason code, for metrics. */
  readonly counts: Readonly<Partial<Record<ReasonCode, number>>>;
}

const ORDER = new Map(REASON_CODES.map((code, i) => [code, i]));

/** Explains a decision in which every one of `totalNodes` nodes failed a filter. */
export function explainNodeFailures(totalNodes: number, failures: Iterable<NodeFailure>): PlacementFailure {
  if (totalNodes === 0)
    return explainPodProblem(0, { code: 'NoNodes', message: 'no nodes have joined the hub' });
  // code → sub-key → group; two levels so no key string is built per node.
  const byCode = new Map<string, Map<string, FailureGroup>>();
  for (const failure of failures) {
    let groups = byCode.get(failure.code);
    if (!groups) {
      groups = new Map();
      byCode.set(failure.code, groups);
    }
    const key = groupSubKey(failure);
    let group = groups.get(key);
    if (!group) {
      group = newGroup(failure);
      groups.set(key, group);
    }
    addToGroup(group, failure);
  }
  const groups = [...byCode.values()].flatMap((m) => [...m.values()]);
  const reasons = groups
    .map((g) => ({ group: g, text: describeGroup(g) }))
    .sort(
      (a, b) =>
        b.group.count - a.group.count ||
        (ORDER.get(a.group.failure.code) ?? 0) - (ORDER.get(b.group.failure.code) ?? 0) ||
        (a.text < b.text ? -1 : a.text > b.text ? 1 : 0),
    )
    .map(({ group, text }): ReasonGroup => {
      const subject = subjectOf(group.failure);
      return subject === undefined
        ? { code: group.failure.code, count: group.count, text }
        : { code: group.failure.code, count: group.count, text, subject };
    });
  return build(totalNodes, reasons);
}

/** Explains a decision ruled out by the pod itself, e.g. `RuntimeClass "wasmedge" not found`. */
export function explainPodProblem(
  totalNodes: number,
  problem: { code: ReasonCode; message: string },
): PlacementFailure {
  return build(totalNodes, [{ code: problem.code, count: totalNodes, text: problem.message }]);
}

function build(totalNodes: number, reasons: ReasonGroup[]): PlacementFailure {
  const counts: Partial<Record<ReasonCode, number>> = {};
  for (const r of reasons) counts[r.code] = (counts[r.code] ?? 0) + r.count;
  const message = `0/${totalNodes} nodes are available: ${reasons.map((r) => r.text).join(', ')}.`;
  return { message, totalNodes, reasons, counts };
}

function subjectOf(f: NodeFailure): string | undefined {
  switch (f.code) {
    case 'InsufficientCPU':
      return 'cpu';
    case 'InsufficientMemory':
      return 'memory';
    case 'TooManyPods':
      return 'pods';
    case 'NodeOffline':
    case 'NodeNotReady':
    case 'NodeUnschedulable':
      return undefined;
    default:
      return f.subject;
  }
}
