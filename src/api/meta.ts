/** ObjectMeta: its schema and the checks Kubernetes applies to every object's metadata. */
import { Type } from '@sinclair/typebox';
import type { FieldErrors } from './field-errors.js';
import { checkDns1123Label, checkDns1123Subdomain, checkLabelValue, checkQualifiedName } from './names.js';
import type { ObjectMeta } from './object.js';
import { StringMap } from './schema.js';

export const ObjectMetaSchema = Type.Object({
  name: Type.Optional(Type.String()),
  generateName: Type.Optional(Type.String()),
  namespace: Type.Optional(Type.String()),
  uid: Type.Optional(Type.String()),
  resourceVersion: Type.Optional(Type.String()),
  generation: Type.Optional(Type.Integer()),
  creationTimestamp: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  deletionTimestamp: Type.Optional(Type.String()),
  deletionGracePeriodSeconds: Type.Optional(Type.Integer()),
  labels: Type.Optional(StringMap()),
  annotations: Type.Optional(StringMap()),
  finalizers: Type.Optional(Type.Array(Type.String())),
  ownerReferences: Type.Optional(
    Type.Array(
      Type.Object({
        apiVersion: Type.String(),
        kind: Type.String(),
        name: Type.String(),
        uid: Type.String(),
        controller: Type.Optional(Type.Boolean()),
        blockOwnerDeletion: Type.Optional(Type.Boolean()),
      }),
    ),
  ),
});

/** Kubernetes caps the total size of annotations at 256 KiB. */
const MAX_ANNOTATIONS_BYTES = 256 * 1024;

export type NameRule = 'subdomain' | 'label';

export function validateObjectMeta(meta: ObjectMeta, nameRule: NameRule, errors: FieldErrors): void {
  if (meta.name === undefined || meta.name === '') {
    errors.required('metadata.name', 'name or generateName is required');
  } else {
    const problems = nameRule === 'label' ? checkDns1123Label(meta.name) : checkDns1123Subdomain(meta.name);
    errors.check('metadata.name', meta.name, problems);
  }
  if (meta.namespace !== undefined && meta.namespace !== '') {
    errors.check('metadata.namespace', meta.namespace, checkDns1123Label(meta.namespace));
  }
  validateLabels(meta.labels, 'metadata.labels', errors);
  let annotationBytes = 0;
  for (const [key, value] of Object.entries(meta.annotations ?? {})) {
    errors.check('metadata.annotations', key, checkQualifiedName(key.toLowerCase()));
    annotationBytes += key.length + value.length;
  }
  if (annotationBytes > MAX_ANNOTATIONS_BYTES) errors.tooLong('metadata.annotations', MAX_ANNOTATIONS_BYTES);
}

export function validateLabels(
  labels: Record<string, string> | undefined,
  field: string,
  errors: FieldErrors,
): void {
  for (const [key, value] of Object.entries(labels ?? {})) {
    errors.check(field, key, checkQualifiedName(key));
    errors.check(`${field}[${JSON.stringify(key)}]`, value, checkLabelValue(value));
  }
}
