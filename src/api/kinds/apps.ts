/** apps/v1 Deployment and DaemonSet: controllers that keep pods running from a template. */
import { type Static, Type } from '@sinclair/typebox';
import type { FieldErrors } from '../field-errors.js';
import type { KubeObject } from '../object.js';
import type { ResourceType, ValidationContext } from '../resource-type.js';
import { IntOrString, LabelSelectorSchema } from '../schema.js';
import { type LabelSelectorObject, labelSelectorFromObject, matchesLabels } from '../selectors.js';
import { ageColumn, asArray, asRecord, ensureRecord, field, nameColumn, objectSchema } from './common.js';
import { ConditionSchema } from './pod.js';
import {
  defaultPodSpec,
  type PodSpec,
  type PodTemplateSpec,
  PodTemplateSpecSchema,
  validatePodSpec,
} from './pod-spec.js';

const RollingUpdateSchema = Type.Object({
  maxSurge: Type.Optional(IntOrString()),
  maxUnavailable: Type.Optional(IntOrString()),
});

export const DeploymentSpecSchema = Type.Object({
  replicas: Type.Optional(Type.Integer()),
  selector: Type.Optional(LabelSelectorSchema),
  template: PodTemplateSpecSchema,
  strategy: Type.Optional(
    Type.Object({
      type: Type.Optional(Type.Union([Type.Literal('RollingUpdate'), Type.Literal('Recreate')])),
      rollingUpdate: Type.Optional(RollingUpdateSchema),
    }),
  ),
  minReadySeconds: Type.Optional(Type.Integer()),
  revisionHistoryLimit: Type.Optional(Type.Integer()),
  progressDeadlineSeconds: Type.Optional(Type.Integer()),
  paused: Type.Optional(Type.Boolean()),
});

export const DeploymentStatusSchema = Type.Object({
  observedGeneration: Type.Optional(Type.Integer()),
  replicas: Type.Optional(Type.Integer()),
  updatedReplicas: Type.Optional(Type.Integer()),
  readyReplicas: Type.Optional(Type.Integer()),
  availableReplicas: Type.Optional(Type.Integer()),
  unavailableReplicas: Type.Optional(Type.Integer()),
  conditions: Type.Optional(Type.Array(ConditionSchema)),
});

export interface Deployment extends KubeObject {
  spec: Static<typeof DeploymentSpecSchema>;
  status?: Static<typeof DeploymentStatusSchema>;
}

export const DaemonSetSpecSchema = Type.Object({
  selector: Type.Optional(LabelSelectorSchema),
  template: PodTemplateSpecSchema,
  updateStrategy: Type.Optional(
    Type.Object({
      type: Type.Optional(Type.Union([Type.Literal('RollingUpdate'), Type.Literal('OnDelete')])),
      rollingUpdate: Type.Optional(RollingUpdateSchema),
    }),
  ),
  minReadySeconds: Type.Optional(Type.Integer()),
  revisionHistoryLimit: Type.Optional(Type.Integer()),
});

export const DaemonSetStatusSchema = Type.Object({
  observedGeneration: Type.Optional(Type.Integer()),
  desiredNumberScheduled: Type.Optional(Type.Integer()),
  currentNumberScheduled: Type.Optional(Type.Integer()),
  numberReady: Type.Optional(Type.Integer()),
  updatedNumberScheduled: Type.Optional(Type.Integer()),
  numberAvailable: Type.Optional(Type.Integer()),
  numberMisscheduled: Type.Optional(Type.Integer()),
  conditions: Type.Optional(Type.Array(ConditionSchema)),
});

export interface DaemonSet extends KubeObject {
  spec: Static<typeof DaemonSetSpecSchema>;
  status?: Static<typeof DaemonSetStatusSchema>;
}

/**
 * Field manifests often omit `spec.selector` and template labels, which Kubernetes
 * requires. Edgewise fills them from the template labels, or with
 * `app: <name>` when there are none, and says so in a warning.
 */
export function defaultWorkloadSelector(o: KubeObject): string[] {
  const warnings: string[] = [];
  const spec = ensureRecord(o as Record<string, unknown>, 'spec');
  const template = ensureRecord(spec, 'template');
  const templateMeta = ensureRecord(template, 'metadata');
  const name = o.metadata.name ?? '';
  let labels = asRecord(templateMeta.labels) as Record<string, string>;
  if (Object.keys(labels).length === 0) {
    labels = { app: name };
    templateMeta.labels = labels;
    warnings.push(`spec.template.metadata.labels not set; defaulted to {app: ${name}}`);
  }
  if (spec.selector === undefined) {
    spec.selector = { matchLabels: { ...labels } };
    const shown = Object.entries(labels)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ');
    warnings.push(`spec.selector not set; defaulted to matchLabels {${shown}} from the pod template labels`);
  }
  return warnings;
}

function validateWorkload(o: KubeObject, errors: FieldErrors, context: ValidationContext): void {
  const spec = asRecord(o.spec);
  if (context.old && JSON.stringify(asRecord(context.old.spec).selector) !== JSON.stringify(spec.selector)) {
    errors.invalid('spec.selector', spec.selector ?? {}, 'field is immutable');
  }
  const template = asRecord(spec.template) as unknown as PodTemplateSpec;
  const selector = spec.selector as LabelSelectorObject | undefined;
  if (selector) {
    if (
      Object.keys(selector.matchLabels ?? {}).length === 0 &&
      (selector.matchExpressions ?? []).length === 0
    ) {
      errors.invalid('spec.selector', selector, 'empty selector is invalid for deployment');
    } else {
      try {
        const parsed = labelSelectorFromObject(selector);
        if (!matchesLabels(parsed, template.metadata?.labels)) {
          errors.invalid(
            'spec.template.metadata.labels',
            template.metadata?.labels ?? {},
            '`selector` does not match template `labels`',
          );
        }
      } catch (err) {
        errors.invalid('spec.selector', selector, (err as Error).message);
      }
    }
  }
  validatePodSpec(template.spec, 'spec.template.spec', errors);
  if (template.spec?.restartPolicy !== undefined && template.spec.restartPolicy !== 'Always') {
    errors.notSupported('spec.template.spec.restartPolicy', template.spec.restartPolicy, ['Always']);
  }
}

function defaultTemplate(o: KubeObject): void {
  const template = asRecord(asRecord(o.spec).template);
  defaultPodSpec(asRecord(template.spec) as unknown as PodSpec);
}

function images(o: KubeObject): string {
  return asArray(field(o, 'spec', 'template', 'spec', 'containers'))
    .map((c) => String(field(c, 'image') ?? ''))
    .join(',');
}

function containerNames(o: KubeObject): string {
  return asArray(field(o, 'spec', 'template', 'spec', 'containers'))
    .map((c) => String(field(c, 'name') ?? ''))
    .join(',');
}

function selectorText(o: KubeObject): string {
  const sel = asRecord(field(o, 'spec', 'selector'));
  const parts = Object.entries(asRecord(sel.matchLabels)).map(([k, v]) => `${k}=${String(v)}`);
  for (const e of asArray(sel.matchExpressions)) {
    parts.push(
      `${String(field(e, 'key'))} ${String(field(e, 'operator'))} (${asArray(field(e, 'values')).join(',')})`,
    );
  }
  return parts.join(',') || '<none>';
}

const num = (o: KubeObject, ...path: string[]) => Number(field(o, ...path) ?? 0);

export const deploymentType: ResourceType = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  listKind: 'DeploymentList',
  plural: 'deployments',
  singular: 'deployment',
  shortNames: ['deploy'],
  categories: ['all'],
  namespaced: true,
  storage: 'apps/deployments',
  hasStatus: true,
  nameRule: 'subdomain',
  schema: objectSchema(
    { spec: DeploymentSpecSchema, status: Type.Optional(DeploymentStatusSchema) },
    'Keeps `replicas` pods from a template running across matching nodes, with rolling updates.',
  ),
  fieldSelectors: [],
  columns: [
    nameColumn,
    {
      name: 'Ready',
      type: 'string',
      priority: 0,
      cell: (o) => `${num(o, 'status', 'readyReplicas')}/${num(o, 'spec', 'replicas')}`,
    },
    { name: 'Up-to-date', type: 'integer', priority: 0, cell: (o) => num(o, 'status', 'updatedReplicas') },
    { name: 'Available', type: 'integer', priority: 0, cell: (o) => num(o, 'status', 'availableReplicas') },
    ageColumn,
    { name: 'Containers', type: 'string', priority: 1, cell: containerNames },
    { name: 'Images', type: 'string', priority: 1, cell: images },
    { name: 'Selector', type: 'string', priority: 1, cell: selectorText },
  ],
  validate(o, errors, context) {
    const replicas = asRecord(o.spec).replicas;
    if (typeof replicas === 'number' && replicas < 0)
      errors.invalid('spec.replicas', replicas, 'must be greater than or equal to 0');
    validateWorkload(o, errors, context);
  },
  applyDefaults(o) {
    const warnings = defaultWorkloadSelector(o);
    const spec = asRecord(o.spec);
    spec.replicas ??= 1;
    const strategy = ensureRecord(spec, 'strategy');
    strategy.type ??= 'RollingUpdate';
    if (strategy.type === 'RollingUpdate') {
      const rolling = ensureRecord(strategy, 'rollingUpdate');
      rolling.maxSurge ??= '25%';
      rolling.maxUnavailable ??= '25%';
    }
    spec.revisionHistoryLimit ??= 10;
    spec.progressDeadlineSeconds ??= 600;
    defaultTemplate(o);
    return warnings;
  },
};

export const daemonSetType: ResourceType = {
  group: 'apps',
  version: 'v1',
  kind: 'DaemonSet',
  listKind: 'DaemonSetList',
  plural: 'daemonsets',
  singular: 'daemonset',
  shortNames: ['ds'],
  categories: ['all'],
  namespaced: true,
  storage: 'apps/daemonsets',
  hasStatus: true,
  nameRule: 'subdomain',
  schema: objectSchema(
    { spec: DaemonSetSpecSchema, status: Type.Optional(DaemonSetStatusSchema) },
    'Runs one pod from a template on every matching node.',
  ),
  fieldSelectors: [],
  columns: [
    nameColumn,
    {
      name: 'Desired',
      type: 'integer',
      priority: 0,
      cell: (o) => num(o, 'status', 'desiredNumberScheduled'),
    },
    {
      name: 'Current',
      type: 'integer',
      priority: 0,
      cell: (o) => num(o, 'status', 'currentNumberScheduled'),
    },
    { name: 'Ready', type: 'integer', priority: 0, cell: (o) => num(o, 'status', 'numberReady') },
    {
      name: 'Up-to-date',
      type: 'integer',
      priority: 0,
      cell: (o) => num(o, 'status', 'updatedNumberScheduled'),
    },
    { name: 'Available', type: 'integer', priority: 0, cell: (o) => num(o, 'status', 'numberAvailable') },
    {
      name: 'Node Selector',
      type: 'string',
      priority: 0,
      cell: (o) =>
        Object.entries(asRecord(field(o, 'spec', 'template', 'spec', 'nodeSelector')))
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(',') || '<none>',
    },
    ageColumn,
    { name: 'Containers', type: 'string', priority: 1, cell: containerNames },
    { name: 'Images', type: 'string', priority: 1, cell: images },
    { name: 'Selector', type: 'string', priority: 1, cell: selectorText },
  ],
  validate(o, errors, context) {
    validateWorkload(o, errors, context);
  },
  applyDefaults(o) {
    const warnings = defaultWorkloadSelector(o);
    const spec = asRecord(o.spec);
    const strategy = ensureRecord(spec, 'updateStrategy');
    strategy.type ??= 'RollingUpdate';
    if (strategy.type === 'RollingUpdate') {
      const rolling = ensureRecord(strategy, 'rollingUpdate');
      rolling.maxUnavailable ??= 1;
      rolling.maxSurge ??= 0;
    }
    spec.revisionHistoryLimit ??= 10;
    defaultTemplate(o);
    return warnings;
  },
};
