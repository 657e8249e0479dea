/**
 * Assembles a hub: store, kinds, admission, the resource service, security (CA,
 * tokens, credentials), controllers, the agent link server and the HTTP handler.
 * `createHub` builds it without listening (tests inject requests); `listenHub`
 * binds it and starts the moving parts.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Logger, pino } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { EdgewiseError } from '../api/errors.js';
import { namespaceType } from '../api/kinds/core.js';
import { createRegistry, type ResourceRegistry } from '../api/registry.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import { AdmissionChain } from './admission.js';
import { createHubSecurity, type HubSecurity } from './auth/security.js';
import type { Controller, ControllerContext } from './controllers/context.js';
import { type ControllerOptions, createControllers, type FleetControllers } from './controllers/index.js';
import { EventRecorder } from './events.js';
import type { HubFeature } from './feature.js';
import { healthRoutes } from './health.js';
import { createApiHandler, type RequestHandler, type Route, type SubresourceHandler } from './http/app.js';
import { openApiRoute } from './http/openapi.js';
import { scaleSubresource } from './http/scale.js';
import { LinkServer } from './link/server.js';
import { ResourceService } from './service/resource-service.js';

export { type ListeningHub, listenHub, parseListen } from './listen.js';

export interface HubOptions {
  /** Directory for the SQLite file, the CA and other hub state. Created if missing. */
  dataDir: string;
  /**
   * Store URL. `postgres://…` shares state between hub replicas; the default is
   * `<dataDir>/hub.db` (SQLite).
   */
  store?: string;
  logger?: Logger;
  /** Clock for ages, timestamps and token expiry. @default () => new Date() */
  now?: () => Date;
  /** Largest request body accepted. @default 3 MiB */
  bodyLimit?: number;
  /**
   * HTTPS with the hub's own CA, credentials required, agents may join. Off only
   * for in-process tests of the resource API. @default true
   */
  secure?: boolean;
  /** Extra IPs or DNS names clients reach the hub by (server certificate SANs). */
  sans?: string[];
  /** Run the controllers (scheduler, workloads, node lifecycle, GC). @default true */
  controllers?: boolean;
  /** Tuning for the controllers and agent links. */
  fleet?: ControllerOptions & { heartbeatSeconds?: number };
  /** Features installed into the hub (Gatekeeper, edge policy, data ingest). */
  features?: HubFeature[];
  /** Extra routes mounted before the resource API. */
  routes?: Route[];
  subresources?: SubresourceHandler[];
}

export interface Hub {
  handler: RequestHandler;
  service: ResourceService;
  registry: ResourceRegistry;
  store: Store;
  admission: AdmissionChain;
  recorder: EventRecorder;
  metrics: Registry;
  logger: Logger;
  dataDir: string;
  /** Present when the hub is secure. */
  security?: HubSecurity;
  /** Present when the hub is secure: agents connect here. */
  link?: LinkServer;
  controllers?: FleetControllers;
  /** Shared informers and helpers for feature controllers (present when controllers run). */
  controllerContext?: ControllerContext;
  /** Controllers features add; started after the built-in ones. */
  extraControllers: Controller[];
  /** Routes are tried in order before the resource API; add more before listening. */
  routes: Route[];
  subresources: SubresourceHandler[];
  /** Starts controllers and the link server (listenHub calls it). Idempotent. */
  start(): Promise<void>;
  close(): Promise<void>;
}

const SYSTEM_NAMESPACES = ['default', 'kube-system', 'edgewise-system'];

export async function createHub(options: HubOptions): Promise<Hub> {
  mkdirSync(options.dataDir, { recursive: true });
  const logger = options.logger ?? pino({ level: 'info' });
  const now = options.now ?? (() => new Date());
  const store = await openStore(options.store ?? path.join(options.dataDir, 'hub.db'), {});
  const registry = createRegistry();
  const admission = new AdmissionChain();
  const service = new ResourceService({ store, registry, admission, now });
  const recorder = new EventRecorder(service, logger, now);
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics, prefix: 'edgewise_hub_' });
  for (const name of SYSTEM_NAMESPACES) {
    try {
      await service.create(namespaceType, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    } catch (err) {
      if (!EdgewiseError.isCode(err, 'EW_ALREADY_EXISTS')) throw err;
    }
  }
  const secure = options.secure ?? true;
  const security = secure
    ? await createHubSecurity({
        dataDir: options.dataDir,
        service,
        now,
        logger,
        ...(options.sans && { sans: options.sans }),
      })
    : undefined;
  const link = security
    ? new LinkServer({
        service,
        store,
        recorder,
        logger,
        now,
        authenticateNode: (bearer) => security.authenticateNode(bearer),
        ...(options.fleet?.heartbeatSeconds !== undefined && {
          heartbeatSeconds: options.fleet.heartbeatSeconds,
        }),
      })
    : undefined;
  const routes: Route[] = [
    healthRoutes(metrics),
    ...(security ? [security.route] : []),
    openApiRoute(registry),
    ...(options.routes ?? []),
  ];
  const subresources = [scaleSubresource(service), ...(options.subresources ?? [])];
  const handler = createApiHandler({
    service,
    registry,
    logger,
    routes,
    subresources,
    now,
    ...(security && { authenticate: security.authenticate }),
    ...(options.bodyLimit !== undefined && { bodyLimit: options.bodyLimit }),
  });
  let controllers: FleetControllers | undefined;
  if (options.controllers ?? true) {
    const context: Omit<ControllerContext, 'informers'> = { service, store, recorder, logger, now };
    controllers = createControllers(context, {
      ...options.fleet,
      ...(link && {
        lastSeen: (node: string) => link.nodes.lastSeen(node),
        onRecovered: (node: string) => link.recover(node),
      }),
    });
  }
  const extraControllers: Controller[] = [];
  let started: Promise<void> | undefined;
  const hub: Hub = {
    handler,
    service,
    registry,
    store,
    admission,
    recorder,
    metrics,
    logger,
    dataDir: options.dataDir,
    ...(security && { security }),
    ...(link && { link }),
    ...(controllers && {
      controllers,
      controllerContext: { service, store, recorder, logger, now, informers: controllers.informers },
    }),
    extraControllers,
    routes,
    subresources,
    start() {
      started ??= (async () => {
        await controllers?.start();
        for (const c of extraControllers) await c.start();
        await link?.start();
      })();
      return started;
    },
    async close() {
      await link?.close();
      for (const c of [...extraControllers].reverse()) await c.stop();
      await controllers?.stop();
      await store.close();
    },
  };
  try {
    for (const feature of options.features ?? []) await feature.install(hub);
  } catch (err) {
    // A half-built hub must not keep its store (a PostgreSQL pool) open behind the error.
    await store.close();
    throw err;
  }
  return hub;
}
