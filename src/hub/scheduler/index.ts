/**
 * The placement engine: which node a pod goes to, or in plain words why none fits.
 * Pure and synchronous; the scheduler controller feeds the cache from watches, asks
 * for decisions, binds, and writes Events. Rules: docs/scheduling.md.
 */
export { type NodeUsage, SchedulingCache } from './cache.js';
export {
  type EvictionDecision,
  noExecuteEviction,
  OPT_IN_EVICTION_TAINTS,
  podEviction,
  TAINT_NOT_READY,
  TAINT_UNREACHABLE,
} from './eviction.js';
export type { PlacementFailure, ReasonGroup } from './explain.js';
export type { NodeReadiness } from './node-info.js';
export type { NodeReasonCode, PodReasonCode, ReasonCode } from './reasons.js';
export { REASON_CODES } from './reasons.js';
export { DEFAULT_HANDLER } from './runtime-class.js';
export { checkNode, type NodeFit, type Placement, schedulePod } from './scheduler.js';
export { WEIGHTS as SCORE_WEIGHTS } from './scoring.js';
export { tolerates } from './tolerations.js';
export type { RuntimeClass } from './types.js';
