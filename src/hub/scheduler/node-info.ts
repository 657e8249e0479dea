/**
 * A Node, read once into the form the filters need. Node objects come from agents,
 * so every field is read defensively: a malformed one makes the node unfit with a
 * reason, never throws.
 */
import { asArray, asRecord } from '../../api/kinds/common.js';
import { type EdgeNode, SITE_LABEL, type Taint } from '../../api/kinds/node.js';
import { type NodeCapacity, readAllocatable } from './resources.js';
import { formatTaint } from './tolerations.js';

/** Ready, NotReady (Ready False/Unknown/missing) or Offline (Ready not True, reason NodeOffline). */
export type NodeReadiness = 'Ready' | 'NotReady' | 'Offline';

/** A taint with its display text computed once. */
export interface NodeTaint extends Taint {
  readonly text: string;
}

export interface NodeInfo {
  readonly name: string;
  readonly labels: ReadonlyMap<string, string>;
  /** The `edgewise.io/site` label, if any. */
  readonly site: string | undefined;
  readonly readiness: NodeReadiness;
  readonly unschedulable: boolean;
  /** NoSchedule and NoExecute taints: a pod must tolerate all of them to be placed. */
  readonly blockingTaints: readonly NodeTaint[];
  /** PreferNoSchedule taints: each one not tolerated lowers the node's score. */
  readonly preferTaints: readonly NodeTaint[];
  /** Allocatable amounts, or undefined when the node reports nonsense (see capacityProblem). */
  readonly capacity: NodeCapacity | undefined;
  readonly capacityProblem: string | undefined;
  /** Names from status.runtimeHandlers; `''` is the node's default handler. */
  readonly handlers: ReadonlySet<string>;
  /** The same, sorted, for messages. */
  readonly handlerList: readonly string[];
}

const EFFECTS = new Set(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);

export function compileNode(node: EdgeNode): NodeInfo {
  const name = node.metadata.name ?? '';
  const labels = stringMap(node.metadata.labels);
  const spec = asRecord(node.spec);
  const status = asRecord(node.status);
  const taints = readTaints(spec.taints);
  const blockingTaints = taints.filter((t) => t.effect !== 'PreferNoSchedule');
  const preferTaints = taints.filter((t) => t.effect === 'PreferNoSchedule');
  const handlers = new Set<string>();
  for (const h of asArray(status.runtimeHandlers)) {
    const handlerName = asRecord(h).name;
    if (typeof handlerName === 'string') handlers.add(handlerName);
  }
  const reading = readAllocatable(status.allocatable);
  return {
    name,
    labels,
    site: labels.get(SITE_LABEL) || undefined,
    readiness: readinessOf(status.conditions),
    unschedulable: spec.unschedulable === true,
    blockingTaints,
    preferTaints,
    capacity: reading.capacity,
    capacityProblem: reading.problem,
    handlers,
    handlerList: [...handlers].sort(),
  };
}

/** A node's `spec.taints`, skipping entries without a key or with an unknown effect. */
export function readTaints(taints: unknown): NodeTaint[] {
  const out: NodeTaint[] = [];
  for (const raw of asArray(taints)) {
    const t = asRecord(raw);
    if (typeof t.key !== 'string' || typeof t.effect !== 'string' || !EFFECTS.has(t.effect)) continue;
    const taint: Taint = { key: t.key, effect: t.effect as Taint['effect'] };
    if (typeof t.value === 'string') taint.value = t.value;
    if (typeof t.timeAdded === 'string') taint.timeAdded = t.timeAdded;
    out.push({ ...taint, text: formatTaint(taint) });
  }
  return out;
}

/** Mirrors `nodeDisplayStatus` in src/api/kinds/node.ts, so `get nodes` and messages agree. */
function readinessOf(conditions: unknown): NodeReadiness {
  const ready = asArray(conditions)
    .map(asRecord)
    .find((c) => c.type === 'Ready');
  if (!ready) return 'NotReady';
  if (ready.status === 'True') return 'Ready';
  return ready.reason === 'NodeOffline' ? 'Offline' : 'NotReady';
}

/** A Map: fast look-ups, and a label named like an Object member is just a label. */
function stringMap(value: unknown): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(asRecord(value))) {
    if (typeof v === 'string') out.set(k, v);
  }
  return out;
}
