/**
 * OPA's REST API on the agent's local API, for workloads on the node:
 *
 *   POST /v1/data/{path}   {"input": …}  → {"decision_id": …, "result": …}   (result absent when undefined)
 *   GET  /v1/data/{path}?input=<json>     → the same
 *   GET  /v1/policies[/{id}]              → {"result": [{"id", "raw"}]}      (read-only; ids are ns/name/key)
 *
 * Every decision is logged (see DecisionLog). Errors follow OPA: 400
 * `invalid_parameter` for a bad request, 500 `internal_error` for an evaluation
 * error (the message carries the engine's code and file:line:col: an exhausted
 * budget is `eval_budget_error`), 404 `resource_not_found`, 405 for other methods.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  OpaApiError as OpaError,
  readDataRequest,
  sendOpaError,
  toJSONText,
} from '../../policy/rego/index.js';
import type { LocalRoute } from '../local-api.js';
import type { Bundle } from './bundle.js';
import type { Decider } from './decider.js';
import { modulePath } from './sources.js';

export interface DataApiRouteOptions {
  bundle: () => Bundle;
  decider: Decider;
  maxBodyBytes: number;
}

function send(res: ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.end(body);
}

function decodePath(rest: string): string[] {
  const trimmed = rest.replace(/^\/+|\/+$/g, '');
  try {
    return trimmed === '' ? [] : trimmed.split('/').map((s) => decodeURIComponent(s));
  } catch {
    throw new OpaError(400, 'invalid_parameter', `path is not valid percent-encoding: ${rest}`);
  }
}

export function dataApiRoute(options: DataApiRouteOptions): LocalRoute {
  const decide = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'POST') {
      res.setHeader('Allow', 'GET, POST');
      throw new OpaError(405, 'method_not_allowed', `method ${req.method ?? ''} not allowed`);
    }
    const { path, input } = await readDataRequest(req, url, '/v1/data', options.maxBodyBytes);
    const { decisionId, result, error, evalNs } = options.decider.decide(path, input, {
      strictBuiltinErrors: url.searchParams.has('strict-builtin-errors'),
    });
    if (error) throw new OpaError(500, 'internal_error', error.message);
    const pretty = url.searchParams.has('pretty') ? 2 : 0;
    const fields = [`"decision_id":${JSON.stringify(decisionId)}`];
    if (result !== undefined) fields.push(`"result":${toJSONText(result, pretty)}`);
    if (url.searchParams.has('metrics')) fields.push(`"metrics":{"timer_rego_query_eval_ns":${evalNs}}`);
    send(res, 200, `{${fields.join(',')}}`);
  };

  const policies = (req: IncomingMessage, res: ServerResponse, url: URL): void => {
    if (req.method !== 'GET') {
      res.setHeader('Allow', 'GET');
      throw new OpaError(405, 'method_not_allowed', 'policies are managed through ConfigMaps at the hub');
    }
    const list = options
      .bundle()
      .sources.filter((s) => s.kind === 'policy')
      .flatMap((s) => Object.entries(s.files).map(([key, raw]) => ({ id: modulePath(s, key), raw })));
    const id = decodePath(url.pathname.slice('/v1/policies'.length)).join('/');
    if (id === '') {
      send(res, 200, JSON.stringify({ result: list }));
      return;
    }
    const one = list.find((p) => p.id === id);
    if (!one) throw new OpaError(404, 'resource_not_found', `storage_not_found_error: policy id "${id}"`);
    send(res, 200, JSON.stringify({ result: one }));
  };

  return async (req, res, url) => {
    const p = url.pathname;
    const isData = p === '/v1/data' || p.startsWith('/v1/data/');
    const isPolicies = p === '/v1/policies' || p.startsWith('/v1/policies/');
    if (!isData && !isPolicies) return false;
    try {
      if (isData) await decide(req, res, url);
      else policies(req, res, url);
    } catch (err) {
      if (!(err instanceof OpaError)) throw err;
      sendOpaError(res, err);
    }
    return true;
  };
}
