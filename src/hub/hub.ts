/**
 * Assembles a hub: store, kinds, admission, the resource service and the HTTP
 * handler. `createHub` builds it without listening (tests inject requests);
 * `listenHub` binds it to a socket.
 */
import { mkdirSync } from 'node:fs';
import http, { type Server } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type Logger, pino } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { EdgewiseError } from '../api/errors.js';
import { namespaceType } from '../api/kinds/core.js';
import { createRegistry, type ResourceRegistry } from '../api/registry.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import { AdmissionChain } from './admission.js';
import { createApiHandler, type RequestHandler, type Route, type SubresourceHandler } from './http/app.js';
import { openApiRoute } from './http/openapi.js';
import { ResourceService } from './service/resource-service.js';
import { VERSION } from './version.js';

export interface HubOptions {
  /** Directory for the SQLite file and other hub state. Created if missing. */
  dataDir: string;
  /**
   * Store URL. `postgres://…` shares state between hub replicas; the default is
   * `<dataDir>/hub.db` (SQLite).
   */
  store?: string;
  logger?: Logger;
  /** Clock for ages in tables and deletion timestamps. @default () => new Date() */
  now?: () => Date;
  /** Largest request body accepted. @default 3 MiB */
  bodyLimit?: number;
  /** Extra routes mounted before the resource API (link server, module store…). */
  routes?: Route[];
  subresources?: SubresourceHandler[];
}

export interface Hub {
  handler: RequestHandler;
  service: ResourceService;
  registry: ResourceRegistry;
  store: Store;
  admission: AdmissionChain;
  metrics: Registry;
  logger: Logger;
  /** Routes added after creation are tried in order before the resource API. */
  routes: Route[];
  subresources: SubresourceHandler[];
  close(): Promise<void>;
}

const SYSTEM_NAMESPACES = ['default', 'kube-system', 'edgewise-system'];

export async function createHub(options: HubOptions): Promise<Hub> {
  mkdirSync(options.dataDir, { recursive: true });
  const logger = options.logger ?? pino({ level: 'info' });
  const storeUrl = options.store ?? path.join(options.dataDir, 'hub.db');
  const store = await openStore(storeUrl, {});
  const registry = createRegistry();
  const admission = new AdmissionChain();
  const service = new ResourceService({
    store,
    registry,
    admission,
    ...(options.now && { now: options.now }),
  });
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics, prefix: 'edgewise_hub_' });
  const routes: Route[] = [healthRoutes(metrics), openApiRoute(registry), ...(options.routes ?? [])];
  const subresources = [...(options.subresources ?? [])];
  for (const name of SYSTEM_NAMESPACES) {
    try {
      await service.create(namespaceType, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    } catch (err) {
      if (!EdgewiseError.isCode(err, 'EW_ALREADY_EXISTS')) throw err;
    }
  }
  const handler = createApiHandler({
    service,
    registry,
    logger,
    routes,
    subresources,
    ...(options.bodyLimit !== undefined && { bodyLimit: options.bodyLimit }),
    ...(options.now && { now: options.now }),
  });
  return {
    handler,
    service,
    registry,
    store,
    admission,
    metrics,
    logger,
    routes,
    subresources,
    close: () => store.close(),
  };
}

function healthRoutes(metrics: Registry): Route {
  return async (req, res, url) => {
    if (req.method !== 'GET') return false;
    switch (url.pathname) {
      case '/healthz':
      case '/livez':
      case '/readyz':
        res.setHeader('Content-Type', 'text/plain');
        res.end('ok');
        return true;
      case '/version':
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify(VERSION));
        return true;
      case '/metrics':
        res.setHeader('Content-Type', metrics.contentType);
        res.end(await metrics.metrics());
        return true;
      default:
        return false;
    }
  };
}

export interface ListeningHub {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** Binds the hub's handler to host:port (port 0 picks a free one); with `tls` (PEM cert and key) it serves HTTPS. */
export async function listenHub(
  hub: Hub,
  listen: { host: string; port: number },
  tls?: { cert: string; key: string },
): Promise<ListeningHub> {
  const server: Server = tls
    ? https.createServer({ cert: tls.cert, key: tls.key }, hub.handler)
    : http.createServer(hub.handler);
  // Watches are long-lived; the default 5 s keep-alive and request timeouts would cut them.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(
          new EdgewiseError(
            'EW_UNAVAILABLE',
            `${listen.host}:${listen.port} is already in use (is another hub running?); choose another address with --listen`,
          ),
        );
      } else if (err.code === 'EACCES') {
        reject(
          new EdgewiseError(
            'EW_FORBIDDEN',
            `not allowed to listen on ${listen.host}:${listen.port}; choose a port above 1024 with --listen`,
          ),
        );
      } else reject(err);
    });
    server.listen(listen.port, listen.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `${tls ? 'https' : 'http'}://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Parses `host:port` as given to --listen. */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text);
  if (!m) throw new EdgewiseError('EW_BAD_REQUEST', `--listen must be host:port, not "${text}"`);
  const port = Number(m[3]);
  if (port > 65535) throw new EdgewiseError('EW_BAD_REQUEST', `--listen port ${port} is out of range`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}
