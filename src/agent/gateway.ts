/**
 * Serves in-process HTTP workloads (WAGI) on the node: each containerPort on its
 * host port. Workloads that bind their own sockets (process) need none of this.
 */
import http, { type Server } from 'node:http';
import type { Logger } from 'pino';
import type { ServedPort } from './reconciler/reconciler.js';

export interface GatewayOptions {
  logger: Logger;
  /** Address the ports are bound on. @default 0.0.0.0 */
  host?: string;
}

export class Gateway {
  readonly #log: Logger;
  readonly #host: string;
  /** `<namespace>/<pod>/<container>` → servers. */
  readonly #servers = new Map<string, { port: number; server: Server }[]>();

  constructor(options: GatewayOptions) {
    this.#log = options.logger.child({ component: 'agent.gateway' });
    this.#host = options.host ?? '0.0.0.0';
  }

  /** Replaces what a container serves; an empty list stops serving it. */
  serve(pod: string, container: string, ports: ServedPort[]): void {
    const key = `${pod}/${container}`;
    const existing = this.#servers.get(key) ?? [];
    const wanted = new Map(ports.map((p) => [p.hostPort, p]));
    const kept: { port: number; server: Server }[] = [];
    for (const entry of existing) {
      const next = wanted.get(entry.port);
      if (next) {
        // Same port, possibly a new handler (a restarted workload): swap it in place.
        entry.server.removeAllListeners('request');
        entry.server.on('request', next.handler);
        kept.push(entry);
        wanted.delete(entry.port);
      } else {
        entry.server.close();
      }
    }
    for (const p of wanted.values()) {
      const server = http.createServer(p.handler);
      server.on('error', (err) =>
        this.#log.error({ err: err.message, port: p.hostPort, pod, container }, 'cannot serve host port'),
      );
      server.listen(p.hostPort, this.#host);
      kept.push({ port: p.hostPort, server });
    }
    if (kept.length > 0) this.#servers.set(key, kept);
    else this.#servers.delete(key);
  }

  async close(): Promise<void> {
    const all = [...this.#servers.values()].flat();
    this.#servers.clear();
    await Promise.all(
      all.map(
        ({ server }) =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      ),
    );
  }
}
