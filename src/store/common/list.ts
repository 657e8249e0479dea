/**
 * Paginated lists. A page is collected by a generator that asks its backend for rows
 * in key order and filters them, so the same code runs synchronously inside a SQLite
 * transaction and asynchronously inside a PostgreSQL one.
 *
 * Consistency: every page of a list reflects one revision, the first page's. A
 * continue token carries that revision; later pages read objects unchanged since
 * then from the objects table and reconstruct the rest from history (the state
 * before the first later write to each key), as etcd serves a range at a revision.
 * Once compaction passes that revision the token expires with EW_GONE.
 */
import type { KubeObject } from '../../api/object.js';
import { badRequest } from './errors.js';
import type { ObjectFilter } from './filter.js';

export interface ListKey {
  namespace: string;
  name: string;
}

/** A request for rows of one resource in (namespace, name) order, strictly after `after`. */
export interface RowQuery {
  after?: ListKey;
  /** Omitted: every remaining row. */
  limit?: number;
}

export interface ListRow {
  namespace: string;
  name: string;
  object: string;
}

export interface Page {
  items: KubeObject[];
  /** Set when more matching objects follow the last item. */
  more: boolean;
}

const MIN_CHUNK = 256;
const MAX_CHUNK = 8192;

/**
 * Yields row queries and receives their rows until it has `limit` matches and knows
 * whether another exists (so `continue` is only set when there is something to get).
 */
export function* collectPage(
  filter: ObjectFilter,
  limit: number | undefined,
  after: ListKey | undefined,
): Generator<RowQuery, Page, ListRow[]> {
  const items: KubeObject[] = [];
  if (filter.pushdown.impossible) return { items, more: false };
  // When SQL filters exactly, limit + 1 rows answer the page; otherwise read wider
  // chunks, doubling while the selector keeps rejecting rows.
  let chunk = limit === undefined ? undefined : filter.exact ? limit + 1 : Math.max(limit + 1, MIN_CHUNK);
  let cursor = after;
  for (;;) {
    const rows: ListRow[] = yield chunk === undefined ? { after: cursor } : { after: cursor, limit: chunk };
    for (const row of rows) {
      const object = JSON.parse(row.object) as KubeObject;
      if (!filter.matches(object)) continue;
      if (limit !== undefined && items.length === limit) return { items, more: true };
      items.push(object);
    }
    const last = rows[rows.length - 1];
    if (chunk === undefined || rows.length < chunk || !last) return { items, more: false };
    cursor = { namespace: last.namespace, name: last.name };
    chunk = Math.min(chunk * 2, Math.max(MAX_CHUNK, chunk));
  }
}

/** Runs collectPage against a synchronous row source. */
export function collectPageSync(
  page: Generator<RowQuery, Page, ListRow[]>,
  fetch: (q: RowQuery) => ListRow[],
): Page {
  let step = page.next();
  while (!step.done) step = page.next(fetch(step.value));
  return step.value;
}

/** Runs collectPage against an asynchronous row source. */
export async function collectPageAsync(
  page: Generator<RowQuery, Page, ListRow[]>,
  fetch: (q: RowQuery) => Promise<ListRow[]>,
): Promise<Page> {
  let step = page.next();
  while (!step.done) step = page.next(await fetch(step.value));
  return step.value;
}

/** `limit` as ListOptions gives it: omitted or 0 means no limit, as in Kubernetes. */
export function checkLimit(limit: number | undefined): number | undefined {
  if (limit === undefined || limit === 0) return undefined;
  if (!Number.isSafeInteger(limit) || limit < 0)
    throw badRequest(`limit must be a non-negative integer, got ${limit}`);
  return limit;
}

export interface ContinueToken {
  /** The revision every page of this list reflects. */
  revision: number;
  /** The key of the last item already returned. */
  after: ListKey;
}

export function encodeContinue(token: ContinueToken): string {
  const body = { v: 1, rv: token.revision, ns: token.after.namespace, n: token.after.name };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

export function decodeContinue(text: string): ContinueToken {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    body = undefined; // reported below with the same message as a well-formed but wrong token
  }
  const b = body as { v?: unknown; rv?: unknown; ns?: unknown; n?: unknown } | undefined;
  if (
    typeof b !== 'object' ||
    b === null ||
    b.v !== 1 ||
    !Number.isSafeInteger(b.rv) ||
    (b.rv as number) < 0 ||
    typeof b.ns !== 'string' ||
    typeof b.n !== 'string'
  ) {
    throw badRequest('invalid continue token: pass back the continue value of a previous list unchanged');
  }
  return { revision: b.rv as number, after: { namespace: b.ns, name: b.n } };
}
