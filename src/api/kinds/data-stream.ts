/**
 * Stream (edgewise.io/v1alpha1): one named edge stream on one node, as the hub last
 * heard of it. The hub writes these from the agents' reports and its own ingest
 * ledger; `edgewise get streams` is how an operator sees backlog, lag and losses.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { KubeObject } from '../object.js';
import type { PrinterColumn, ResourceType } from '../resource-type.js';
import { field, nameColumn, objectSchema } from './common.js';
import { ConditionSchema } from './pod.js';

export const STREAM_STORAGE = 'edgewise.io/streams';
export const STREAM_NODE_LABEL = 'edgewise.io/node';
export const STREAM_NAME_LABEL = 'edgewise.io/stream';

const Counter = () => Type.Optional(Type.Integer({ minimum: 0 }));

export const StreamStatusSchema = Type.Object(
  {
    dataSync: Type.Optional(Type.String({ description: 'namespace/name of the governing DataSync.' })),
    sink: Type.Optional(Type.String()),
    priority: Type.Optional(Type.Integer()),
    epoch: Type.Optional(Type.String({ description: "The node's current sequence epoch." })),
    lastSeq: Type.Optional(Type.Integer()),
    backlog: Counter(),
    backlogBytes: Counter(),
    lagSeconds: Type.Optional(Type.Number()),
    written: Counter(),
    delivered: Counter(),
    evicted: Counter(),
    evictedByAge: Counter(),
    evictedByBytes: Counter(),
    rejected: Counter(),
    refusedByPolicy: Counter(),
    redacted: Counter(),
    corrupt: Counter(),
    lost: Counter(),
    duplicatesDropped: Counter(),
    gaps: Counter(),
    policy: Type.Optional(Type.String()),
    reportedAt: Type.Optional(Type.String()),
    conditions: Type.Optional(Type.Array(ConditionSchema)),
  },
  { additionalProperties: true },
);

export type StreamStatus = Static<typeof StreamStatusSchema>;

/**
 * `<node>.<stream>`: stream names are DNS labels and node names DNS subdomains. A pair
 * too long for a name keeps the stream and a hash of the whole instead.
 */
export function streamObjectName(node: string, stream: string): string {
  const name = `${node}.${stream}`;
  if (name.length <= 253) return name;
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return `${node.slice(0, 253 - stream.length - 10).replace(/[.-]+$/, '')}-${hash.toString(16).padStart(8, '0')}.${stream}`;
}

function num(path: keyof StreamStatus): PrinterColumn['cell'] {
  return (o) => Number(field(o, 'status', path) ?? 0);
}

function lag(o: KubeObject): string {
  const seconds = field(o, 'status', 'lagSeconds');
  if (typeof seconds !== 'number') return '<unknown>';
  if (seconds < 1) return '0s';
  if (seconds < 120) return `${Math.floor(seconds)}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  return `${Math.floor(seconds / 3600)}h`;
}

const columns: PrinterColumn[] = [
  { ...nameColumn, priority: 1 },
  { name: 'Node', type: 'string', priority: 0, cell: (o) => String(field(o, 'spec', 'node') ?? '') },
  { name: 'Stream', type: 'string', priority: 0, cell: (o) => String(field(o, 'spec', 'stream') ?? '') },
  {
    name: 'DataSync',
    type: 'string',
    priority: 0,
    cell: (o) => String(field(o, 'status', 'dataSync') ?? '<none>'),
  },
  { name: 'Sink', type: 'string', priority: 0, cell: (o) => String(field(o, 'status', 'sink') ?? '<none>') },
  { name: 'Backlog', type: 'integer', priority: 0, cell: num('backlog') },
  { name: 'Lag', type: 'string', priority: 0, cell: lag },
  { name: 'Delivered', type: 'integer', priority: 0, cell: num('delivered') },
  { name: 'Evicted', type: 'integer', priority: 0, cell: num('evicted') },
  {
    name: 'Refused',
    type: 'integer',
    priority: 0,
    description: 'Refused by egress policy',
    cell: num('refusedByPolicy'),
  },
  {
    name: 'Rejected',
    type: 'integer',
    priority: 1,
    description: 'Writes refused: backlog full',
    cell: num('rejected'),
  },
  { name: 'Redacted', type: 'integer', priority: 1, cell: num('redacted') },
  { name: 'Corrupt', type: 'integer', priority: 1, cell: num('corrupt') },
  { name: 'Lost', type: 'integer', priority: 1, cell: num('lost') },
  { name: 'Duplicates', type: 'integer', priority: 1, cell: num('duplicatesDropped') },
  { name: 'Bytes', type: 'integer', priority: 1, cell: num('backlogBytes') },
  { name: 'Epoch', type: 'string', priority: 1, cell: (o) => String(field(o, 'status', 'epoch') ?? '') },
  { name: 'Policy', type: 'string', priority: 1, cell: (o) => String(field(o, 'status', 'policy') ?? '') },
  {
    name: 'Reported',
    type: 'date',
    priority: 1,
    cell: (o) => (field(o, 'status', 'reportedAt') as string) ?? null,
  },
];

export const streamType: ResourceType = {
  group: 'edgewise.io',
  version: 'v1alpha1',
  kind: 'Stream',
  listKind: 'StreamList',
  plural: 'streams',
  singular: 'stream',
  shortNames: ['st'],
  categories: [],
  namespaced: false,
  storage: STREAM_STORAGE,
  hasStatus: true,
  nameRule: 'subdomain',
  schema: objectSchema(
    {
      spec: Type.Object({ node: Type.String(), stream: Type.String() }),
      status: Type.Optional(StreamStatusSchema),
    },
    'An edge stream on one node: backlog, lag, delivered, evicted and refused records, as reported.',
  ),
  fieldSelectors: ['spec.node', 'spec.stream'],
  columns,
};
