/**
 * Strategic-merge-patch metadata for the built-in kinds Edgewise serves: the
 * `patchStrategy` / `patchMergeKey` struct tags of k8s.io/api, transcribed per field.
 * A list field without metadata is replaced by a patch; maps always merge.
 *
 * Only fields that carry metadata are listed, plus the objects on the way to them.
 * Custom resources (kubevirt.io VirtualMachine, EdgeCluster) have no schema, and
 * kube-apiserver refuses strategic merge patches for them with 415 UnsupportedMediaType.
 */

import { EdgewiseError } from './errors.js';
import { hasOwn } from './json-value.js';

/** Patch metadata of one field: how a patch combines with the stored value. */
export interface FieldPatchMeta {
  /**
   * `merge`: a list merges with the stored list, by `mergeKey` for lists of objects or as
   * a set for lists of scalars. `replace`: the patch value replaces the stored value (the
   * default for lists; maps merge unless marked `replace`).
   */
  readonly strategy?: 'merge' | 'replace';
  /** The item field that identifies a list item (`name` for containers). */
  readonly mergeKey?: string;
  /**
   * `patchStrategy: retainKeys`: fields missing from the applied configuration are cleared
   * (union types such as Deployment `spec.strategy`, Pod `spec.volumes[]`). It shapes the
   * three-way merge; a patch's own `$retainKeys` directive works on any field.
   */
  readonly retainKeys?: boolean;
  /** Schema of the field's value (an object) or of each item (a list). */
  readonly schema?: PatchSchema;
}

/** Patch metadata of one object type, by JSON field name. */
export interface PatchSchema {
  readonly fields: Readonly<Record<string, FieldPatchMeta>>;
}

/** No metadata: maps merge and lists are replaced, like JSON merge patch. */
export const EMPTY_PATCH_SCHEMA: PatchSchema = Object.freeze({ fields: Object.freeze({}) });

const NO_META: FieldPatchMeta = Object.freeze({});

/** Metadata of `field` in `schema`; fields without metadata get `{}`. */
export function fieldPatchMeta(schema: PatchSchema | undefined, field: string): FieldPatchMeta {
  if (schema === undefined || !hasOwn(schema.fields, field)) return NO_META;
  return schema.fields[field] ?? NO_META;
}

/**
 * Metadata of the field at `path` (field names only; list items are stepped through).
 * @example patchMetaAt(patchSchemaFor('apps', 'Deployment')!, ['spec', 'template', 'spec', 'containers'])
 *   // → { strategy: 'merge', mergeKey: 'name', schema: … }
 */
export function patchMetaAt(schema: PatchSchema, path: readonly string[]): FieldPatchMeta {
  let meta: FieldPatchMeta = { schema };
  for (const field of path) meta = fieldPatchMeta(meta.schema, field);
  return meta;
}

function object(fields: Record<string, FieldPatchMeta>): PatchSchema {
  return Object.freeze({ fields: Object.freeze(fields) });
}

function nested(schema: PatchSchema): FieldPatchMeta {
  return Object.freeze({ schema });
}

function mergeBy(mergeKey: string, schema?: PatchSchema, retainKeys?: boolean): FieldPatchMeta {
  return Object.freeze({
    strategy: 'merge' as const,
    mergeKey,
    ...(schema ? { schema } : {}),
    ...(retainKeys ? { retainKeys } : {}),
  });
}

const SCALAR_SET: FieldPatchMeta = Object.freeze({ strategy: 'merge' });

// metav1.ObjectMeta
const OBJECT_META = object({
  finalizers: SCALAR_SET,
  ownerReferences: mergeBy('uid'),
});

// core/v1 Container; EphemeralContainerCommon carries the same tags.
const CONTAINER = object({
  ports: mergeBy('containerPort'),
  env: mergeBy('name'),
  volumeMounts: mergeBy('mountPath'),
  volumeDevices: mergeBy('devicePath'),
});

// core/v1 PodSpec. tolerations and readinessGates have no strategy: a patch replaces them.
const POD_SPEC = object({
  volumes: mergeBy('name', undefined, true),
  initContainers: mergeBy('name', CONTAINER),
  containers: mergeBy('name', CONTAINER),
  ephemeralContainers: mergeBy('name', CONTAINER),
  imagePullSecrets: mergeBy('name'),
  hostAliases: mergeBy('ip'),
  topologySpreadConstraints: mergeBy('topologyKey'),
  schedulingGates: mergeBy('name'),
  resourceClaims: mergeBy('name', undefined, true),
});

// core/v1 PodStatus
const POD_STATUS = object({
  conditions: mergeBy('type'),
  podIPs: mergeBy('ip'),
  hostIPs: mergeBy('ip'),
  resourceClaimStatuses: mergeBy('name', undefined, true),
});

const POD_TEMPLATE_SPEC = object({ metadata: nested(OBJECT_META), spec: nested(POD_SPEC) });
const CONDITIONS_BY_TYPE = object({ conditions: mergeBy('type') });
const METADATA_ONLY = object({ metadata: nested(OBJECT_META) });

const POD = object({ metadata: nested(OBJECT_META), spec: nested(POD_SPEC), status: nested(POD_STATUS) });

// apps/v1 Deployment: spec.strategy is a union cleared with retainKeys.
const DEPLOYMENT = object({
  metadata: nested(OBJECT_META),
  spec: nested(
    object({ template: nested(POD_TEMPLATE_SPEC), strategy: Object.freeze({ retainKeys: true }) }),
  ),
  status: nested(CONDITIONS_BY_TYPE),
});

// apps/v1 DaemonSet
const DAEMON_SET = object({
  metadata: nested(OBJECT_META),
  spec: nested(object({ template: nested(POD_TEMPLATE_SPEC) })),
  status: nested(CONDITIONS_BY_TYPE),
});

// core/v1 Node. spec.taints has no strategy: a patch replaces the whole list.
const NODE = object({
  metadata: nested(OBJECT_META),
  spec: nested(object({ podCIDRs: SCALAR_SET })),
  status: nested(object({ conditions: mergeBy('type'), addresses: mergeBy('type') })),
});

// core/v1 Namespace. spec.finalizers has no strategy.
const NAMESPACE = object({ metadata: nested(OBJECT_META), status: nested(CONDITIONS_BY_TYPE) });

const SCHEMAS: ReadonlyMap<string, PatchSchema> = new Map([
  ['/Pod', POD],
  ['/ConfigMap', METADATA_ONLY],
  ['/Secret', METADATA_ONLY],
  ['/Node', NODE],
  ['/Namespace', NAMESPACE],
  ['/Event', METADATA_ONLY],
  ['apps/Deployment', DEPLOYMENT],
  ['apps/DaemonSet', DAEMON_SET],
  ['node.k8s.io/RuntimeClass', METADATA_ONLY],
]);

/**
 * The strategic-merge-patch schema of a built-in kind (`''` is the core group), or
 * undefined for kinds without one (custom resources), which take JSON merge patch and
 * JSON patch only.
 */
export function patchSchemaFor(group: string, kind: string): PatchSchema | undefined {
  return SCHEMAS.get(`${group}/${kind}`);
}

export const JSON_PATCH_CONTENT_TYPE = 'application/json-patch+json';
export const MERGE_PATCH_CONTENT_TYPE = 'application/merge-patch+json';
export const STRATEGIC_MERGE_PATCH_CONTENT_TYPE = 'application/strategic-merge-patch+json';

/** The PATCH Content-Types a kind accepts, in the order kube-apiserver lists them. */
export function supportedPatchContentTypes(group: string, kind: string): string[] {
  const types = [JSON_PATCH_CONTENT_TYPE, MERGE_PATCH_CONTENT_TYPE];
  if (patchSchemaFor(group, kind)) types.push(STRATEGIC_MERGE_PATCH_CONTENT_TYPE);
  return types;
}

/** The 415 kube-apiserver returns for a patch type the kind does not accept. */
export function unsupportedPatchContentType(group: string, kind: string): EdgewiseError {
  return new EdgewiseError(
    'EW_UNSUPPORTED_MEDIA_TYPE',
    `the body of the request was in an unknown format - accepted media types include: ${supportedPatchContentTypes(group, kind).join(', ')}`,
  );
}
