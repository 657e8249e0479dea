/** Pod: the unit the scheduler places on a node and an agent runs. */
import { type Static, Type } from '@sinclair/typebox';
import type { KubeObject } from '../object.js';
import type { ResourceType } from '../resource-type.js';
import { ageColumn, asArray, asRecord, field, nameColumn, objectSchema } from './common.js';
import { defaultPodSpec, type PodSpec, PodSpecSchema, validatePodSpec } from './pod-spec.js';

const ContainerStateSchema = Type.Object({
  waiting: Type.Optional(
    Type.Object({ reason: Type.Optional(Type.String()), message: Type.Optional(Type.String()) }),
  ),
  running: Type.Optional(Type.Object({ startedAt: Type.Optional(Type.String()) })),
  terminated: Type.Optional(
    Type.Object({
      exitCode: Type.Integer(),
      signal: Type.Optional(Type.Integer()),
      reason: Type.Optional(Type.String()),
      message: Type.Optional(Type.String()),
      startedAt: Type.Optional(Type.String()),
      finishedAt: Type.Optional(Type.String()),
    }),
  ),
});

export const ContainerStatusSchema = Type.Object({
  name: Type.String(),
  ready: Type.Boolean(),
  restartCount: Type.Integer(),
  image: Type.Optional(Type.String()),
  imageID: Type.Optional(Type.String()),
  started: Type.Optional(Type.Boolean()),
  state: Type.Optional(ContainerStateSchema),
  lastState: Type.Optional(ContainerStateSchema),
});

export const ConditionSchema = Type.Object({
  type: Type.String(),
  status: Type.Union([Type.Literal('True'), Type.Literal('False'), Type.Literal('Unknown')]),
  reason: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
  lastTransitionTime: Type.Optional(Type.String()),
  lastHeartbeatTime: Type.Optional(Type.String()),
  lastProbeTime: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});

export const PodStatusSchema = Type.Object({
  phase: Type.Optional(
    Type.Union(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'].map((p) => Type.Literal(p))),
  ),
  conditions: Type.Optional(Type.Array(ConditionSchema)),
  reason: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
  hostIP: Type.Optional(Type.String()),
  podIP: Type.Optional(Type.String()),
  startTime: Type.Optional(Type.String()),
  containerStatuses: Type.Optional(Type.Array(ContainerStatusSchema)),
  /** Edgewise: where each containerPort is served on the node. */
  hostPorts: Type.Optional(
    Type.Array(
      Type.Object({ container: Type.String(), containerPort: Type.Integer(), hostPort: Type.Integer() }),
    ),
  ),
});

export type PodStatus = Static<typeof PodStatusSchema>;
export type ContainerStatus = Static<typeof ContainerStatusSchema>;
export type Condition = Static<typeof ConditionSchema>;

export interface Pod extends KubeObject {
  spec: PodSpec;
  status?: PodStatus;
}

/** The STATUS column, computed as kubectl does (waiting/terminated reasons win over phase). */
export function podDisplayStatus(pod: KubeObject): string {
  const status = asRecord(pod.status);
  let reason = String(status.reason ?? status.phase ?? 'Pending');
  for (const cs of asArray(status.containerStatuses)) {
    const waiting = field(cs, 'state', 'waiting', 'reason');
    const terminated = asRecord(field(cs, 'state', 'terminated'));
    if (typeof waiting === 'string' && waiting) reason = waiting;
    else if (typeof terminated.reason === 'string' && terminated.reason) reason = terminated.reason;
    else if (typeof terminated.signal === 'number' && terminated.signal)
      reason = `Signal:${terminated.signal}`;
    else if (typeof terminated.exitCode === 'number' && terminated.exitCode)
      reason = `ExitCode:${terminated.exitCode}`;
  }
  if (pod.metadata.deletionTimestamp) reason = status.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return reason;
}

export const podType: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Pod',
  listKind: 'PodList',
  plural: 'pods',
  singular: 'pod',
  shortNames: ['po'],
  categories: ['all'],
  namespaced: true,
  storage: 'core/pods',
  hasStatus: true,
  nameRule: 'subdomain',
  schema: objectSchema(
    { spec: PodSpecSchema, status: Type.Optional(PodStatusSchema) },
    "One instance of a workload, bound to one node, run by that node's agent.",
  ),
  fieldSelectors: [
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.runtimeClassName',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ],
  columns: [
    nameColumn,
    {
      name: 'Ready',
      type: 'string',
      priority: 0,
      cell: (o) => {
        const statuses = asArray(field(o, 'status', 'containerStatuses'));
        const total = asArray(field(o, 'spec', 'containers')).length;
        return `${statuses.filter((s) => field(s, 'ready') === true).length}/${total}`;
      },
    },
    { name: 'Status', type: 'string', priority: 0, cell: podDisplayStatus },
    {
      name: 'Restarts',
      type: 'integer',
      priority: 0,
      cell: (o) =>
        asArray(field(o, 'status', 'containerStatuses')).reduce<number>(
          (n, s) => n + Number(field(s, 'restartCount') ?? 0),
          0,
        ),
    },
    ageColumn,
    { name: 'IP', type: 'string', priority: 1, cell: (o) => String(field(o, 'status', 'podIP') ?? '<none>') },
    {
      name: 'Node',
      type: 'string',
      priority: 1,
      cell: (o) => String(field(o, 'spec', 'nodeName') ?? '<none>'),
    },
    {
      name: 'Ports',
      type: 'string',
      priority: 1,
      description: 'Node ports serving each containerPort (node port→container port).',
      cell: (o) => {
        const ports = asArray(field(o, 'status', 'hostPorts')).map(
          (p) => `${field(p, 'hostPort')}→${field(p, 'containerPort')}`,
        );
        return ports.length ? ports.join(',') : '<none>';
      },
    },
  ],
  validate(o, errors, ctx) {
    const spec = asRecord(o.spec) as unknown as PodSpec;
    validatePodSpec(spec, 'spec', errors);
    if (ctx.operation === 'UPDATE' && ctx.old) {
      const oldSpec = asRecord(ctx.old.spec);
      // Like Kubernetes, a pod's spec is fixed once created, except that binding may set nodeName once.
      const comparable = (s: Record<string, unknown>) => JSON.stringify({ ...s, nodeName: undefined });
      if (comparable(asRecord(o.spec)) !== comparable(oldSpec)) {
        errors.forbidden('spec', 'pod updates may not change fields other than nodeName (once) and status');
      }
      if (oldSpec.nodeName && oldSpec.nodeName !== asRecord(o.spec).nodeName) {
        errors.invalid('spec.nodeName', asRecord(o.spec).nodeName ?? '', 'field is immutable once set');
      }
    }
  },
  applyDefaults(o) {
    defaultPodSpec(asRecord(o.spec) as unknown as PodSpec, true);
    const status = asRecord(o.status);
    status.phase ??= 'Pending';
    o.status = status;
    return [];
  },
};
