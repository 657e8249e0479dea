/** Edge policy at the hub: shipping policy/data ConfigMaps to nodes, decision log audit. See docs/edge-policy.md. */
export type { DecisionQuery, DecisionSummary, Outcome, StoredDecision } from './decision-store.js';
export { DECISIONS_FILE, DecisionStore } from './decision-store.js';
export { DECISIONS_PATH } from './decisions-route.js';
export { EdgePolicyHubFeature, type EdgePolicyHubOptions, edgePolicyFeature } from './feature.js';
export { edgePolicyShippingRule, targetsNode } from './targeting.js';
