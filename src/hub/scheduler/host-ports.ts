/**
 * Host ports: which a pod claims and which are taken on a node. Conflict rules follow
 * Kubernetes' `HostPortInfo`: same protocol and port, and the same address or either
 * side bound to every address (0.0.0.0).
 */
import type { PodSpec } from '../../api/kinds/pod-spec.js';
import type { HostPort } from './types.js';

const ANY_ADDRESS = '0.0.0.0';

/**
 * The host ports a pod claims. With `hostNetwork` every containerPort is a host port
 * (Kubernetes defaults hostPort to containerPort there); otherwise only explicit,
 * non-zero `hostPort`s count.
 */
export function podHostPorts(spec: PodSpec): HostPort[] {
  const ports: HostPort[] = [];
  for (const container of spec.containers ?? []) {
    for (const p of container.ports ?? []) {
      const port = p.hostPort || (spec.hostNetwork ? p.containerPort : 0);
      if (!port) continue;
      ports.push({ protocol: p.protocol ?? 'TCP', port, ip: normaliseIp(p.hostIP) });
    }
  }
  return ports;
}

function normaliseIp(ip: string | undefined): string {
  return !ip || ip === ANY_ADDRESS ? ANY_ADDRESS : ip;
}

/** `8080`, `53/UDP` or `10.0.0.5:8080`, as the failure message names a port. */
export function formatHostPort(p: HostPort): string {
  const address = p.ip === ANY_ADDRESS ? '' : `${p.ip}:`;
  const protocol = p.protocol === 'TCP' ? '' : `/${p.protocol}`;
  return `${address}${p.port}${protocol}`;
}

/** The host ports in use on one node, counted so two pods sharing one stay consistent. */
export class HostPortTable {
  // "TCP/8080" → address → how many pods claim it.
  readonly #used = new Map<string, Map<string, number>>();

  get size(): number {
    return this.#used.size;
  }

  add(ports: readonly HostPort[]): void {
    for (const p of ports) {
      const key = `${p.protocol}/${p.port}`;
      let byIp = this.#used.get(key);
      if (!byIp) {
        byIp = new Map();
        this.#used.set(key, byIp);
      }
      byIp.set(p.ip, (byIp.get(p.ip) ?? 0) + 1);
    }
  }

  remove(ports: readonly HostPort[]): void {
    for (const p of ports) {
      const key = `${p.protocol}/${p.port}`;
      const byIp = this.#used.get(key);
      const count = byIp?.get(p.ip);
      if (!byIp || count === undefined) continue;
      if (count > 1) byIp.set(p.ip, count - 1);
      else byIp.delete(p.ip);
      if (byIp.size === 0) this.#used.delete(key);
    }
  }

  /** The first of `ports` already taken on this node, or undefined. */
  firstConflict(ports: readonly HostPort[]): HostPort | undefined {
    if (this.#used.size === 0) return undefined;
    for (const p of ports) {
      const byIp = this.#used.get(`${p.protocol}/${p.port}`);
      if (!byIp) continue;
      if (p.ip === ANY_ADDRESS || byIp.has(ANY_ADDRESS) || byIp.has(p.ip)) return p;
    }
    return undefined;
  }
}
