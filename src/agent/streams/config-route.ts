/**
 * Centre to edge: workloads read the ConfigMaps this node holds through the local
 * API, hub or no hub — a price list, a feature flag, reference data.
 *
 *   GET /v1/config/<namespace>/<name>         {namespace, name, resourceVersion, data}
 *   GET /v1/config/<namespace>/<name>/<key>   the value as text/plain
 *
 * ETag is the ConfigMap's resourceVersion; If-None-Match answers 304 when unchanged.
 * Only ConfigMaps the hub shipped to this node are here (those its pods reference and
 * those a shipping rule targets at it); Secrets are not served.
 */
import { EdgewiseError } from '../../api/errors.js';
import { configMapType } from '../../api/kinds/core.js';
import type { LocalRoute } from '../local-api.js';
import type { AgentState } from '../state/agent-state.js';
import { methodNotAllowed, sendJson } from './http.js';

export function configRoute(state: AgentState): LocalRoute {
  return (req, res, url) => {
    const m = /^\/v1\/config\/([^/]+)\/([^/]+)(?:\/([^/]+))?\/?$/.exec(url.pathname);
    if (!m) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed(req, 'GET');
    const [namespace, name] = [decodeURIComponent(m[1] as string), decodeURIComponent(m[2] as string)];
    const cm = state.object(configMapType.storage, namespace, name);
    if (!cm)
      throw new EdgewiseError(
        'EW_NOT_FOUND',
        `ConfigMap ${namespace}/${name} is not on this node (nodes hold the ConfigMaps their pods use and those targeted at them)`,
      );
    const etag = `"${cm.metadata.resourceVersion ?? ''}"`;
    if (req.headers['if-none-match'] === etag) {
      res.statusCode = 304;
      res.setHeader('ETag', etag);
      res.end();
      return true;
    }
    const data = (cm.data ?? {}) as Record<string, string>;
    if (m[3] === undefined) {
      sendJson(
        res,
        200,
        { namespace, name, resourceVersion: cm.metadata.resourceVersion, data },
        { ETag: etag },
      );
      return true;
    }
    const key = decodeURIComponent(m[3]);
    if (!Object.hasOwn(data, key))
      throw new EdgewiseError('EW_NOT_FOUND', `ConfigMap ${namespace}/${name} has no key ${key}`);
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.setHeader('ETag', etag);
    res.end(data[key]);
    return true;
  };
}
