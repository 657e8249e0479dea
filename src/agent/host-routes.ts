/**
 * The gateway's Host routing. A request on the node's gateway port is routed by
 * its Host header (port and trailing dot ignored, case-insensitive):
 *
 *   <workload>.<namespace>.<anything>    supply-chain-tracker.default.store-001.example
 *   <workload>.<namespace>               supply-chain-tracker.default
 *   <workload>                           supply-chain-tracker  (namespace default)
 *
 * `<workload>` is the Deployment or DaemonSet that owns the pod, or the pod's own
 * name. Several pods of one workload on the node share the traffic in turn. The
 * pod's first declared containerPort answers; `<port>.<workload>.<namespace>…`
 * (a number first, e.g. `9090.telemetry.default`) picks another of its ports.
 */
import type { HttpHandler } from '../runtime/driver.js';

export interface HostRoute {
  namespace: string;
  pod: string;
  /** Name of the controller owning the pod. */
  owner: string | undefined;
  /** In declaration order. */
  ports: { containerPort: number; handler: HttpHandler }[];
}

export class HostRoutes {
  /** `<namespace>/<pod>/<container>` → route. */
  readonly #routes = new Map<string, HostRoute>();
  #turn = 0;

  set(key: string, route: HostRoute): void {
    this.#routes.set(key, route);
  }

  delete(key: string): void {
    this.#routes.delete(key);
  }

  /** The handler for a Host header, or undefined. */
  match(hostHeader: string): HttpHandler | undefined {
    const labels = hostLabels(hostHeader);
    let port: number | undefined;
    if (labels.length > 1 && /^\d+$/.test(labels[0] as string)) port = Number(labels.shift());
    const [name, namespace = 'default'] = labels;
    if (!name) return undefined;
    const candidates: HttpHandler[] = [];
    for (const route of this.#routes.values()) {
      if (route.namespace !== namespace || (route.pod !== name && route.owner !== name)) continue;
      const p = port === undefined ? route.ports[0] : route.ports.find((x) => x.containerPort === port);
      if (p) candidates.push(p.handler);
    }
    if (candidates.length === 0) return undefined;
    this.#turn = (this.#turn + 1) % 1_000_000;
    return candidates[this.#turn % candidates.length];
  }

  /** What a 404 says: the scheme and the names this node serves. */
  explainMiss(hostHeader: string): string {
    const names = new Set<string>();
    for (const r of this.#routes.values()) names.add(`${r.owner ?? r.pod}.${r.namespace}`);
    const known = [...names].sort();
    return (
      `no workload on this node answers to host "${hostHeader}". ` +
      'Address workloads as <deployment-or-pod>.<namespace>[.<anything>]' +
      (known.length > 0 ? `; this node serves: ${known.join(', ')}` : '; this node serves no HTTP workloads')
    );
  }
}

function hostLabels(hostHeader: string): string[] {
  let host = hostHeader.trim().toLowerCase();
  if (host.startsWith('[')) return []; // an IPv6 literal names no workload
  host = host.replace(/:\d+$/, '').replace(/\.$/, '');
  return host ? host.split('.') : [];
}
