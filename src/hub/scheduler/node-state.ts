/**
 * One node as the cache tracks it: the compiled Node plus what the pods bound to it
 * take. Kept apart from the cache so the scheduler's per-node reads are plain fields.
 */
import { HostPortTable } from './host-ports.js';
import type { NodeInfo } from './node-info.js';
import type { PodUsage, Resources } from './types.js';

/** One node's entry. `info` is undefined for a node known only through pods bound to it. */
export class NodeState {
  info: NodeInfo | undefined;
  readonly name: string;
  /** Sum of the requests of the pods counted here. */
  readonly requested: Resources = { cpuMilli: 0, memoryBytes: 0 };
  /** The same with the scoring floor for request-less containers. */
  readonly scoring: Resources = { cpuMilli: 0, memoryBytes: 0 };
  pods = 0;
  /** Position in the cache's list of known nodes, or −1. */
  index = -1;
  readonly hostPorts = new HostPortTable();
  /** Owner uid → pods of that owner on this node. */
  readonly owners = new Map<string, number>();

  constructor(name: string) {
    this.name = name;
  }

  /** Counts a pod's usage in (sign 1) or out (sign −1). */
  apply(usage: PodUsage, sign: 1 | -1): void {
    this.requested.cpuMilli += sign * usage.requests.cpuMilli;
    this.requested.memoryBytes += sign * usage.requests.memoryBytes;
    this.scoring.cpuMilli += sign * usage.scoring.cpuMilli;
    this.scoring.memoryBytes += sign * usage.scoring.memoryBytes;
    this.pods += sign;
    if (sign > 0) this.hostPorts.add(usage.hostPorts);
    else this.hostPorts.remove(usage.hostPorts);
  }
}
