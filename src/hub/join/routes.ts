/**
 * HTTP routes under `/join/v1/`: the CA (public), the join (public: the token is the
 * credential) and token management (admins only). Mounted before the resource API.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { EdgewiseError } from '../../api/errors.js';
import { type CreateTokenRequest, JOIN_PATHS, type JoinTokenList } from '../../api/join.js';
import type { UserInfo } from '../admission.js';
import type { Route } from '../http/app.js';
import { decodeBody, readBody } from '../http/body.js';
import { send, sendSuccessStatus } from '../http/respond.js';
import { type JoinDependencies, joinNode } from './join-node.js';
import type { JoinTokens } from './tokens.js';

export interface JoinRouteOptions extends JoinDependencies {
  /** Identifies callers of the token endpoints; only group `system:masters` may use them. */
  authenticate: (req: IncomingMessage) => Promise<UserInfo>;
  logger?: Logger;
}

/** Join and token bodies are a few hundred bytes; anything large is not one. */
const BODY_LIMIT = 64 * 1024;

export function createJoinRoute(options: JoinRouteOptions): Route {
  const log = options.logger?.child({ component: 'hub.join' });
  return async (req, res, url) => {
    const path = url.pathname;
    if (path === JOIN_PATHS.ca) {
      allow(req, 'GET');
      res.statusCode = 200;
      res.setHeader('Content-Type', 'application/x-pem-file');
      res.end(options.caPem);
      return true;
    }
    if (path === JOIN_PATHS.nodes) {
      allow(req, 'POST');
      const outcome = await joinNode(options, await readJson(req));
      log?.info(
        { node: outcome.response.nodeName, tokenId: outcome.tokenId, rejoined: outcome.rejoined },
        'node joined',
      );
      // The answer carries a credential: no proxy or client cache may keep it.
      res.setHeader('Cache-Control', 'no-store');
      send(res, 200, outcome.response);
      return true;
    }
    if (path === JOIN_PATHS.tokens || path.startsWith(`${JOIN_PATHS.tokens}/`)) {
      requireAdmin(await options.authenticate(req));
      await tokenEndpoint(options.tokens, req, res, path.slice(JOIN_PATHS.tokens.length + 1));
      return true;
    }
    return false;
  };
}

async function tokenEndpoint(
  tokens: JoinTokens,
  req: IncomingMessage,
  res: ServerResponse,
  id: string,
): Promise<void> {
  if (id) {
    allow(req, 'DELETE');
    await tokens.delete(decodeURIComponent(id));
    return sendSuccessStatus(res, { name: id, kind: 'bootstraptokens' });
  }
  if (req.method === 'GET') return send(res, 200, { items: await tokens.list() } satisfies JoinTokenList);
  allow(req, 'POST');
  const body = (await readJson(req)) as Partial<CreateTokenRequest> | null;
  const ttlSeconds = body?.ttlSeconds;
  if (typeof ttlSeconds !== 'number' || !Number.isInteger(ttlSeconds) || ttlSeconds < 0) {
    throw new EdgewiseError(
      'EW_BAD_REQUEST',
      'ttlSeconds must be a whole number of seconds, 0 for a token that never expires',
    );
  }
  if (body?.description !== undefined && typeof body.description !== 'string') {
    throw new EdgewiseError('EW_BAD_REQUEST', 'description must be a string');
  }
  const created = await tokens.create({
    ttlMs: ttlSeconds * 1000,
    oneTime: body?.oneTime === true,
    ...(body?.description && { description: body.description }),
  });
  res.setHeader('Cache-Control', 'no-store');
  send(res, 201, created);
}

function allow(req: IncomingMessage, method: string): void {
  if (req.method !== method) {
    throw new EdgewiseError(
      'EW_METHOD_NOT_ALLOWED',
      `${req.method ?? ''} is not allowed here; use ${method}`,
    );
  }
}

function requireAdmin(user: UserInfo): void {
  if (!user.groups.includes('system:masters')) {
    throw new EdgewiseError(
      'EW_FORBIDDEN',
      `${user.username} may not manage join tokens: only admins (group system:masters) may`,
    );
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  return decodeBody(await readBody(req, BODY_LIMIT), req.headers['content-type'] ?? 'application/json');
}
