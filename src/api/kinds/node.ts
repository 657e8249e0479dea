/** Node: one edge box running an agent. Created when an agent joins. */
import { type Static, Type } from '@sinclair/typebox';
import type { KubeObject } from '../object.js';
import type { ResourceType } from '../resource-type.js';
import { QuantityMap } from '../schema.js';
import { ageColumn, asArray, asRecord, field, nameColumn, objectSchema } from './common.js';
import { ConditionSchema } from './pod.js';

/** The label that names the site (store, clinic, school) a node belongs to. */
export const SITE_LABEL = 'edgewise.io/site';

export const TaintSchema = Type.Object({
  key: Type.String(),
  value: Type.Optional(Type.String()),
  effect: Type.Union([
    Type.Literal('NoSchedule'),
    Type.Literal('PreferNoSchedule'),
    Type.Literal('NoExecute'),
  ]),
  timeAdded: Type.Optional(Type.String()),
});

export const NodeSpecSchema = Type.Object({
  taints: Type.Optional(Type.Array(TaintSchema)),
  unschedulable: Type.Optional(Type.Boolean()),
  providerID: Type.Optional(Type.String()),
});

export const NodeStatusSchema = Type.Object({
  capacity: Type.Optional(QuantityMap()),
  allocatable: Type.Optional(QuantityMap()),
  conditions: Type.Optional(Type.Array(ConditionSchema)),
  addresses: Type.Optional(Type.Array(Type.Object({ type: Type.String(), address: Type.String() }))),
  nodeInfo: Type.Optional(
    Type.Object(
      {
        architecture: Type.Optional(Type.String()),
        operatingSystem: Type.Optional(Type.String()),
        kernelVersion: Type.Optional(Type.String()),
        osImage: Type.Optional(Type.String()),
        kubeletVersion: Type.Optional(Type.String()),
        machineID: Type.Optional(Type.String()),
      },
      { additionalProperties: true },
    ),
  ),
  /** RuntimeClass handlers this node's agent can run (Kubernetes 1.30's `status.runtimeHandlers`). */
  runtimeHandlers: Type.Optional(
    Type.Array(
      Type.Object({
        name: Type.String(),
        features: Type.Optional(Type.Object({}, { additionalProperties: true })),
      }),
    ),
  ),
  /** Edgewise: the agent's gateway port serving the node's HTTP workloads by Host header. */
  gateway: Type.Optional(
    Type.Object({
      address: Type.String(),
      port: Type.Integer(),
      /** How hosts name workloads: `<deployment-or-pod>.<namespace>[.<anything>]`. */
      hostScheme: Type.Optional(Type.String()),
    }),
  ),
});

export type Taint = Static<typeof TaintSchema>;
export type NodeStatus = Static<typeof NodeStatusSchema>;

export interface EdgeNode extends KubeObject {
  spec?: Static<typeof NodeSpecSchema>;
  status?: NodeStatus;
}

/** STATUS column: Ready / NotReady / Offline / Unknown, plus SchedulingDisabled. */
export function nodeDisplayStatus(node: KubeObject): string {
  const conditions = asArray(field(node, 'status', 'conditions'));
  const ready = conditions.find((c) => field(c, 'type') === 'Ready');
  let status = 'Unknown';
  if (ready) {
    const value = field(ready, 'status');
    const reason = field(ready, 'reason');
    if (value === 'True') status = 'Ready';
    else if (reason === 'NodeOffline') status = 'Offline';
    else status = 'NotReady';
  }
  if (field(node, 'spec', 'unschedulable') === true) status += ',SchedulingDisabled';
  return status;
}

export const nodeType: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Node',
  listKind: 'NodeList',
  plural: 'nodes',
  singular: 'node',
  shortNames: ['no'],
  categories: [],
  namespaced: false,
  storage: 'core/nodes',
  hasStatus: true,
  nameRule: 'subdomain',
  schema: objectSchema(
    { spec: Type.Optional(NodeSpecSchema), status: Type.Optional(NodeStatusSchema) },
    'An edge node: one box at a site, running the Edgewise agent.',
  ),
  fieldSelectors: ['spec.unschedulable'],
  columns: [
    nameColumn,
    { name: 'Status', type: 'string', priority: 0, cell: nodeDisplayStatus },
    { name: 'Site', type: 'string', priority: 0, cell: (o) => o.metadata.labels?.[SITE_LABEL] ?? '<none>' },
    {
      name: 'Arch',
      type: 'string',
      priority: 0,
      cell: (o) =>
        String(
          o.metadata.labels?.['kubernetes.io/arch'] ??
            field(o, 'status', 'nodeInfo', 'architecture') ??
            '<unknown>',
        ),
    },
    {
      name: 'Runtimes',
      type: 'string',
      priority: 0,
      cell: (o) => {
        const names = asArray(field(o, 'status', 'runtimeHandlers')).map((h) => String(field(h, 'name')));
        return names.length ? names.join(',') : '<none>';
      },
    },
    {
      name: 'CPU',
      type: 'string',
      priority: 0,
      cell: (o) => String(asRecord(field(o, 'status', 'allocatable')).cpu ?? '<unknown>'),
    },
    {
      name: 'Mem',
      type: 'string',
      priority: 0,
      cell: (o) => String(asRecord(field(o, 'status', 'allocatable')).memory ?? '<unknown>'),
    },
    ageColumn,
    {
      name: 'Version',
      type: 'string',
      priority: 1,
      cell: (o) => String(field(o, 'status', 'nodeInfo', 'kubeletVersion') ?? ''),
    },
    {
      name: 'Internal-IP',
      type: 'string',
      priority: 1,
      cell: (o) =>
        String(
          field(
            asArray(field(o, 'status', 'addresses')).find((a) => field(a, 'type') === 'InternalIP'),
            'address',
          ) ?? '<none>',
        ),
    },
    {
      name: 'Gateway',
      type: 'string',
      priority: 1,
      cell: (o) => {
        const address = field(o, 'status', 'gateway', 'address');
        const port = field(o, 'status', 'gateway', 'port');
        return address !== undefined && port !== undefined ? `${String(address)}:${String(port)}` : '<none>';
      },
    },
    {
      name: 'OS-Image',
      type: 'string',
      priority: 1,
      cell: (o) => String(field(o, 'status', 'nodeInfo', 'osImage') ?? ''),
    },
  ],
};
