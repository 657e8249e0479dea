/**
 * StreamRecord (edgewise.io/v1alpha1): a record the hub keeps in its own store for
 * DataSyncs whose sink is `hub`. Served read-only from the hub's ingest store, not
 * the resource store: `edgewise get records -l stream=shipments,node=edge-1`.
 */
import { Type } from '@sinclair/typebox';
import type { KubeObject } from '../object.js';
import type { ResourceType } from '../resource-type.js';
import { field, nameColumn, objectSchema } from './common.js';

export const RECORD_STORAGE = 'edgewise.io/records';

/** Labels records can be selected by (equality only). */
export const RECORD_LABELS = ['node', 'stream', 'epoch'] as const;

export interface StreamRecordObject extends KubeObject {
  record: { node: string; epoch: string; stream: string; seq: number; time: string; dedupKey: string };
  data: unknown;
}

function preview(o: KubeObject): string {
  const text = JSON.stringify(o.data) ?? '';
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export const streamRecordType: ResourceType = {
  group: 'edgewise.io',
  version: 'v1alpha1',
  kind: 'StreamRecord',
  listKind: 'StreamRecordList',
  plural: 'records',
  singular: 'record',
  shortNames: ['rec'],
  categories: [],
  namespaced: false,
  storage: RECORD_STORAGE,
  hasStatus: false,
  nameRule: 'subdomain',
  schema: objectSchema(
    {
      record: Type.Object({
        node: Type.String(),
        epoch: Type.String(),
        stream: Type.String(),
        seq: Type.Integer(),
        time: Type.String(),
        dedupKey: Type.String(),
      }),
      data: Type.Unknown(),
    },
    'An edge record stored by the hub (DataSync sink: hub). Read-only.',
  ),
  fieldSelectors: [],
  columns: [
    { ...nameColumn, priority: 1 },
    { name: 'Node', type: 'string', priority: 0, cell: (o) => String(field(o, 'record', 'node') ?? '') },
    { name: 'Stream', type: 'string', priority: 0, cell: (o) => String(field(o, 'record', 'stream') ?? '') },
    { name: 'Epoch', type: 'string', priority: 1, cell: (o) => String(field(o, 'record', 'epoch') ?? '') },
    { name: 'Seq', type: 'integer', priority: 0, cell: (o) => Number(field(o, 'record', 'seq') ?? 0) },
    { name: 'Time', type: 'string', priority: 0, cell: (o) => String(field(o, 'record', 'time') ?? '') },
    { name: 'Data', type: 'string', priority: 0, cell: preview },
  ],
};
