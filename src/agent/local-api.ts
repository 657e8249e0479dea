/**
 * The agent's local API for workloads on this node, on loopback by default: policy
 * decisions, data streams, configuration — whatever features mount. Workloads find
 * it in EDGEWISE_AGENT_URL. It works with the hub unreachable.
 */
import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { EdgewiseError, toStatus } from '../api/errors.js';

/** Returns true when it answered the request. */
export type LocalRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;

export interface LocalApiOptions {
  /** @default 127.0.0.1 */
  host?: string;
  /** @default 0 (any free port) */
  port?: number;
  logger: Logger;
}

export class LocalApi {
  readonly #routes: LocalRoute[] = [];
  readonly #options: LocalApiOptions;
  readonly #log: Logger;
  #server: Server | undefined;
  #url = '';

  constructor(options: LocalApiOptions) {
    this.#options = options;
    this.#log = options.logger.child({ component: 'agent.local-api' });
  }

  route(route: LocalRoute): void {
    this.#routes.push(route);
  }

  /** `http://127.0.0.1:<port>`, once listening. */
  get url(): string {
    return this.#url;
  }

  async listen(): Promise<string> {
    const server = http.createServer((req, res) => {
      void this.#handle(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          err.code === 'EADDRINUSE'
            ? new EdgewiseError(
                'EW_UNAVAILABLE',
                `the agent's local API address ${this.#options.host ?? '127.0.0.1'}:${this.#options.port ?? 0} is in use; choose another with --local-api`,
              )
            : err,
        ),
      );
      server.listen(this.#options.port ?? 0, this.#options.host ?? '127.0.0.1', () => resolve());
    });
    const address = server.address() as AddressInfo;
    this.#server = server;
    this.#url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
    return this.#url;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://agent.invalid');
    try {
      for (const route of this.#routes) if (await route(req, res, url)) return;
      throw new EdgewiseError('EW_NOT_FOUND', `nothing is served at ${url.pathname} on this agent`);
    } catch (err) {
      const status = toStatus(err);
      if (status.code >= 500) this.#log.error({ err, url: req.url }, 'local API request failed');
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.statusCode = status.code;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(status));
    }
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
