/** Builders for nodes, pods and RuntimeClasses as the store would hand them to the scheduler. */
import type { EdgeNode, Taint } from '../../../src/api/kinds/node.js';
import { SITE_LABEL } from '../../../src/api/kinds/node.js';
import type { Pod } from '../../../src/api/kinds/pod.js';
import type { Container, PodSpec, Toleration } from '../../../src/api/kinds/pod-spec.js';
import { type RuntimeClass, SchedulingCache } from '../../../src/hub/scheduler/index.js';

export interface NodeOptions {
  labels?: Record<string, string>;
  site?: string;
  /** Ready condition status; default True. */
  ready?: 'True' | 'False' | 'Unknown' | 'missing';
  readyReason?: string;
  cpu?: string | number;
  memory?: string;
  pods?: string;
  /** Replaces status.allocatable entirely (`null` removes it). */
  allocatable?: Record<string, unknown> | null;
  /** Runtime handler names; default the default handler ('') and wasmedge. */
  handlers?: string[];
  taints?: Taint[];
  unschedulable?: boolean;
}

export function node(name: string, o: NodeOptions = {}): EdgeNode {
  const labels: Record<string, string> = {
    'kubernetes.io/arch': 'arm64',
    'kubernetes.io/os': 'linux',
    'kubernetes.io/hostname': name,
    ...(o.site ? { [SITE_LABEL]: o.site } : {}),
    ...o.labels,
  };
  const allocatable =
    o.allocatable === undefined
      ? { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', ...(o.pods ? { pods: o.pods } : {}) }
      : o.allocatable;
  const conditions =
    o.ready === 'missing'
      ? []
      : [{ type: 'Ready', status: o.ready ?? 'True', ...(o.readyReason ? { reason: o.readyReason } : {}) }];
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: {
      ...(allocatable === null ? {} : { allocatable: allocatable as Record<string, string> }),
      conditions: conditions as NonNullable<EdgeNode['status']>['conditions'],
      runtimeHandlers: (o.handlers ?? ['', 'wasmedge']).map((h) => ({ name: h })),
    },
  };
}

export interface PodOptions {
  namespace?: string;
  cpu?: string | number;
  memory?: string;
  /** Owner uid (a Deployment); makes the pod a replica to spread. */
  owner?: string;
  nodeName?: string;
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  runtimeClassName?: string;
  affinity?: PodSpec['affinity'];
  hostPorts?: { hostPort: number; containerPort?: number; protocol?: 'TCP' | 'UDP'; hostIP?: string }[];
  hostNetwork?: boolean;
  containers?: Container[];
  initContainers?: Container[];
}

export function container(name: string, requests: Record<string, string | number> = {}): Container {
  return { name, image: `example/${name}:1`, resources: { requests } };
}

export function pod(name: string, o: PodOptions = {}): Pod {
  const requests: Record<string, string | number> = {};
  if (o.cpu !== undefined) requests.cpu = o.cpu;
  if (o.memory !== undefined) requests.memory = o.memory;
  const main: Container = container('main', requests);
  if (o.hostPorts) {
    main.ports = o.hostPorts.map((p) => ({
      containerPort: p.containerPort ?? p.hostPort,
      hostPort: p.hostPort,
      protocol: p.protocol ?? 'TCP',
      ...(p.hostIP ? { hostIP: p.hostIP } : {}),
    }));
  }
  const spec: PodSpec = { containers: o.containers ?? [main] };
  if (o.initContainers) spec.initContainers = o.initContainers;
  if (o.nodeName) spec.nodeName = o.nodeName;
  if (o.nodeSelector) spec.nodeSelector = o.nodeSelector;
  if (o.tolerations) spec.tolerations = o.tolerations;
  if (o.runtimeClassName) spec.runtimeClassName = o.runtimeClassName;
  if (o.affinity) spec.affinity = o.affinity;
  if (o.hostNetwork) spec.hostNetwork = true;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: o.namespace ?? 'default',
      uid: `uid-${name}`,
      ...(o.owner
        ? {
            ownerReferences: [
              { apiVersion: 'apps/v1', kind: 'Deployment', name: o.owner, uid: o.owner, controller: true },
            ],
          }
        : {}),
    },
    spec,
    status: { phase: o.phase ?? (o.nodeName ? 'Running' : 'Pending') },
  };
}

export function runtimeClass(name: string, handler: string, extra: Partial<RuntimeClass> = {}): RuntimeClass {
  return { apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name }, handler, ...extra };
}

export function cacheWith(
  nodes: EdgeNode[],
  pods: Pod[] = [],
  runtimeClasses: RuntimeClass[] = [],
): SchedulingCache {
  const cache = new SchedulingCache();
  for (const rc of runtimeClasses) cache.setRuntimeClass(rc);
  for (const n of nodes) cache.updateNode(n);
  for (const p of pods) cache.addPod(p);
  return cache;
}

/** Required node affinity from terms of matchExpressions. */
export function requiredAffinity(
  ...terms: {
    key: string;
    operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
    values?: string[];
  }[][]
): PodSpec['affinity'] {
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: terms.map((matchExpressions) => ({ matchExpressions })),
      },
    },
  };
}
