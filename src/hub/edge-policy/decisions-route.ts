/**
 * The audit API for edge decisions on the hub (admin credentials, like the resource API):
 *
 *   GET /edgewise/v1/decisions?node=&path=&outcome=&since=&until=&limit=&continue=
 *       → {"items": [{node, seq, decision_id, timestamp, path, result, …}], "continue"?: "…"}
 *       (`Accept: application/x-ndjson` or `?format=ndjson`: one entry per line, every page)
 *   GET /edgewise/v1/decisions/summary
 *       → {"total", "pruned", "nodes": [{node, received, duplicates, dropped, lastSeq, lastReceivedAt}],
 *          "paths": [{path, true, false, undefined, error, other}]}
 */
import type { ServerResponse } from 'node:http';
import { EdgewiseError } from '../../api/errors.js';
import type { Route } from '../http/app.js';
import type { DecisionQuery, DecisionStore, Outcome } from './decision-store.js';

export const DECISIONS_PATH = '/edgewise/v1/decisions';

const OUTCOMES: readonly Outcome[] = ['true', 'false', 'undefined', 'error', 'other'];
const MAX_LIMIT = 1000;

function json(res: ServerResponse, body: unknown): void {
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify(body));
}

function timeParam(url: URL, name: string): string | undefined {
  const value = url.searchParams.get(name);
  if (value === null) return undefined;
  const t = new Date(value);
  if (Number.isNaN(t.getTime()))
    throw new EdgewiseError('EW_BAD_REQUEST', `${name} must be an RFC 3339 time, not "${value}"`);
  return t.toISOString();
}

export function parseDecisionQuery(url: URL): DecisionQuery {
  const p = url.searchParams;
  const limit = Number(p.get('limit') ?? '100');
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
    throw new EdgewiseError('EW_BAD_REQUEST', `limit must be an integer from 1 to ${MAX_LIMIT}`);
  const after = Number(p.get('continue') ?? '0');
  if (!Number.isInteger(after) || after < 0)
    throw new EdgewiseError('EW_BAD_REQUEST', 'continue must be the value a previous page returned');
  const outcome = p.get('outcome') ?? undefined;
  if (outcome !== undefined && !OUTCOMES.includes(outcome as Outcome))
    throw new EdgewiseError('EW_BAD_REQUEST', `outcome must be one of ${OUTCOMES.join(', ')}`);
  const q: DecisionQuery = { limit, after };
  const node = p.get('node');
  const path = p.get('path');
  if (node) q.node = node;
  // Accept `data.education.allow` and `/education/allow` as well as `education/allow`.
  if (path)
    q.path = path.startsWith('data.') ? path.slice(5).replaceAll('.', '/') : path.replace(/^\/+|\/+$/g, '');
  if (outcome) q.outcome = outcome as Outcome;
  const since = timeParam(url, 'since');
  const until = timeParam(url, 'until');
  if (since) q.since = since;
  if (until) q.until = until;
  return q;
}

export function decisionsRoute(store: () => DecisionStore): Route {
  return (req, res, url) => {
    if (url.pathname !== DECISIONS_PATH && url.pathname !== `${DECISIONS_PATH}/summary`) return false;
    if (req.method !== 'GET')
      throw new EdgewiseError(
        'EW_METHOD_NOT_ALLOWED',
        `${req.method ?? ''} is not allowed on ${url.pathname}`,
      );
    if (url.pathname.endsWith('/summary')) {
      json(res, store().summary());
      return true;
    }
    const query = parseDecisionQuery(url);
    const ndjson =
      url.searchParams.get('format') === 'ndjson' ||
      (req.headers.accept ?? '').includes('application/x-ndjson');
    if (!ndjson) {
      const page = store().query(query);
      json(res, { items: page.items, ...(page.next !== undefined && { continue: String(page.next) }) });
      return true;
    }
    // An export: every matching entry, page by page, without holding them all.
    res.setHeader('Content-Type', 'application/x-ndjson');
    let after = query.after;
    for (;;) {
      const page = store().query({ ...query, limit: MAX_LIMIT, ...(after !== undefined && { after }) });
      for (const item of page.items) res.write(`${JSON.stringify(item)}\n`);
      if (page.next === undefined) break;
      after = page.next;
    }
    res.end();
    return true;
  };
}
