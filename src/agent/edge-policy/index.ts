/** Edge policy on the agent: OPA's data API over policies shipped as ConfigMaps, offline. See docs/edge-policy.md. */
export type { Bundle } from './bundle.js';
export type { DecisionOutcome } from './decider.js';
export { EdgePolicyFeature, edgePolicyFeature } from './feature.js';
export type { EdgePolicyAgentOptions } from './options.js';
export type { InputLogging } from './redaction.js';
export { STATUS_PATH } from './status-route.js';
