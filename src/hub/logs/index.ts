/** `pods/log` through the agent link. */
export { type WorkloadLogsOptions, workloadLogsFeature } from './feature.js';
