/**
 * `input.review`: what a policy sees of a request, shaped like Kubernetes'
 * AdmissionReview request as Gatekeeper hands it to Rego (`object`, `oldObject`,
 * `operation`, `kind`, `name`, `namespace`, `userInfo`, `dryRun`). Admission,
 * the webhook route and audit each build one here.
 */
import { randomUUID } from 'node:crypto';
import { asRecord } from '../../api/kinds/common.js';
import { type KubeObject, parseApiVersion } from '../../api/object.js';
import type { ResourceType } from '../../api/resource-type.js';
import type { AdmissionRequest } from '../admission.js';

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** A review and the parts of it matching needs. */
export interface ReviewSubject {
  /** JSON for `input.review`. */
  review: Record<string, unknown>;
  object: KubeObject;
  oldObject: KubeObject | undefined;
  /** The request's namespace (`''` for cluster-scoped objects). */
  namespace: string;
}

export function gvkOf(object: { apiVersion?: unknown; kind?: unknown }): GroupVersionKind {
  const { group, version } = parseApiVersion(String(object.apiVersion ?? ''));
  return { group, version, kind: String(object.kind ?? '') };
}

/** From a write going through the hub's admission chain. */
export function admissionSubject(request: AdmissionRequest): ReviewSubject {
  const type: ResourceType = request.type;
  const kind = { group: type.group, version: type.version, kind: type.kind };
  const resource = { group: type.group, version: type.version, resource: type.plural };
  const review: Record<string, unknown> = {
    uid: randomUUID(),
    kind,
    resource,
    requestKind: kind,
    requestResource: resource,
    name: request.name,
    namespace: request.namespace,
    operation: request.operation,
    userInfo: {
      username: request.userInfo.username,
      ...(request.userInfo.uid !== undefined && { uid: request.userInfo.uid }),
      groups: request.userInfo.groups,
    },
    object: request.operation === 'DELETE' ? null : request.object,
    oldObject: request.oldObject ?? null,
    dryRun: request.dryRun,
  };
  return {
    review,
    object: request.object,
    oldObject: request.oldObject,
    namespace: request.namespace,
  };
}

/** From an object already stored (audit): no operation and no user, as Gatekeeper's audit. */
export function auditSubject(object: KubeObject): ReviewSubject {
  const review = {
    kind: gvkOf(object),
    name: object.metadata.name ?? '',
    namespace: object.metadata.namespace ?? '',
    operation: '',
    object,
  };
  return { review, object, oldObject: undefined, namespace: object.metadata.namespace ?? '' };
}

function asObject(value: unknown): KubeObject | undefined {
  const o = asRecord(value);
  if (Object.keys(o).length === 0) return undefined;
  return { ...o, metadata: asRecord(o.metadata) } as unknown as KubeObject;
}

/**
 * From an AdmissionReview `request` sent to the webhook route (or a suite's
 * AdmissionReview sample). Fields the request leaves out stay out, as Gatekeeper
 * passes the request through; `kind` falls back to the object's own.
 */
export function webhookSubject(request: Record<string, unknown>): ReviewSubject | undefined {
  const object = asObject(request.object);
  const oldObject = asObject(request.oldObject);
  const subject = object ?? oldObject;
  if (!subject) return undefined;
  const review: Record<string, unknown> = { ...request };
  if (review.kind === undefined) review.kind = gvkOf(subject);
  const namespace =
    typeof request.namespace === 'string' ? request.namespace : (subject.metadata.namespace ?? '');
  return { review, object: subject, oldObject: object ? oldObject : undefined, namespace };
}
