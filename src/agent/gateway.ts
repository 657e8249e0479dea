/**
 * Serves in-process HTTP workloads (WAGI) on the node: each containerPort on its
 * host port, and all of them on one shared gateway port routed by the Host header
 * (see host-routes.ts for the scheme). Workloads that bind their own sockets
 * (process) need none of this.
 */
import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { EdgewiseError } from '../api/errors.js';
import { HostRoutes } from './host-routes.js';
import type { ServedPort } from './reconciler/reconciler.js';

export interface GatewayOptions {
  logger: Logger;
  /** Address the host ports are bound on. @default 0.0.0.0 */
  host?: string;
  /** The shared port that routes by Host header; absent: none. Port 0 picks a free one. */
  shared?: { host: string; port: number };
  /** The controller (Deployment, DaemonSet) that owns a pod, so hosts can name it. */
  ownerOf?: (namespace: string, pod: string) => string | undefined;
}

export class Gateway {
  readonly #log: Logger;
  readonly #host: string;
  readonly #options: GatewayOptions;
  /** `<namespace>/<pod>/<container>` → servers. */
  readonly #servers = new Map<string, { port: number; server: Server }[]>();
  readonly routes = new HostRoutes();
  #shared: Server | undefined;
  #sharedAddress: { address: string; port: number } | undefined;

  constructor(options: GatewayOptions) {
    this.#log = options.logger.child({ component: 'agent.gateway' });
    this.#host = options.host ?? '0.0.0.0';
    this.#options = options;
  }

  /** Where the shared, host-routed port listens, once `listen()` resolved. */
  get shared(): { address: string; port: number } | undefined {
    return this.#sharedAddress;
  }

  /** Binds the shared gateway port, if one was asked for. Throws EW_UNAVAILABLE when it is taken. */
  async listen(): Promise<{ address: string; port: number } | undefined> {
    const wanted = this.#options.shared;
    if (!wanted || this.#shared) return this.#sharedAddress;
    const server = http.createServer((req, res) => this.#route(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          new EdgewiseError(
            'EW_UNAVAILABLE',
            `the gateway cannot listen on ${wanted.host}:${wanted.port}: ${err.code ?? err.message}; choose another with --gateway`,
          ),
        ),
      );
      server.listen(wanted.port, wanted.host, () => resolve());
    });
    this.#shared = server;
    const address = server.address() as AddressInfo;
    this.#sharedAddress = { address: wanted.host, port: address.port };
    return this.#sharedAddress;
  }

  #route(req: IncomingMessage, res: ServerResponse): void {
    const handler = this.routes.match(req.headers.host ?? '');
    if (handler) {
      handler(req, res);
      return;
    }
    const body = `${this.routes.explainMiss(req.headers.host ?? '')}\n`;
    res.writeHead(404, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  }

  /** Replaces what a container serves; an empty list stops serving it. */
  serve(pod: string, container: string, ports: ServedPort[]): void {
    const key = `${pod}/${container}`;
    const [namespace = 'default', name = ''] = pod.split('/');
    if (ports.length > 0)
      this.routes.set(key, {
        namespace,
        pod: name,
        owner: this.#options.ownerOf?.(namespace, name),
        ports: ports.map((p) => ({ containerPort: p.containerPort, handler: p.handler })),
      });
    else this.routes.delete(key);
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
    const all = [...this.#servers.values()].flat().map((e) => e.server);
    if (this.#shared) all.push(this.#shared);
    this.#servers.clear();
    this.#shared = undefined;
    await Promise.all(
      all.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      ),
    );
  }
}
