/**
 * OpenAPI v3 documents generated from the kinds' schemas: the index at /openapi/v3
 * and one document per group/version. kubectl reads them to learn that PATCH takes
 * `fieldValidation` (so it lets the hub validate) and to explain fields.
 */
import { createHash } from 'node:crypto';
import { EdgewiseError } from '../../api/errors.js';
import type { ResourceRegistry } from '../../api/registry.js';
import type { ResourceType } from '../../api/resource-type.js';
import type { Route } from './app.js';
import { send } from './respond.js';

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

function schemaName(t: ResourceType): string {
  return `${t.group || 'core'}.${t.version}.${t.kind}`;
}

const QUERY = (name: string, description: string) => ({
  name,
  in: 'query',
  description,
  schema: { type: 'string' },
});

const WRITE_PARAMS = [
  QUERY('dryRun', 'When All, run every check and store nothing.'),
  QUERY('fieldManager', 'Name of the actor making the change.'),
  QUERY(
    'fieldValidation',
    'Accepted; Edgewise keeps unknown fields (like a CRD with x-kubernetes-preserve-unknown-fields).',
  ),
];
const LIST_PARAMS = [
  QUERY('labelSelector', 'Label selector.'),
  QUERY('fieldSelector', 'Field selector.'),
  QUERY('limit', 'Page size.'),
  QUERY('continue', 'Token of the next page.'),
  QUERY('watch', 'Stream changes.'),
  QUERY('resourceVersion', 'Start a watch after this revision.'),
  QUERY('timeoutSeconds', 'End a watch after this long.'),
];

function operations(t: ResourceType, item: boolean) {
  const gvk = { group: t.group, version: t.version, kind: t.kind };
  const ref = { $ref: `#/components/schemas/${schemaName(t)}` };
  const body = {
    required: true,
    content: { 'application/json': { schema: ref }, 'application/yaml': { schema: ref } },
  };
  const ok = { description: 'OK', content: { 'application/json': { schema: ref } } };
  const op = (action: string, extra: object = {}) => ({
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
    operationId: `${action}${t.kind}`,
    responses: { '200': ok },
    ...extra,
  });
  if (!item) {
    return {
      get: op('list', { parameters: LIST_PARAMS }),
      post: op('post', { parameters: WRITE_PARAMS, requestBody: body }),
    };
  }
  return {
    get: op('get'),
    put: op('put', { parameters: WRITE_PARAMS, requestBody: body }),
    patch: op('patch', {
      parameters: [...WRITE_PARAMS, QUERY('force', 'Apply even when another manager owns a field.')],
      requestBody: {
        required: true,
        content: Object.fromEntries(
          [
            'application/json-patch+json',
            'application/merge-patch+json',
            'application/strategic-merge-patch+json',
            'application/apply-patch+yaml',
          ].map((m) => [m, { schema: { type: 'object' } }]),
        ),
      },
    }),
    delete: op('delete'),
  };
}

export function groupVersionDocument(
  registry: ResourceRegistry,
  group: string,
  version: string,
): object | undefined {
  const types = registry.all().filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  const paths: Record<string, object> = {};
  const schemas: Record<string, object> = {};
  for (const t of types) {
    const prefix = `/${gvPath(group, version)}`;
    if (t.namespaced) {
      paths[`${prefix}/namespaces/{namespace}/${t.plural}`] = operations(t, false);
      paths[`${prefix}/namespaces/{namespace}/${t.plural}/{name}`] = operations(t, true);
      paths[`${prefix}/${t.plural}`] = { get: (operations(t, false) as { get: object }).get };
    } else {
      paths[`${prefix}/${t.plural}`] = operations(t, false);
      paths[`${prefix}/${t.plural}/{name}`] = operations(t, true);
    }
    schemas[schemaName(t)] = {
      ...JSON.parse(JSON.stringify(t.schema)),
      'x-kubernetes-group-version-kind': [{ group, version, kind: t.kind }],
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Edgewise', version: 'v0.1.0' },
    paths,
    components: { schemas },
  };
}

/** The /openapi/v3 index: one entry per group/version, with a content hash for caching. */
export function openApiIndex(registry: ResourceRegistry): object {
  const seen = new Set<string>();
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const t of registry.all()) {
    const key = gvPath(t.group, t.version);
    if (seen.has(key)) continue;
    seen.add(key);
    const doc = JSON.stringify(groupVersionDocument(registry, t.group, t.version));
    const hash = createHash('sha512').update(doc).digest('hex').slice(0, 32).toUpperCase();
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hash}` };
  }
  return { paths };
}

/** Serves /openapi/v3 and /openapi/v3/{api/v1 | apis/g/v}. */
export function openApiRoute(registry: ResourceRegistry): Route {
  return (req, res, url) => {
    if (req.method !== 'GET' || !url.pathname.startsWith('/openapi/v3')) return false;
    const rest = url.pathname.slice('/openapi/v3'.length).replace(/^\//, '');
    let doc: object | undefined;
    if (rest === '') doc = openApiIndex(registry);
    else {
      const parts = rest.split('/');
      if (parts[0] === 'api' && parts.length === 2)
        doc = groupVersionDocument(registry, '', parts[1] as string);
      else if (parts[0] === 'apis' && parts.length === 3)
        doc = groupVersionDocument(registry, parts[1] as string, parts[2] as string);
    }
    if (!doc) throw new EdgewiseError('EW_NOT_FOUND', `no OpenAPI document at ${url.pathname}`);
    send(res, 200, doc);
    return true;
  };
}
