/**
 * Agents as real processes (`edgewise agent`), for the faults that need SIGKILL: their
 * local API address, and waiting for a started agent to be ready to take records.
 */
import { type AgentProcess, startAgentProcess, waitFor } from '../../support/fleet.js';

export interface EdgeProcess extends AgentProcess {
  /** EDGEWISE_AGENT_URL of this agent. */
  url: string;
}

export async function startEdge(
  dataDir: string,
  options: Parameters<typeof startAgentProcess>[1] = {},
): Promise<EdgeProcess> {
  const started = await startAgentProcess(dataDir, options);
  const url = await waitFor(
    'the agent to log its local API',
    () => /"localApi":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(started.output())?.[1],
  );
  return { ...started, url };
}
