/**
 * The environment a workload sees: exactly its spec's env over a minimal base, never
 * the agent's own environment (which may hold the agent's credentials).
 */
import type { WorkloadSpec } from '../driver.js';

/**
 * Base: `PATH` (the driver's, see options), `HOME` = workDir, and for each port
 * `EDGEWISE_PORT_<containerPort>` (and `EDGEWISE_PORT_<NAME>` when named) = hostPort,
 * because a process shares the host's network and must listen on the port the agent
 * chose. Anything in spec.env wins over the base.
 */
export function workloadEnv(spec: WorkloadSpec, defaultPath: string): Record<string, string> {
  const env: Record<string, string> = { PATH: defaultPath, HOME: spec.workDir };
  for (const port of spec.ports) {
    env[`EDGEWISE_PORT_${port.containerPort}`] = String(port.hostPort);
    if (port.name) env[`EDGEWISE_PORT_${envName(port.name)}`] = String(port.hostPort);
  }
  return Object.assign(env, spec.env);
}

function envName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}
