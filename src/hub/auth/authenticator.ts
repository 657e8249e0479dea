/**
 * Who is calling: the admin (the hub's admin token), a node (its credential), or —
 * on the few public paths — nobody in particular. Everything else is refused with
 * 401. Until there is RBAC, node identities are also kept off the resource API:
 * a credential taken from an edge box in a shop must not read the fleet's Secrets.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { EdgewiseError } from '../../api/errors.js';
import { JOIN_PATHS } from '../../api/join.js';
import type { UserInfo } from '../admission.js';
import type { NodeCredentials } from '../join/credentials.js';

export type Authenticator = (req: IncomingMessage) => Promise<UserInfo>;

export const ADMIN_USER: UserInfo = {
  username: 'system:admin',
  groups: ['system:masters', 'system:authenticated'],
};
export const ANONYMOUS_USER: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };

/** Paths anyone may call: probes, the version, the CA and the join (where the token is the credential). */
export const PUBLIC_PATHS: readonly string[] = [
  '/healthz',
  '/livez',
  '/readyz',
  '/version',
  JOIN_PATHS.ca,
  JOIN_PATHS.nodes,
];

export function nodeUser(nodeName: string): UserInfo {
  return { username: `system:node:${nodeName}`, groups: ['system:nodes', 'system:authenticated'] };
}

export interface AuthenticatorOptions {
  credentials: NodeCredentials;
  adminToken: string;
  /** Exact paths served without a credential. @default PUBLIC_PATHS */
  publicPaths?: readonly string[];
  /**
   * Path prefixes where node credentials are accepted. Elsewhere a node gets 403
   * until RBAC exists; the link (a WebSocket upgrade) checks nodes itself.
   * @default ['/join/']
   */
  nodePathPrefixes?: readonly string[];
  /** Appended to the 401 message for a request without a token: where the admin token is. */
  hint?: string;
}

/** The token from `Authorization: Bearer <token>`, if any. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return m?.[1];
}

/**
 * The password of `Authorization: Basic <user:password>`, taken as a bearer token:
 * registry clients (docker, oras, crane) log in with Basic, and a token as the
 * password is how registries such as GHCR accept them. The user name is ignored.
 */
export function basicPasswordToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const m = header ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (!m) return undefined;
  const decoded = Buffer.from(m[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const password = colon < 0 ? '' : decoded.slice(colon + 1);
  return password || undefined;
}

export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const publicPaths = new Set(options.publicPaths ?? PUBLIC_PATHS);
  const nodePrefixes = options.nodePathPrefixes ?? ['/join/'];
  const adminDigest = digest(options.adminToken);
  return async (req) => {
    const path = new URL(req.url ?? '/', 'http://hub.invalid').pathname;
    const isPublic = publicPaths.has(path);
    if (req.headers.authorization === undefined) {
      if (isPublic) return ANONYMOUS_USER;
      throw new EdgewiseError(
        'EW_UNAUTHORIZED',
        `Unauthorized: this hub needs a bearer token${options.hint ? ` (${options.hint})` : ''}`,
      );
    }
    // As kube-apiserver does: a credential that is presented must be valid, even on a public path.
    const token = bearerToken(req) ?? basicPasswordToken(req);
    if (token === undefined)
      throw new EdgewiseError(
        'EW_UNAUTHORIZED',
        'Unauthorized: only bearer tokens (or Basic with a token as the password) are accepted',
      );
    if (timingSafeEqual(digest(token), adminDigest)) return ADMIN_USER;
    if (!token.startsWith('ewn1.'))
      throw new EdgewiseError('EW_UNAUTHORIZED', 'Unauthorized: the bearer token is not valid');
    const nodeName = await options.credentials.authenticate(token);
    if (!isPublic && !nodePrefixes.some((prefix) => path.startsWith(prefix))) {
      throw new EdgewiseError(
        'EW_FORBIDDEN',
        `node ${nodeName} may not use ${path}: nodes reach the hub through the link, not the resource API`,
      );
    }
    return nodeUser(nodeName);
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
