/**
 * PodSpec and its parts: the schema, checks and defaults shared by Pod, Deployment
 * and DaemonSet templates.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FieldErrors } from '../field-errors.js';
import { validateLabels } from '../meta.js';
import { checkDns1123Label, checkDns1123Subdomain, checkQualifiedName } from '../names.js';
import { tryParseQuantity } from '../quantity.js';
import { IntOrString, QuantityMap, StringMap } from '../schema.js';

const Open = { additionalProperties: true } as const;

const KeyRef = Type.Object({
  name: Type.Optional(Type.String()),
  key: Type.String(),
  optional: Type.Optional(Type.Boolean()),
});

export const EnvVarSchema = Type.Object({
  name: Type.String(),
  value: Type.Optional(Type.String()),
  valueFrom: Type.Optional(
    Type.Object({
      configMapKeyRef: Type.Optional(KeyRef),
      secretKeyRef: Type.Optional(KeyRef),
      fieldRef: Type.Optional(
        Type.Object({ fieldPath: Type.String(), apiVersion: Type.Optional(Type.String()) }),
      ),
      resourceFieldRef: Type.Optional(
        Type.Object({ resource: Type.String(), containerName: Type.Optional(Type.String()) }, Open),
      ),
    }),
  ),
});

const NameRef = Type.Object({ name: Type.Optional(Type.String()), optional: Type.Optional(Type.Boolean()) });

export const ContainerPortSchema = Type.Object({
  name: Type.Optional(Type.String()),
  containerPort: Type.Integer(),
  hostPort: Type.Optional(Type.Integer()),
  hostIP: Type.Optional(Type.String()),
  protocol: Type.Optional(Type.Union([Type.Literal('TCP'), Type.Literal('UDP'), Type.Literal('SCTP')])),
});

export const ResourceRequirementsSchema = Type.Object({
  limits: Type.Optional(QuantityMap()),
  requests: Type.Optional(QuantityMap()),
});

export const ContainerSchema = Type.Object({
  name: Type.String(),
  image: Type.Optional(Type.String()),
  command: Type.Optional(Type.Array(Type.String())),
  args: Type.Optional(Type.Array(Type.String())),
  workingDir: Type.Optional(Type.String()),
  ports: Type.Optional(Type.Array(ContainerPortSchema)),
  env: Type.Optional(Type.Array(EnvVarSchema)),
  envFrom: Type.Optional(
    Type.Array(
      Type.Object({
        prefix: Type.Optional(Type.String()),
        configMapRef: Type.Optional(NameRef),
        secretRef: Type.Optional(NameRef),
      }),
    ),
  ),
  resources: Type.Optional(ResourceRequirementsSchema),
  volumeMounts: Type.Optional(
    Type.Array(
      Type.Object({
        name: Type.String(),
        mountPath: Type.String(),
        readOnly: Type.Optional(Type.Boolean()),
        subPath: Type.Optional(Type.String()),
      }),
    ),
  ),
  imagePullPolicy: Type.Optional(
    Type.Union([Type.Literal('Always'), Type.Literal('IfNotPresent'), Type.Literal('Never')]),
  ),
});

const KeyToPath = Type.Array(
  Type.Object({ key: Type.String(), path: Type.String(), mode: Type.Optional(Type.Integer()) }),
);

export const VolumeSchema = Type.Object({
  name: Type.String(),
  configMap: Type.Optional(
    Type.Object({
      name: Type.Optional(Type.String()),
      items: Type.Optional(KeyToPath),
      optional: Type.Optional(Type.Boolean()),
      defaultMode: Type.Optional(Type.Integer()),
    }),
  ),
  secret: Type.Optional(
    Type.Object({
      secretName: Type.Optional(Type.String()),
      items: Type.Optional(KeyToPath),
      optional: Type.Optional(Type.Boolean()),
      defaultMode: Type.Optional(Type.Integer()),
    }),
  ),
  emptyDir: Type.Optional(
    Type.Object({ medium: Type.Optional(Type.String()), sizeLimit: Type.Optional(IntOrString()) }),
  ),
  hostPath: Type.Optional(Type.Object({ path: Type.String(), type: Type.Optional(Type.String()) })),
});

const NodeSelectorRequirement = Type.Object({
  key: Type.String(),
  operator: Type.Union(['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'].map((o) => Type.Literal(o))),
  values: Type.Optional(Type.Array(Type.String())),
});

export const NodeSelectorTermSchema = Type.Object({
  matchExpressions: Type.Optional(Type.Array(NodeSelectorRequirement)),
  matchFields: Type.Optional(Type.Array(NodeSelectorRequirement)),
});

export const TolerationSchema = Type.Object({
  key: Type.Optional(Type.String()),
  operator: Type.Optional(Type.Union([Type.Literal('Exists'), Type.Literal('Equal')])),
  value: Type.Optional(Type.String()),
  effect: Type.Optional(
    Type.Union([
      Type.Literal(''),
      Type.Literal('NoSchedule'),
      Type.Literal('PreferNoSchedule'),
      Type.Literal('NoExecute'),
    ]),
  ),
  tolerationSeconds: Type.Optional(Type.Integer()),
});

export const PodSpecSchema = Type.Object({
  containers: Type.Array(ContainerSchema),
  initContainers: Type.Optional(Type.Array(ContainerSchema)),
  volumes: Type.Optional(Type.Array(VolumeSchema)),
  nodeSelector: Type.Optional(StringMap()),
  nodeName: Type.Optional(Type.String()),
  affinity: Type.Optional(
    Type.Object({
      nodeAffinity: Type.Optional(
        Type.Object({
          requiredDuringSchedulingIgnoredDuringExecution: Type.Optional(
            Type.Object({ nodeSelectorTerms: Type.Array(NodeSelectorTermSchema) }),
          ),
          preferredDuringSchedulingIgnoredDuringExecution: Type.Optional(
            Type.Array(Type.Object({ weight: Type.Integer(), preference: NodeSelectorTermSchema })),
          ),
        }),
      ),
    }),
  ),
  tolerations: Type.Optional(Type.Array(TolerationSchema)),
  runtimeClassName: Type.Optional(Type.String()),
  restartPolicy: Type.Optional(
    Type.Union([Type.Literal('Always'), Type.Literal('OnFailure'), Type.Literal('Never')]),
  ),
  terminationGracePeriodSeconds: Type.Optional(Type.Integer()),
  hostNetwork: Type.Optional(Type.Boolean()),
  priority: Type.Optional(Type.Integer()),
  schedulerName: Type.Optional(Type.String()),
  serviceAccountName: Type.Optional(Type.String()),
});

export const PodTemplateSpecSchema = Type.Object({
  metadata: Type.Optional(
    Type.Object({ labels: Type.Optional(StringMap()), annotations: Type.Optional(StringMap()) }),
  ),
  spec: PodSpecSchema,
});

export type Container = Static<typeof ContainerSchema>;
export type ContainerPort = Static<typeof ContainerPortSchema>;
export type EnvVar = Static<typeof EnvVarSchema>;
export type Volume = Static<typeof VolumeSchema>;
export type Toleration = Static<typeof TolerationSchema>;
export type NodeSelectorTerm = Static<typeof NodeSelectorTermSchema>;
export type PodSpec = Static<typeof PodSpecSchema>;
export type PodTemplateSpec = Static<typeof PodTemplateSpecSchema>;

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const PORT_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const STANDARD_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);

export function validatePodSpec(spec: PodSpec, path: string, errors: FieldErrors): void {
  if (spec.containers.length === 0) errors.required(`${path}.containers`);
  const names = new Set<string>();
  const volumeNames = new Set<string>();
  (spec.volumes ?? []).forEach((v, i) => {
    errors.check(`${path}.volumes[${i}].name`, v.name, checkDns1123Label(v.name));
    if (volumeNames.has(v.name)) errors.duplicate(`${path}.volumes[${i}].name`, v.name);
    volumeNames.add(v.name);
  });
  const checkContainers = (list: Container[] | undefined, field: string) => {
    (list ?? []).forEach((c, i) => {
      const at = `${path}.${field}[${i}]`;
      errors.check(`${at}.name`, c.name, checkDns1123Label(c.name));
      if (names.has(c.name)) errors.duplicate(`${at}.name`, c.name);
      names.add(c.name);
      validateContainer(c, at, volumeNames, errors);
    });
  };
  checkContainers(spec.containers, 'containers');
  checkContainers(spec.initContainers, 'initContainers');
  validateLabels(spec.nodeSelector, `${path}.nodeSelector`, errors);
  if (spec.runtimeClassName !== undefined) {
    errors.check(
      `${path}.runtimeClassName`,
      spec.runtimeClassName,
      checkDns1123Subdomain(spec.runtimeClassName),
    );
  }
  validateTolerations(spec.tolerations, `${path}.tolerations`, errors);
  if (spec.terminationGracePeriodSeconds !== undefined && spec.terminationGracePeriodSeconds < 0) {
    errors.invalid(
      `${path}.terminationGracePeriodSeconds`,
      spec.terminationGracePeriodSeconds,
      'must be greater than or equal to 0',
    );
  }
}

export function validateTolerations(
  tolerations: Toleration[] | undefined,
  path: string,
  errors: FieldErrors,
): void {
  (tolerations ?? []).forEach((t, i) => {
    const at = `${path}[${i}]`;
    if (t.key) errors.check(`${at}.key`, t.key, checkQualifiedName(t.key));
    if (t.operator === 'Exists' && t.value) {
      errors.invalid(`${at}.operator`, t.operator, "value must be empty when `operator` is 'Exists'");
    }
    if (!t.key && t.operator !== 'Exists') {
      errors.invalid(
        `${at}.operator`,
        t.operator ?? '',
        'operator must be Exists when `key` is empty, which means "match all values and all keys"',
      );
    }
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
      errors.invalid(
        `${at}.effect`,
        t.effect ?? '',
        "effect must be 'NoExecute' when `tolerationSeconds` is set",
      );
    }
  });
}

function validateContainer(c: Container, at: string, volumeNames: Set<string>, errors: FieldErrors): void {
  if (!c.image) errors.required(`${at}.image`);
  const portNames = new Set<string>();
  (c.ports ?? []).forEach((p, j) => {
    const pa = `${at}.ports[${j}]`;
    if (p.containerPort < 1 || p.containerPort > 65535)
      errors.invalid(`${pa}.containerPort`, p.containerPort, 'must be between 1 and 65535, inclusive');
    if (p.hostPort !== undefined && (p.hostPort < 0 || p.hostPort > 65535))
      errors.invalid(`${pa}.hostPort`, p.hostPort, 'must be between 0 and 65535, inclusive');
    if (p.name !== undefined) {
      if (p.name.length > 15 || !PORT_NAME.test(p.name) || !/[a-z]/.test(p.name)) {
        errors.invalid(
          `${pa}.name`,
          p.name,
          "must be no more than 15 characters, lower case alphanumeric or '-', with at least one letter",
        );
      }
      if (portNames.has(p.name)) errors.duplicate(`${pa}.name`, p.name);
      portNames.add(p.name);
    }
  });
  (c.env ?? []).forEach((e, j) => {
    if (!ENV_NAME.test(e.name)) {
      errors.invalid(
        `${at}.env[${j}].name`,
        e.name,
        "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit",
      );
    }
    if (e.value !== undefined && e.valueFrom !== undefined) {
      errors.invalid(`${at}.env[${j}].valueFrom`, '', 'may not be specified when `value` is not empty');
    }
  });
  (c.volumeMounts ?? []).forEach((m, j) => {
    if (!volumeNames.has(m.name))
      errors.notSupported(`${at}.volumeMounts[${j}].name`, m.name, [...volumeNames]);
  });
  const limits = c.resources?.limits ?? {};
  const requests = c.resources?.requests ?? {};
  for (const [section, map] of [
    ['limits', limits],
    ['requests', requests],
  ] as const) {
    for (const name of Object.keys(map)) {
      if (!STANDARD_RESOURCES.has(name) && !(name.includes('/') && checkQualifiedName(name).length === 0)) {
        errors.invalid(
          `${at}.resources.${section}[${name}]`,
          name,
          'must be a standard resource type or fully qualified',
        );
      }
    }
  }
  for (const [name, req] of Object.entries(requests)) {
    const limit = limits[name];
    if (limit === undefined) continue;
    const r = tryParseQuantity(req);
    const l = tryParseQuantity(limit);
    if (r && l && r.cmp(l) > 0) {
      errors.invalid(
        `${at}.resources.requests`,
        String(req),
        `must be less than or equal to ${name} limit of ${String(limit)}`,
      );
    }
  }
}

/**
 * Applies the apiserver's PodSpec defaults that Edgewise relies on. `forPod` adds
 * the defaults Kubernetes applies to Pods only, not to templates.
 */
export function defaultPodSpec(spec: PodSpec, forPod = false): void {
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
    c.imagePullPolicy ??= imagePullPolicyFor(c.image ?? '');
    for (const p of c.ports ?? []) p.protocol ??= 'TCP';
    // Kubernetes defaults a missing request to the container's limit.
    const limits = c.resources?.limits;
    if (forPod && c.resources && limits) {
      c.resources.requests ??= {};
      const requests = c.resources.requests;
      for (const [name, value] of Object.entries(limits)) requests[name] ??= value;
    }
  }
}

function imagePullPolicyFor(image: string): 'Always' | 'IfNotPresent' {
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  if (lastSegment.includes('@')) return 'IfNotPresent';
  const colon = lastSegment.indexOf(':');
  const tag = colon < 0 ? '' : lastSegment.slice(colon + 1);
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}
