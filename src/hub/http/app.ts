/**
 * The hub's HTTP handler: Kubernetes REST paths over the ResourceService. Built
 * apart from listening, so tests can inject requests in-process.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { EdgewiseError, notFound } from '../../api/errors.js';
import type { ResourceRegistry } from '../../api/registry.js';
import { qualifiedResource, type ResourceType } from '../../api/resource-type.js';
import { parseFieldSelector, parseLabelSelector } from '../../api/selectors.js';
import type { UserInfo } from '../admission.js';
import { applyPatchRequest, isPatchType } from '../service/patching.js';
import type { ListQuery, ResourceService, WriteContext } from '../service/resource-service.js';
import { DEFAULT_BODY_LIMIT, decodeBody, mediaType, readBody } from './body.js';
import { type ExtraSubresource, group, groupList, legacyVersions, resourceList } from './discovery.js';
import { type ApiPath, parseApiPath } from './path.js';
import { negotiate, send, sendError, sendSuccessStatus, setWarnings } from './respond.js';
import { type IncludeObject, toTable } from './table.js';
import { streamWatch } from './watch-stream.js';

/** A handler for paths outside the resource API (/metrics, /v2/, the agent link…). Returns false to pass. */
export type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;

export interface SubresourceRequest {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  type: ResourceType;
  namespace: string;
  name: string;
  user: UserInfo;
}

export interface SubresourceHandler extends ExtraSubresource {
  handle(request: SubresourceRequest): Promise<void>;
}

export interface ApiAppOptions {
  service: ResourceService;
  registry: ResourceRegistry;
  logger: Logger;
  /** @default 3 MiB */
  bodyLimit?: number;
  now?: () => Date;
  /** Resolves the caller; throw EW_UNAUTHORIZED to refuse. Absent: everyone is the system user. */
  authenticate?: (req: IncomingMessage) => Promise<UserInfo>;
  routes?: Route[];
  subresources?: SubresourceHandler[];
  /** Advertised in /api discovery. */
  serverAddress?: string;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

const ANONYMOUS_ADMIN: UserInfo = {
  username: 'system:admin',
  groups: ['system:masters', 'system:authenticated'],
};

export function createApiHandler(options: ApiAppOptions): RequestHandler {
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const now = options.now ?? (() => new Date());
  const log = options.logger.child({ component: 'hub.api' });
  const { service, registry } = options;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://hub.invalid');
    const user = options.authenticate ? await options.authenticate(req) : ANONYMOUS_ADMIN;
    for (const route of options.routes ?? []) {
      if (await route(req, res, url)) return;
    }
    const path = parseApiPath(url.pathname);
    if (!path)
      throw new EdgewiseError(
        'EW_NOT_FOUND',
        `the server could not find the requested resource (${url.pathname})`,
      );
    if (path.kind !== 'resource') return discovery(req, res, path);
    const type = registry.byPath(path.group, path.version, path.plural);
    if (!type)
      throw new EdgewiseError(
        'EW_NOT_FOUND',
        `the server could not find the requested resource (${url.pathname})`,
      );
    if (path.namespace !== undefined && !type.namespaced) {
      throw new EdgewiseError('EW_NOT_FOUND', `${qualifiedResource(type)} is not namespaced`);
    }
    const namespace = type.namespaced ? (path.namespace ?? '') : '';
    const context: WriteContext = { user, dryRun: url.searchParams.get('dryRun') === 'All' };
    if (path.subresource && path.subresource !== 'status') {
      const extra = options.subresources?.find(
        (s) => s.name === path.subresource && s.plural === type.plural && s.group === type.group,
      );
      if (!extra || !path.name)
        throw notFound(`${type.plural}/${path.subresource}`, path.name ?? '', type.group);
      return extra.handle({ req, res, url, type, namespace, name: path.name, user });
    }
    if (path.subresource === 'status' && !type.hasStatus)
      throw notFound(`${type.plural}/status`, path.name ?? '', type.group);
    if (path.name === undefined)
      return collection(req, res, url, type, namespace, path.namespace !== undefined, context);
    return item(req, res, url, type, namespace, path.name, path.subresource === 'status', context);
  }

  function discovery(
    req: IncomingMessage,
    res: ServerResponse,
    path: Exclude<ApiPath, { kind: 'resource' }>,
  ): void {
    if (req.method !== 'GET') {
      throw new EdgewiseError(
        'EW_METHOD_NOT_ALLOWED',
        `${req.method ?? ''} is not allowed on discovery paths`,
      );
    }
    send(res, 200, discoveryDocument(req, path), negotiate(req, false));
  }

  function discoveryDocument(req: IncomingMessage, path: Exclude<ApiPath, { kind: 'resource' }>): object {
    const missing = () =>
      new EdgewiseError(
        'EW_NOT_FOUND',
        `the server could not find the requested resource (${req.url ?? ''})`,
      );
    switch (path.kind) {
      case 'root': {
        const groups = groupList(registry).groups.map((g) => `/apis/${g.name}`);
        return { paths: ['/api', '/api/v1', '/apis', ...groups, '/metrics', '/openapi/v3', '/version'] };
      }
      case 'legacy-versions':
        return legacyVersions(options.serverAddress ?? req.headers.host ?? '');
      case 'groups':
        return groupList(registry);
      case 'group':
        return present(group(registry, path.group), missing);
      case 'resources':
        return present(resourceList(registry, path.group, path.version, options.subresources ?? []), missing);
    }
  }

  async function collection(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    type: ResourceType,
    namespace: string,
    namespacedPath: boolean,
    context: WriteContext,
  ): Promise<void> {
    const query = listQuery(url);
    switch (req.method) {
      case 'GET': {
        const watching = ['true', '1'].includes(url.searchParams.get('watch') ?? '');
        const format = negotiate(req, true);
        const include = (url.searchParams.get('includeObject') as IncludeObject | null) ?? 'Metadata';
        if (watching) {
          const resourceVersion = url.searchParams.get('resourceVersion') ?? undefined;
          if (resourceVersion && resourceVersion !== '0') await checkNotCompacted(resourceVersion);
          const abort = new AbortController();
          const timeout = Number(url.searchParams.get('timeoutSeconds') ?? 'NaN');
          const events = service.watch(
            type,
            namespace,
            { ...query, ...(resourceVersion !== undefined && { resourceVersion }) },
            abort.signal,
          );
          return streamWatch(res, events, abort, {
            type,
            table: format === 'table',
            include,
            now,
            ...(Number.isFinite(timeout) && timeout > 0 && { timeoutMs: timeout * 1000 }),
          });
        }
        const list = await service.list(type, namespace, query);
        if (format === 'table')
          return send(res, 200, toTable(type, list.items, now(), include, list.metadata));
        return send(res, 200, list, format);
      }
      case 'POST': {
        if (type.namespaced && !namespacedPath) {
          throw new EdgewiseError(
            'EW_METHOD_NOT_ALLOWED',
            `create ${qualifiedResource(type)} needs a namespace in the path`,
          );
        }
        const body = decodeBody(await readBody(req, bodyLimit), req.headers['content-type']);
        const result = await service.create(type, namespace, body, context);
        setWarnings(res, result.warnings);
        return send(res, 201, result.object, negotiate(req, false));
      }
      case 'DELETE': {
        const list = await service.list(type, namespace, query);
        const deleted = [];
        for (const o of list.items) {
          deleted.push(
            (await service.delete(type, o.metadata.namespace ?? '', o.metadata.name ?? '', {}, context))
              .object,
          );
        }
        return send(res, 200, { ...list, items: deleted }, negotiate(req, false));
      }
      default:
        throw new EdgewiseError(
          'EW_METHOD_NOT_ALLOWED',
          `${req.method ?? ''} is not supported on ${qualifiedResource(type)}`,
        );
    }
  }

  async function item(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    type: ResourceType,
    namespace: string,
    name: string,
    status: boolean,
    context: WriteContext,
  ): Promise<void> {
    if (type.namespaced && !namespace)
      throw new EdgewiseError(
        'EW_NOT_FOUND',
        `the server could not find the requested resource (${url.pathname})`,
      );
    const sub = status ? { subresource: 'status' as const } : {};
    switch (req.method) {
      case 'GET': {
        const object = await service.get(type, namespace, name);
        const format = negotiate(req, true);
        if (format === 'table') return send(res, 200, toTable(type, [object], now(), 'Metadata'));
        return send(res, 200, object, format);
      }
      case 'PUT': {
        const body = decodeBody(await readBody(req, bodyLimit), req.headers['content-type']);
        const result = await service.update(type, namespace, name, body, { ...context, ...sub });
        setWarnings(res, result.warnings);
        return send(res, 200, result.object, negotiate(req, false));
      }
      case 'PATCH': {
        const patchType = mediaType(req.headers['content-type']);
        if (!isPatchType(patchType)) {
          throw new EdgewiseError(
            'EW_UNSUPPORTED_MEDIA_TYPE',
            `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
          );
        }
        const raw = await readBody(req, bodyLimit);
        const result = await applyPatchRequest(service, {
          type,
          namespace,
          name,
          patchType,
          raw,
          force: url.searchParams.get('force') === 'true',
          context: { ...context, ...sub },
        });
        setWarnings(res, result.warnings);
        res.setHeader('X-Edgewise-Apply', result.outcome);
        return send(res, result.outcome === 'created' ? 201 : 200, result.object, negotiate(req, false));
      }
      case 'DELETE': {
        const raw = await readBody(req, bodyLimit);
        const options =
          raw.length > 0 ? (decodeBody(raw, req.headers['content-type']) as Record<string, unknown>) : {};
        const grace = url.searchParams.get('gracePeriodSeconds') ?? options.gracePeriodSeconds;
        const result = await service.delete(
          type,
          namespace,
          name,
          {
            ...(grace !== undefined && grace !== null && { gracePeriodSeconds: Number(grace) }),
            ...(options.preconditions !== undefined && {
              preconditions: options.preconditions as { uid?: string; resourceVersion?: string },
            }),
          },
          context,
        );
        if (result.deleted && type.kind !== 'Pod') {
          return sendSuccessStatus(res, {
            name,
            group: type.group,
            kind: type.plural,
            ...(result.object.metadata.uid && { uid: result.object.metadata.uid }),
          });
        }
        return send(res, result.deleted ? 200 : 202, result.object, negotiate(req, false));
      }
      default:
        throw new EdgewiseError(
          'EW_METHOD_NOT_ALLOWED',
          `${req.method ?? ''} is not supported on ${qualifiedResource(type)}/${name}`,
        );
    }
  }

  async function checkNotCompacted(resourceVersion: string): Promise<void> {
    const requested = Number(resourceVersion);
    if (!Number.isInteger(requested) || requested < 0) {
      throw new EdgewiseError('EW_BAD_REQUEST', `invalid resourceVersion "${resourceVersion}"`);
    }
    const compacted = await service.store.compactedRevision();
    if (requested < compacted) {
      throw new EdgewiseError('EW_GONE', `too old resource version: ${requested} (${compacted})`);
    }
  }

  return (req, res) => {
    const started = process.hrtime.bigint();
    handle(req, res)
      .catch((err: unknown) => {
        // A body refused mid-stream leaves unread bytes on the socket; close it after answering.
        if (EdgewiseError.isCode(err, 'EW_TOO_LARGE') && !res.headersSent)
          res.setHeader('Connection', 'close');
        const status = sendError(res, err);
        if (status.code >= 500) log.error({ err, method: req.method, url: req.url }, 'request failed');
      })
      .finally(() => {
        log.debug({
          method: req.method,
          url: req.url,
          status: res.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        });
      });
  };
}

function present<T>(value: T | undefined, error: () => Error): T {
  if (value === undefined) throw error();
  return value;
}

function listQuery(url: URL): ListQuery {
  const query: ListQuery = {};
  const labels = url.searchParams.get('labelSelector');
  const fields = url.searchParams.get('fieldSelector');
  const limit = url.searchParams.get('limit');
  const cont = url.searchParams.get('continue');
  if (labels) query.labelSelector = parseLabelSelector(labels);
  if (fields) query.fieldSelector = parseFieldSelector(fields);
  if (limit) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 0) throw new EdgewiseError('EW_BAD_REQUEST', `invalid limit "${limit}"`);
    if (n > 0) query.limit = n;
  }
  if (cont) query.continue = cont;
  return query;
}
