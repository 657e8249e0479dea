/**
 * Host ports for containerPorts. A port with `hostPort` gets that port; otherwise
 * one is allocated from the node's range. Several pods (and, on one machine,
 * several local nodes) can then declare the same containerPort without colliding;
 * a process workload learns its port from PORT / EDGEWISE_PORT_<port>.
 */
import net from 'node:net';
import type { ContainerPort } from '../../api/kinds/pod-spec.js';
import type { HostPortRecord } from './records.js';

export interface PortRange {
  first: number;
  last: number;
}

export const DEFAULT_PORT_RANGE: PortRange = { first: 30000, last: 32767 };

export class PortAllocationError extends Error {
  override name = 'PortAllocationError';
}

export function allocateHostPorts(
  containers: { name: string; ports?: ContainerPort[] }[],
  used: Set<number>,
  range: PortRange,
): HostPortRecord[] {
  const out: HostPortRecord[] = [];
  const taken = new Set(used);
  let next = range.first;
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      const protocol = p.protocol === 'UDP' ? 'UDP' : 'TCP';
      let hostPort = p.hostPort && p.hostPort > 0 ? p.hostPort : 0;
      if (hostPort === 0) {
        while (next <= range.last && taken.has(next)) next++;
        if (next > range.last)
          throw new PortAllocationError(`no free host port in ${range.first}-${range.last}`);
        hostPort = next;
      } else if (taken.has(hostPort)) {
        throw new PortAllocationError(`host port ${hostPort} is already in use on this node`);
      }
      taken.add(hostPort);
      out.push({ container: c.name, containerPort: p.containerPort, hostPort, protocol });
    }
  }
  return out;
}

/** True when nothing on this machine listens on host:port. */
export function portIsFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * Allocates as allocateHostPorts does, skipping ports another program on the
 * machine already holds (allocated ones only; a requested hostPort is the user's).
 */
export async function allocateFreeHostPorts(
  containers: { name: string; ports?: ContainerPort[] }[],
  used: Set<number>,
  range: PortRange,
  host: string,
): Promise<HostPortRecord[]> {
  const avoid = new Set(used);
  for (let attempt = 0; attempt < 64; attempt++) {
    const ports = allocateHostPorts(containers, avoid, range);
    const requested = new Set(containers.flatMap((c) => (c.ports ?? []).map((p) => p.hostPort ?? 0)));
    let busy = false;
    for (const p of ports) {
      if (requested.has(p.hostPort)) continue;
      if (!(await portIsFree(p.hostPort, host))) {
        avoid.add(p.hostPort);
        busy = true;
      }
    }
    if (!busy) return ports;
  }
  throw new PortAllocationError(
    `no free host port in ${range.first}-${range.last}: other programs hold them`,
  );
}
