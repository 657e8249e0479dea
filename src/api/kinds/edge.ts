/**
 * Kinds from the edge field beyond core Kubernetes: RuntimeClass (node.k8s.io/v1),
 * KubeVirt VirtualMachine (kubevirt.io/v1) and EdgeCluster (a site; served under
 * both `management.k3s.io/v1`, as the retail scenario writes it, and `edgewise.io/v1alpha1`).
 */
import { type Static, Type } from '@sinclair/typebox';
import { checkDns1123Label } from '../names.js';
import type { KubeObject } from '../object.js';
import type { ResourceType } from '../resource-type.js';
import { QuantityMap, StringMap } from '../schema.js';
import { ageColumn, asRecord, field, nameColumn, objectSchema } from './common.js';
import { ConditionSchema } from './pod.js';
import { type Toleration, TolerationSchema, validateTolerations } from './pod-spec.js';

export const runtimeClassType: ResourceType = {
  group: 'node.k8s.io',
  version: 'v1',
  kind: 'RuntimeClass',
  listKind: 'RuntimeClassList',
  plural: 'runtimeclasses',
  singular: 'runtimeclass',
  shortNames: [],
  categories: [],
  namespaced: false,
  storage: 'node.k8s.io/runtimeclasses',
  hasStatus: false,
  nameRule: 'subdomain',
  schema: objectSchema(
    {
      handler: Type.String({
        description: 'The runtime handler a node must offer (wasmedge, wasm, process, runc, qemu…).',
      }),
      overhead: Type.Optional(Type.Object({ podFixed: Type.Optional(QuantityMap()) })),
      scheduling: Type.Optional(
        Type.Object({
          nodeSelector: Type.Optional(StringMap()),
          tolerations: Type.Optional(Type.Array(TolerationSchema)),
        }),
      ),
    },
    'Names a runtime handler; pods pick one with spec.runtimeClassName.',
  ),
  fieldSelectors: [],
  columns: [
    nameColumn,
    { name: 'Handler', type: 'string', priority: 0, cell: (o) => String(o.handler ?? '') },
    ageColumn,
  ],
  validate(o, errors, ctx) {
    if (typeof o.handler === 'string') errors.check('handler', o.handler, checkDns1123Label(o.handler));
    if (ctx.old && ctx.old.handler !== o.handler) errors.invalid('handler', o.handler, 'field is immutable');
  },
};

const VirtualMachineTemplateSpec = Type.Object(
  {
    domain: Type.Object(
      {
        resources: Type.Optional(
          Type.Object(
            { requests: Type.Optional(QuantityMap()), limits: Type.Optional(QuantityMap()) },
            { additionalProperties: true },
          ),
        ),
        cpu: Type.Optional(
          Type.Object({ cores: Type.Optional(Type.Integer()) }, { additionalProperties: true }),
        ),
        memory: Type.Optional(
          Type.Object({ guest: Type.Optional(Type.String()) }, { additionalProperties: true }),
        ),
      },
      { additionalProperties: true },
    ),
    nodeSelector: Type.Optional(StringMap()),
    tolerations: Type.Optional(Type.Array(TolerationSchema)),
    affinity: Type.Optional(Type.Object({}, { additionalProperties: true })),
    volumes: Type.Optional(Type.Array(Type.Object({ name: Type.String() }, { additionalProperties: true }))),
  },
  { additionalProperties: true },
);

export const virtualMachineType: ResourceType = {
  group: 'kubevirt.io',
  version: 'v1',
  kind: 'VirtualMachine',
  listKind: 'VirtualMachineList',
  plural: 'virtualmachines',
  singular: 'virtualmachine',
  shortNames: ['vm', 'vms'],
  categories: ['all'],
  namespaced: true,
  storage: 'kubevirt.io/virtualmachines',
  hasStatus: true,
  nameRule: 'subdomain',
  schema: objectSchema(
    {
      spec: Type.Object({
        running: Type.Optional(Type.Boolean()),
        runStrategy: Type.Optional(
          Type.Union(['Always', 'RerunOnFailure', 'Manual', 'Halted', 'Once'].map((s) => Type.Literal(s))),
        ),
        template: Type.Object({
          metadata: Type.Optional(
            Type.Object({ labels: Type.Optional(StringMap()), annotations: Type.Optional(StringMap()) }),
          ),
          spec: VirtualMachineTemplateSpec,
        }),
      }),
      status: Type.Optional(
        Type.Object({
          printableStatus: Type.Optional(Type.String()),
          ready: Type.Optional(Type.Boolean()),
          created: Type.Optional(Type.Boolean()),
          conditions: Type.Optional(Type.Array(ConditionSchema)),
        }),
      ),
    },
    'A KubeVirt virtual machine, run by the qemu driver on nodes that offer it.',
  ),
  fieldSelectors: [],
  columns: [
    nameColumn,
    ageColumn,
    {
      name: 'Status',
      type: 'string',
      priority: 0,
      cell: (o) => String(field(o, 'status', 'printableStatus') ?? 'Stopped'),
    },
    { name: 'Ready', type: 'boolean', priority: 0, cell: (o) => field(o, 'status', 'ready') === true },
  ],
  validate(o, errors) {
    const spec = asRecord(o.spec);
    if (spec.running !== undefined && spec.runStrategy !== undefined) {
      errors.invalid('spec.running', spec.running, 'running and runStrategy are mutually exclusive');
    }
    const templateSpec = asRecord(field(o, 'spec', 'template', 'spec'));
    validateTolerations(
      templateSpec.tolerations as Toleration[] | undefined,
      'spec.template.spec.tolerations',
      errors,
    );
  },
};

const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

export const EdgeClusterSpecSchema = Type.Object({
  endpoint: Type.Optional(
    Type.String({ description: 'Kubernetes API URL of the site cluster (another Edgewise hub or K3s).' }),
  ),
  credentials: Type.Optional(Type.Object({ secretName: Type.Optional(Type.String()) })),
  syncPolicy: Type.Optional(
    Type.Object({ autoSync: Type.Optional(Type.Boolean()), syncInterval: Type.Optional(Type.String()) }),
  ),
  nodeSelector: Type.Optional(StringMap()),
});

export interface EdgeCluster extends KubeObject {
  spec?: Static<typeof EdgeClusterSpecSchema>;
}

function edgeClusterType(group: string, version: string): ResourceType {
  return {
    group,
    version,
    kind: 'EdgeCluster',
    listKind: 'EdgeClusterList',
    plural: 'edgeclusters',
    singular: 'edgecluster',
    shortNames: ['ec', 'site', 'sites'],
    categories: [],
    namespaced: false,
    storage: 'edgewise.io/edgeclusters',
    hasStatus: true,
    nameRule: 'subdomain',
    schema: objectSchema(
      {
        spec: Type.Optional(EdgeClusterSpecSchema),
        status: Type.Optional(
          Type.Object({
            phase: Type.Optional(Type.String()),
            lastSyncTime: Type.Optional(Type.String()),
            nodes: Type.Optional(Type.Integer()),
            conditions: Type.Optional(Type.Array(ConditionSchema)),
          }),
        ),
      },
      'An edge site: a store, clinic or school, as a group of nodes or a whole cluster reached at an endpoint.',
    ),
    fieldSelectors: [],
    columns: [
      nameColumn,
      {
        name: 'Endpoint',
        type: 'string',
        priority: 0,
        cell: (o) => String(field(o, 'spec', 'endpoint') ?? '<none>'),
      },
      {
        name: 'Auto Sync',
        type: 'boolean',
        priority: 0,
        cell: (o) => field(o, 'spec', 'syncPolicy', 'autoSync') === true,
      },
      {
        name: 'Interval',
        type: 'string',
        priority: 0,
        cell: (o) => String(field(o, 'spec', 'syncPolicy', 'syncInterval') ?? '<none>'),
      },
      {
        name: 'Status',
        type: 'string',
        priority: 0,
        cell: (o) => String(field(o, 'status', 'phase') ?? 'Pending'),
      },
      ageColumn,
    ],
    validate(o, errors) {
      const spec = asRecord(o.spec);
      if (typeof spec.endpoint === 'string') {
        let ok = false;
        try {
          const url = new URL(spec.endpoint);
          ok = url.protocol === 'https:' || url.protocol === 'http:';
        } catch {
          ok = false;
        }
        if (!ok) errors.invalid('spec.endpoint', spec.endpoint, 'must be an http(s) URL');
      }
      const interval = asRecord(spec.syncPolicy).syncInterval;
      if (typeof interval === 'string' && !GO_DURATION.test(interval)) {
        errors.invalid('spec.syncPolicy.syncInterval', interval, 'must be a duration such as 30s, 5m or 1h');
      }
    },
  };
}

export const edgeClusterTypes: ResourceType[] = [
  edgeClusterType('edgewise.io', 'v1alpha1'),
  edgeClusterType('management.k3s.io', 'v1'),
];
