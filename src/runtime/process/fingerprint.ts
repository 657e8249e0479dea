/**
 * A digest of everything in a WorkloadSpec that shapes the running process. A
 * restarted agent re-adopts a running workload only when the fingerprint matches;
 * otherwise the process runs something other than what is now asked for and is
 * replaced.
 */
import { createHash } from 'node:crypto';
import type { WorkloadSpec } from '../driver.js';

export function fingerprint(spec: WorkloadSpec): string {
  const shaped = {
    id: spec.id,
    command: spec.command,
    args: spec.args,
    // Sorted, so the order in which the agent resolved env sources does not matter.
    env: Object.entries(spec.env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    workDir: spec.workDir,
    logDir: spec.logDir,
    ports: spec.ports.map((p) => [p.name ?? '', p.containerPort, p.protocol, p.hostPort]),
    mounts: spec.mounts.map((m) => [m.hostPath, m.guestPath, m.readOnly]),
    memoryBytes: spec.limits.memoryBytes ?? null,
  };
  return `sha256:${createHash('sha256').update(JSON.stringify(shaped)).digest('hex')}`;
}
