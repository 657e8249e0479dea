/**
 * `edgewise get records`: the records the hub keeps for DataSyncs with sink `hub`,
 * served read-only at the StreamRecord kind's path from the ingest ledger (not the
 * resource store: records are far too many to be objects with revisions and watches).
 *
 *   GET /apis/edgewise.io/v1alpha1/records?labelSelector=node=edge-1,stream=shipments&limit=500&continue=<id>
 *   GET /apis/edgewise.io/v1alpha1/records/<node>.<stream>.<epoch>.<seq>
 */
import { EdgewiseError } from '../../api/errors.js';
import { type StreamRecordObject, streamRecordType } from '../../api/kinds/data-record.js';
import { parseLabelSelector } from '../../api/selectors.js';
import type { Route } from '../http/app.js';
import { negotiate, send } from '../http/respond.js';
import { type IncludeObject, toTable } from '../http/table.js';
import type { IngestLedger, RecordQuery, StoredRecord } from './ledger.js';
import { dedupKey } from './sink.js';

const PREFIX = '/apis/edgewise.io/v1alpha1/records';
const DEFAULT_LIMIT = 500;
const MAX_LIMIT = 5000;

export function recordsRoute(ledger: IngestLedger, now: () => Date): Route {
  return async (req, res, url) => {
    if (url.pathname !== PREFIX && !url.pathname.startsWith(`${PREFIX}/`)) return false;
    if (req.method !== 'GET')
      throw new EdgewiseError('EW_METHOD_NOT_ALLOWED', 'records are read-only: data sync writes them');
    if (['true', '1'].includes(url.searchParams.get('watch') ?? ''))
      throw new EdgewiseError(
        'EW_METHOD_NOT_ALLOWED',
        'records cannot be watched; list them with continue tokens',
      );
    const name = url.pathname.slice(PREFIX.length + 1);
    const format = negotiate(req, true);
    if (name) {
      const [item] = (await ledger.records({ ...parseName(name), limit: 1 })).map(toObject);
      if (!item)
        throw new EdgewiseError('EW_NOT_FOUND', `records.edgewise.io "${name}" not found`, {
          name,
          group: 'edgewise.io',
          kind: 'records',
        });
      send(
        res,
        200,
        format === 'table' ? toTable(streamRecordType, [item], now(), include(url)) : item,
        format === 'yaml' ? 'yaml' : 'json',
      );
      return true;
    }
    const query = listQuery(url);
    const rows = await ledger.records(query);
    const items = rows.map(toObject);
    const last = rows.at(-1);
    const more = rows.length === query.limit && last ? String(last.id) : undefined;
    const metadata = { resourceVersion: '0', ...(more && { continue: more }) };
    if (format === 'table') send(res, 200, toTable(streamRecordType, items, now(), include(url), metadata));
    else
      send(
        res,
        200,
        { apiVersion: 'edgewise.io/v1alpha1', kind: 'StreamRecordList', metadata, items },
        format === 'yaml' ? 'yaml' : 'json',
      );
    return true;
  };
}

function include(url: URL): IncludeObject {
  return (url.searchParams.get('includeObject') as IncludeObject | null) ?? 'Metadata';
}

function listQuery(url: URL): RecordQuery {
  const limit = Math.min(MAX_LIMIT, Number(url.searchParams.get('limit') ?? DEFAULT_LIMIT) || DEFAULT_LIMIT);
  const after = Number(url.searchParams.get('continue') ?? 0);
  if (!Number.isSafeInteger(after) || after < 0)
    throw new EdgewiseError('EW_BAD_REQUEST', 'invalid continue token');
  const query: RecordQuery = { limit, after };
  const text = url.searchParams.get('labelSelector');
  for (const req of text ? parseLabelSelector(text).requirements : []) {
    if (req.operator !== 'in' || req.values.length !== 1 || !['node', 'stream', 'epoch'].includes(req.key))
      throw new EdgewiseError('EW_BAD_REQUEST', 'records can be selected by node=, stream= and epoch= only');
    query[req.key as 'node' | 'stream' | 'epoch'] = req.values[0] as string;
  }
  return query;
}

/** `<node>.<stream>.<epoch>.<seq>`; node names may hold dots, the other parts never do. */
function parseName(name: string): Omit<RecordQuery, 'limit'> {
  const parts = name.split('.');
  const seq = Number(parts.pop());
  const epoch = parts.pop();
  const stream = parts.pop();
  const node = parts.join('.');
  if (!Number.isSafeInteger(seq) || !epoch || !stream || !node)
    throw new EdgewiseError('EW_NOT_FOUND', `records.edgewise.io "${name}" not found`);
  return { node, stream, epoch, seq };
}

function toObject(r: StoredRecord): StreamRecordObject {
  return {
    apiVersion: 'edgewise.io/v1alpha1',
    kind: 'StreamRecord',
    metadata: {
      name: `${r.node}.${r.stream}.${r.epoch}.${r.seq}`,
      labels: { node: r.node, stream: r.stream, epoch: r.epoch },
      creationTimestamp: new Date(r.received).toISOString(),
      resourceVersion: String(r.id),
    },
    record: {
      node: r.node,
      epoch: r.epoch,
      stream: r.stream,
      seq: r.seq,
      time: new Date(r.time).toISOString(),
      dedupKey: dedupKey(r),
    },
    data: JSON.parse(r.data) as unknown,
  };
}
