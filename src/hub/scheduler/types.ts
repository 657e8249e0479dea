/**
 * Shapes shared by the placement engine's parts. Everything here is plain data: the
 * engine never does I/O, so the controller that owns the store feeds it objects.
 */
import type { Toleration } from '../../api/kinds/pod-spec.js';
import type { KubeObject } from '../../api/object.js';

/**
 * A RuntimeClass (node.k8s.io/v1). src/api declares its schema (`runtimeClassType`)
 * but no TypeScript interface, so the scheduler names the fields it reads.
 */
export interface RuntimeClass extends KubeObject {
  handler: string;
  overhead?: { podFixed?: Record<string, string | number> };
  scheduling?: { nodeSelector?: Record<string, string>; tolerations?: Toleration[] };
}

/**
 * Amounts the scheduler compares: CPU in millicores, memory in bytes. Numbers, not
 * BigInts, so a decision over 5,000 nodes stays cheap; values are exact because they
 * come from quantity.ts as integers and are capped at 2^53−1 (8 PiB of memory, far
 * beyond any edge box), see `toSafeNumber`.
 */
export interface Resources {
  cpuMilli: number;
  memoryBytes: number;
}

/** A host port a pod claims on its node. `ip` is `0.0.0.0` for "every address". */
export interface HostPort {
  protocol: string;
  port: number;
  ip: string;
}

/** What a pod takes from a node while it is bound there and not terminated. */
export interface PodUsage {
  /** Requests summed as Kubernetes does (containers, init max, RuntimeClass overhead). */
  requests: Resources;
  /**
   * Requests with a floor for containers that set none (100m CPU, 200Mi memory, as
   * Kubernetes' scorers do); used only for scoring, so request-less pods still spread.
   */
  scoring: Resources;
  hostPorts: HostPort[];
}

/** Caps a BigInt amount at Number.MAX_SAFE_INTEGER so arithmetic on it stays exact. */
export function toSafeNumber(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
  if (value < BigInt(Number.MIN_SAFE_INTEGER)) return Number.MIN_SAFE_INTEGER;
  return Number(value);
}
