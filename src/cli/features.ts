/**
 * The features a hub and an agent run with, in one place so `hub`, `up` and `agent`
 * cannot drift apart. Loaded on demand: a client verb never pays for them.
 */
import type { AgentFeature } from '../agent/feature.js';
import type { HubFeature } from '../hub/feature.js';

export async function hubFeatures(options: { store?: string } = {}): Promise<HubFeature[]> {
  const [modules, logs, edgePolicy, gatekeeper, ingest] = await Promise.all([
    import('../hub/modules/index.js'),
    import('../hub/logs/index.js'),
    import('../hub/edge-policy/index.js'),
    import('../hub/gatekeeper/index.js'),
    import('../hub/ingest/feature.js'),
  ]);
  return [
    modules.moduleStoreFeature(),
    logs.workloadLogsFeature(),
    edgePolicy.edgePolicyFeature(),
    gatekeeper.gatekeeperFeature(),
    ingest.dataIngestFeature({ ...(options.store && { store: options.store }) }),
  ];
}

export async function agentFeatures(): Promise<AgentFeature[]> {
  const [edgePolicy, streams] = await Promise.all([
    import('../agent/edge-policy/index.js'),
    import('../agent/streams/feature.js'),
  ]);
  return [edgePolicy.edgePolicyFeature(), streams.streamsFeature()];
}
