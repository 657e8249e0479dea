/**
 * Rules the apiserver applies to objects on their way in, independent of kind:
 * which fields a client may set, how names are generated, how the namespace in the
 * body relates to the one in the path.
 */
import { randomBytes } from 'node:crypto';
import { EdgewiseError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { apiVersionOf, type ResourceType } from '../../api/resource-type.js';

const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** `generateName` + 5 random characters, from the same alphabet Kubernetes uses. */
export function generateName(prefix: string): string {
  const bytes = randomBytes(5);
  let suffix = '';
  for (const b of bytes) suffix += GENERATE_ALPHABET[b % GENERATE_ALPHABET.length];
  return `${prefix.slice(0, 63 - 5)}${suffix}`;
}

/** Checks that a decoded body is an object of the kind this path serves. */
export function checkBodyKind(type: ResourceType, body: unknown): KubeObject {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new EdgewiseError('EW_BAD_REQUEST', 'the request body must be a single object');
  }
  const object = body as KubeObject;
  const expected = apiVersionOf(type);
  if (object.kind !== undefined && object.kind !== type.kind) {
    throw new EdgewiseError(
      'EW_BAD_REQUEST',
      `the kind in the data (${String(object.kind)}) does not match the expected kind (${type.kind})`,
    );
  }
  if (object.apiVersion !== undefined && object.apiVersion !== expected) {
    throw new EdgewiseError(
      'EW_BAD_REQUEST',
      `the API version in the data (${String(object.apiVersion)}) does not match the expected API version (${expected})`,
    );
  }
  if (object.metadata !== undefined && (object.metadata === null || typeof object.metadata !== 'object')) {
    throw new EdgewiseError('EW_BAD_REQUEST', 'metadata must be an object');
  }
  return { ...object, apiVersion: expected, kind: type.kind, metadata: { ...(object.metadata ?? {}) } };
}

/** Reconciles the body's namespace with the request path, as the apiserver does. */
export function settleNamespace(type: ResourceType, object: KubeObject, pathNamespace: string): string {
  if (!type.namespaced) {
    delete object.metadata.namespace;
    return '';
  }
  const bodyNamespace = object.metadata.namespace;
  if (bodyNamespace && pathNamespace && bodyNamespace !== pathNamespace) {
    throw new EdgewiseError(
      'EW_BAD_REQUEST',
      `the namespace of the provided object (${bodyNamespace}) does not match the namespace sent on the request (${pathNamespace})`,
    );
  }
  const namespace = bodyNamespace || pathNamespace || 'default';
  object.metadata.namespace = namespace;
  return namespace;
}

/** Drops the metadata a client may not set on create. */
export function resetSystemMetadataForCreate(object: KubeObject): void {
  if (object.metadata.resourceVersion) {
    throw new EdgewiseError('EW_BAD_REQUEST', 'resourceVersion should not be set on objects to be created');
  }
  delete object.metadata.uid;
  delete object.metadata.creationTimestamp;
  delete object.metadata.deletionTimestamp;
  delete object.metadata.deletionGracePeriodSeconds;
  delete object.metadata.generation;
}

/** The served form of a stored object: the path's apiVersion (EdgeCluster is stored once, served twice). */
export function asServed(type: ResourceType, object: KubeObject): KubeObject {
  const apiVersion = apiVersionOf(type);
  return object.apiVersion === apiVersion ? object : { ...object, apiVersion };
}

/** Status on the main resource is owned by controllers and agents, never by the writer. */
export function carryStatus(type: ResourceType, next: KubeObject, previous: KubeObject | undefined): void {
  if (!type.hasStatus) return;
  if (previous && previous.status !== undefined) next.status = previous.status;
  else delete next.status;
}

/** For `/status` writes: everything but status comes from the stored object. */
export function onlyStatus(previous: KubeObject, incoming: KubeObject): KubeObject {
  const next: KubeObject = { ...previous, metadata: { ...previous.metadata } };
  if (incoming.status === undefined) delete next.status;
  else next.status = incoming.status;
  // The precondition travels in the body, as with any update.
  if (incoming.metadata.resourceVersion) next.metadata.resourceVersion = incoming.metadata.resourceVersion;
  return next;
}

/** Keeps fields only the system sets across an update of the main resource. */
export function carrySystemMetadata(next: KubeObject, previous: KubeObject): void {
  next.metadata.uid = previous.metadata.uid;
  next.metadata.creationTimestamp = previous.metadata.creationTimestamp;
  if (previous.metadata.deletionTimestamp) {
    next.metadata.deletionTimestamp = previous.metadata.deletionTimestamp;
    if (previous.metadata.deletionGracePeriodSeconds !== undefined) {
      next.metadata.deletionGracePeriodSeconds = previous.metadata.deletionGracePeriodSeconds;
    }
  } else {
    delete next.metadata.deletionTimestamp;
    delete next.metadata.deletionGracePeriodSeconds;
  }
  if (previous.metadata.generation !== undefined) next.metadata.generation = previous.metadata.generation;
}
