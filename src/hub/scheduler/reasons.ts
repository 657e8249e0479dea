/**
 * Why a pod cannot go to a node, as data (for metrics and tests) and as words (for
 * the pod's status and Events). One code per reason, in the order the filters run.
 */
import { formatBytes } from '../../api/quantity.js';
import { formatCpu } from './resources.js';

/** Reasons that rule out one node. */
export type NodeReasonCode =
  | 'NodeOffline'
  | 'NodeNotReady'
  | 'NodeUnschedulable'
  | 'InvalidCapacity'
  | 'NodeSelectorMismatch'
  | 'NodeAffinityMismatch'
  | 'TaintNotTolerated'
  | 'RuntimeHandlerMissing'
  | 'InsufficientCPU'
  | 'InsufficientMemory'
  | 'TooManyPods'
  | 'HostPortInUse';

/** Reasons that rule out every node at once: something about the pod itself, or no nodes. */
export type PodReasonCode = 'RuntimeClassNotFound' | 'RuntimeClassConflict' | 'InvalidRequests' | 'NoNodes';

/** Only from `checkNode`: the node asked about has no Node object in the cache. */
export type LookupReasonCode = 'NodeNotFound';

export type ReasonCode = PodReasonCode | NodeReasonCode | LookupReasonCode;

/** Filter order; also the tie-break order of groups with equal counts in a message. */
export const REASON_CODES: readonly ReasonCode[] = [
  'RuntimeClassNotFound',
  'RuntimeClassConflict',
  'InvalidRequests',
  'NoNodes',
  'NodeOffline',
  'NodeNotReady',
  'NodeUnschedulable',
  'InvalidCapacity',
  'NodeSelectorMismatch',
  'NodeAffinityMismatch',
  'TaintNotTolerated',
  'RuntimeHandlerMissing',
  'InsufficientCPU',
  'InsufficientMemory',
  'TooManyPods',
  'HostPortInUse',
  'NodeNotFound',
];

/** The first filter a node failed, with what the message needs to name. */
export type NodeFailure =
  | { readonly code: 'NodeOffline' | 'NodeNotReady' | 'NodeUnschedulable' }
  | {
      readonly code: 'InvalidCapacity' | 'NodeSelectorMismatch' | 'TaintNotTolerated' | 'HostPortInUse';
      /** `cpu "abc"`, `node-type=edge`, `edge-node=true:NoSchedule`, `8080`. */
      readonly subject: string;
    }
  | {
      readonly code: 'NodeAffinityMismatch';
      /** The failing requirement (`kubernetes.io/arch in (arm64)`) when there is one term. */
      readonly subject: string;
      readonly terms: number;
    }
  | { readonly code: 'RuntimeHandlerMissing'; readonly subject: string; readonly has: readonly string[] }
  | {
      readonly code: 'InsufficientCPU' | 'InsufficientMemory';
      readonly requested: number;
      readonly free: number;
    }
  | { readonly code: 'TooManyPods'; readonly limit: number };

export const OFFLINE: NodeFailure = Object.freeze({ code: 'NodeOffline' });
export const NOT_READY: NodeFailure = Object.freeze({ code: 'NodeNotReady' });
export const CORDONED: NodeFailure = Object.freeze({ code: 'NodeUnschedulable' });

/** How the default runtime handler (`''`) is shown. */
export const DEFAULT_HANDLER_TEXT = '<default>';

/** Several nodes that failed for the same reason, merged for the message. */
export interface FailureGroup {
  readonly failure: NodeFailure;
  count: number;
  /** Largest free amount among the nodes (insufficient cpu/memory). */
  free: number;
  /** Union of the nodes' handlers (missing runtime handler). */
  has: Set<string>;
}

/** An empty group for failures like `failure`; `addToGroup` counts each one in. */
export function newGroup(failure: NodeFailure): FailureGroup {
  return { failure, count: 0, free: Number.NEGATIVE_INFINITY, has: new Set() };
}

export function addToGroup(group: FailureGroup, failure: NodeFailure): void {
  group.count++;
  switch (failure.code) {
    case 'InsufficientCPU':
    case 'InsufficientMemory':
      if (failure.free > group.free) group.free = failure.free;
      break;
    case 'RuntimeHandlerMissing':
      for (const h of failure.has) group.has.add(h);
      break;
  }
}

/**
 * What groups failures of one code: whatever the message names (empty when only the
 * code matters). Subjects are strings built once per plan or node, so this allocates
 * nothing in the common cases.
 */
export function groupSubKey(f: NodeFailure): string {
  switch (f.code) {
    case 'NodeOffline':
    case 'NodeNotReady':
    case 'NodeUnschedulable':
    case 'InsufficientCPU':
    case 'InsufficientMemory':
      return '';
    case 'TooManyPods':
      return String(f.limit);
    case 'NodeAffinityMismatch':
      return f.terms === 1 ? f.subject : `${f.terms} terms`;
    default:
      return f.subject;
  }
}

/**
 * The words for a group, with its count: `3 lack label node-type=edge`. `who` replaces
 * the count for a single node: `node store-7-a lacks label node-type=edge`.
 */
export function describeGroup(group: FailureGroup, who?: string): string {
  const n = group.count;
  const one = n === 1;
  const verb = (singular: string, plural: string) => `${who ?? n} ${one ? singular : plural}`;
  const f = group.failure;
  switch (f.code) {
    case 'NodeOffline':
      return verb('is offline', 'are offline');
    case 'NodeNotReady':
      return verb('is not ready', 'are not ready');
    case 'NodeUnschedulable':
      return verb('is cordoned (unschedulable)', 'are cordoned (unschedulable)');
    case 'InvalidCapacity':
      return `${verb('reports', 'report')} invalid capacity (${f.subject})`;
    case 'NodeSelectorMismatch':
      return `${verb('lacks', 'lack')} label ${f.subject}`;
    case 'NodeAffinityMismatch':
      return f.terms === 1
        ? `${verb('does', 'do')} not match node affinity ${f.subject}`
        : `${verb('matches', 'match')} none of the ${f.terms} node affinity terms`;
    case 'TaintNotTolerated':
      return `${verb('has', 'have')} taint ${f.subject} that the pod does not tolerate`;
    case 'RuntimeHandlerMissing': {
      const wanted = f.subject === '' ? 'the default runtime handler' : `runtime handler ${f.subject}`;
      const has = [...group.has].sort().map((h) => (h === '' ? DEFAULT_HANDLER_TEXT : h));
      return `${verb('lacks', 'lack')} ${wanted} (${one ? 'has' : 'have'} ${has.length ? has.join(', ') : 'none'})`;
    }
    case 'InsufficientCPU':
      return `${verb('has', 'have')} insufficient cpu (requests ${formatCpu(f.requested)}, free ${formatCpu(group.free)})`;
    case 'InsufficientMemory':
      return `${verb('has', 'have')} insufficient memory (requests ${formatBytes(f.requested)}, free ${formatBytes(Math.max(0, group.free))})`;
    case 'TooManyPods':
      return `${verb('has', 'have')} no room for more pods (limit ${f.limit})`;
    case 'HostPortInUse':
      return `${verb('has', 'have')} no free host port ${f.subject}`;
  }
}
