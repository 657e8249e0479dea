/**
 * Everything the hub needs for TLS, joins and authentication, assembled from its
 * data dir and resource service. The hub's assembly calls this once:
 *
 *   const security = await createHubSecurity({ dataDir, service });
 *   routes.unshift(security.route);            // /join/v1/… before the resource API
 *   createApiHandler({ …, authenticate: security.authenticate });
 *   const served = await listenHub(hub, listen, security.pki.tls);
 *   security.writeKubeconfig(served.url);
 */
import type { Logger } from 'pino';
import type { Route } from '../http/app.js';
import { NodeCredentials } from '../join/credentials.js';
import { createJoinRoute } from '../join/routes.js';
import { JoinTokens } from '../join/tokens.js';
import { loadOrCreateAdminToken } from '../pki/admin-token.js';
import { ensureHubPki, type HubPki } from '../pki/pki.js';
import type { ResourceService } from '../service/resource-service.js';
import { type Authenticator, createAuthenticator } from './authenticator.js';
import { kubeconfigPath, writeKubeconfig } from './kubeconfig.js';

export interface HubSecurityOptions {
  dataDir: string;
  service: ResourceService;
  /** Extra IPs or DNS names clients use to reach the hub (the server certificate's SANs). */
  sans?: readonly string[];
  /** @default os.hostname() */
  hostname?: string;
  /** Clock for token expiry and certificate validity. @default () => new Date() */
  now?: () => Date;
  logger?: Logger;
  /** Where node credentials are accepted besides `/join/` (see AuthenticatorOptions). */
  nodePathPrefixes?: readonly string[];
}

export interface HubSecurity {
  pki: HubPki;
  adminToken: string;
  tokens: JoinTokens;
  credentials: NodeCredentials;
  /** For createApiHandler's `authenticate`. */
  authenticate: Authenticator;
  /** For the link server: a node credential to its node name; EW_UNAUTHORIZED otherwise. */
  authenticateNode(bearer: string): Promise<string>;
  /** Serves `/join/v1/…`; mount before the resource API. */
  route: Route;
  /** Lets node credentials reach paths under `prefix` too (a feature's, e.g. the module store's `/v2/`). */
  allowNodePaths(prefix: string): void;
  kubeconfigPath: string;
  /** Writes `<dataDir>/kubeconfig.yaml` for `serverUrl` (from listenHub) and returns its path. */
  writeKubeconfig(serverUrl: string): string;
}

export async function createHubSecurity(options: HubSecurityOptions): Promise<HubSecurity> {
  const now = options.now ?? (() => new Date());
  const pki = await ensureHubPki({
    dataDir: options.dataDir,
    now,
    ...(options.sans && { sans: options.sans }),
    ...(options.hostname !== undefined && { hostname: options.hostname }),
  });
  const log = options.logger?.child({ component: 'hub.pki' });
  if (pki.issued.ca) log?.info({ caHash: pki.caHash }, 'created the hub CA');
  if (pki.issued.server)
    log?.info(
      { reason: pki.issued.server, notAfter: pki.serverNotAfter },
      'issued the hub server certificate',
    );
  const adminToken = loadOrCreateAdminToken(options.dataDir);
  const tokens = new JoinTokens({ service: options.service, caHash: pki.caHash, now });
  const credentials = new NodeCredentials({ service: options.service, now });
  const file = kubeconfigPath(options.dataDir);
  // The authenticator reads this array on every request, so features may add prefixes after assembly.
  const nodePathPrefixes = ['/join/', ...(options.nodePathPrefixes ?? [])];
  const authenticate = createAuthenticator({
    credentials,
    adminToken,
    // Relative to the data dir: anyone may read this message, and the hub's paths are none of their business.
    hint: 'the admin token is in pki/admin-token in the hub data dir, and kubeconfig.yaml there is a kubeconfig with it',
    nodePathPrefixes,
  });
  return {
    pki,
    adminToken,
    tokens,
    credentials,
    authenticate,
    authenticateNode: (bearer) => credentials.authenticate(bearer),
    route: createJoinRoute({
      tokens,
      credentials,
      caPem: pki.caPem,
      authenticate,
      ...(options.logger && { logger: options.logger }),
    }),
    allowNodePaths(prefix) {
      if (!nodePathPrefixes.includes(prefix)) nodePathPrefixes.push(prefix);
    },
    kubeconfigPath: file,
    writeKubeconfig(serverUrl) {
      writeKubeconfig(file, { server: serverUrl, caPem: pki.caPem, token: adminToken });
      return file;
    },
  };
}
