/**
 * The hub's module store: the OCI Distribution server of src/hub/registry mounted at
 * `/v2/`, behind the hub's authentication. The admin token may push and pull; a
 * node's credential may only pull (GET/HEAD), so a box taken from a shop cannot
 * replace the fleet's modules. Registry clients that log in with Basic send the
 * token as the password (see authenticator.ts). It also makes sure the RuntimeClasses
 * of the built-in Wasm runtime exist, so Wasm manifests apply as written.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { EdgewiseError } from '../../api/errors.js';
import type { UserInfo } from '../admission.js';
import type { HubFeature } from '../feature.js';
import type { Hub } from '../hub.js';
import { createRegistryHandler, type RegistryHandler } from '../registry/index.js';
import { ensureRuntimeClasses, WASM_RUNTIME_CLASSES } from './runtime-classes.js';

export const MODULE_STORE_PREFIX = '/v2/';

export interface ModuleStoreOptions {
  /** Where blobs and manifests live. @default `<hub dataDir>/registry` */
  root?: string;
  /** Largest module or blob accepted. @default 512 MiB */
  maxBlobBytes?: number;
  /** RuntimeClass handlers created (if missing) at install. @default wasmedge, wasm, spin, wasmtime */
  runtimeClasses?: readonly string[];
}

const READ_METHODS = new Set(['GET', 'HEAD']);

export function moduleStoreFeature(options: ModuleStoreOptions = {}): HubFeature & {
  registry?: RegistryHandler;
} {
  const feature: HubFeature & { registry?: RegistryHandler } = {
    name: 'module-store',
    async install(hub: Hub) {
      const registry = createRegistryHandler({
        root: options.root ?? path.join(hub.dataDir, 'registry'),
        ...(options.maxBlobBytes !== undefined && { maxBlobBytes: options.maxBlobBytes }),
      });
      feature.registry = registry;
      hub.security?.allowNodePaths(MODULE_STORE_PREFIX);
      hub.routes.push(moduleStoreRoute(hub, registry));
      // Registry clients log in only when a 401 carries a challenge; the API's 401 is a
      // Kubernetes Status without one, so anonymous requests under /v2/ get it up front.
      const inner = hub.handler;
      hub.handler = (req, res) => {
        if (req.headers.authorization === undefined && isStorePath(req.url ?? '/'))
          res.setHeader('WWW-Authenticate', 'Basic realm="edgewise-hub"');
        inner(req, res);
      };
      await ensureRuntimeClasses(hub.service, options.runtimeClasses ?? WASM_RUNTIME_CLASSES, hub.logger);
    },
  };
  return feature;
}

function isStorePath(url: string): boolean {
  const pathname = new URL(url, 'http://hub.invalid').pathname;
  return pathname === '/v2' || pathname.startsWith(MODULE_STORE_PREFIX);
}

function moduleStoreRoute(hub: Hub, registry: RegistryHandler) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    if (!isStorePath(url.pathname)) return false;
    // The API handler authenticated already, but routes are not told who called: ask again for writes.
    if (!READ_METHODS.has(req.method ?? 'GET') && hub.security) {
      const user = await hub.security.authenticate(req);
      if (!isAdmin(user))
        throw new EdgewiseError(
          'EW_FORBIDDEN',
          `${user.username} may pull modules but not ${req.method} them; pushing needs the admin token`,
        );
    }
    registry(req, res);
    return true;
  };
}

function isAdmin(user: UserInfo): boolean {
  return user.groups.includes('system:masters');
}
