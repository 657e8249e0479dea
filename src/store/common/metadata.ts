/**
 * What the store writes into `metadata`: uid, resourceVersion, generation and
 * creationTimestamp, and the rule that decides when generation moves.
 */
import { randomUUID } from 'node:crypto';
import { invalid, type StatusCause } from '../../api/errors.js';
import type { KubeObject, ObjectMeta } from '../../api/object.js';
import type { ObjectKey, StorageResource } from '../store.js';
import { badRequest, describeResource } from './errors.js';
import { jsonEqual, toJsonValue } from './json.js';

/** Kubernetes timestamps are RFC 3339 with second precision: `2026-11-21T10:00:00Z`. */
export function formatTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Checks the parts of an object the store relies on and returns its key with a JSON
 * copy of it, so nothing the caller does afterwards reaches the store.
 */
export function prepareObject(
  resource: StorageResource,
  input: KubeObject,
): { key: ObjectKey; object: KubeObject } {
  checkResource(resource);
  const { kind } = describeResource(resource);
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw badRequest('object must be a JSON object');
  }
  const object = toJsonValue(input);
  const causes: StatusCause[] = [];
  const meta = object.metadata as unknown;
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
    causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'metadata' });
    throw invalid(kind, '', causes);
  }
  const { name, namespace } = meta as ObjectMeta;
  if (typeof name !== 'string' || name === '') {
    causes.push({
      reason: 'FieldValueRequired',
      message: 'Required value: name is required',
      field: 'metadata.name',
    });
  }
  if (namespace !== undefined && typeof namespace !== 'string') {
    causes.push({
      reason: 'FieldValueTypeInvalid',
      message: 'must be a string',
      field: 'metadata.namespace',
    });
  }
  if (causes.length) throw invalid(kind, typeof name === 'string' ? name : '', causes);
  return { key: { resource, namespace: namespace ?? '', name: name as string }, object };
}

export function checkResource(resource: StorageResource): void {
  if (typeof resource !== 'string' || resource === '')
    throw badRequest('storage resource must be a non-empty string');
}

export function checkKey(key: ObjectKey): void {
  checkResource(key.resource);
  if (typeof key.name !== 'string' || key.name === '')
    throw badRequest('object name must be a non-empty string');
  if (typeof key.namespace !== 'string')
    throw badRequest('object namespace must be a string ("" for cluster-scoped)');
}

/** Fields the store owns, in the order kube-apiserver prints them. */
type Stamp = Pick<ObjectMeta, 'uid' | 'resourceVersion' | 'generation' | 'creationTimestamp'>;

/**
 * Returns metadata with the store's fields set. They sit right after name/namespace,
 * in the order kube-apiserver prints them; every other key keeps the caller's order,
 * so an object reads back as written plus the store's fields.
 */
function stampMetadata(meta: ObjectMeta, stamp: Stamp): ObjectMeta {
  const keys = Object.keys(meta).filter((k) => !Object.hasOwn(stamp, k));
  let anchor = -1;
  for (const k of ['name', 'generateName', 'namespace']) anchor = Math.max(anchor, keys.indexOf(k));
  const stamped = Object.entries(stamp).filter(([, v]) => v !== undefined);
  const out: Record<string, unknown> = {};
  if (anchor < 0) for (const [k, v] of stamped) out[k] = v;
  keys.forEach((k, i) => {
    out[k] = meta[k as keyof ObjectMeta];
    if (i === anchor) for (const [sk, sv] of stamped) out[sk] = sv;
  });
  return out as ObjectMeta;
}

export function stampCreated(object: KubeObject, revision: number, now: Date): KubeObject {
  return {
    ...object,
    metadata: stampMetadata(object.metadata, {
      uid: randomUUID(),
      resourceVersion: String(revision),
      generation: 1,
      creationTimestamp: formatTimestamp(now),
    }),
  };
}

/**
 * True when anything outside `metadata` and `status` differs: the part of an object
 * that states intent, whose changes controllers track through `generation`.
 */
export function specChanged(a: KubeObject, b: KubeObject): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    if (k === 'metadata' || k === 'status') continue;
    if (!jsonEqual(a[k], b[k])) return true;
  }
  return false;
}

/**
 * The object an update would store: uid and creationTimestamp from the stored
 * object, generation bumped on a spec change, resourceVersion set to `revision`.
 */
export function stampUpdated(stored: KubeObject, incoming: KubeObject, revision: string): KubeObject {
  const generation = stored.metadata.generation ?? 1;
  return {
    ...incoming,
    metadata: stampMetadata(incoming.metadata, {
      uid: stored.metadata.uid,
      resourceVersion: revision,
      generation: specChanged(stored, incoming) ? generation + 1 : generation,
      creationTimestamp: stored.metadata.creationTimestamp,
    }),
  };
}

/** A copy with `metadata.resourceVersion` replaced (a deleted object's last state carries the deletion revision). */
export function withResourceVersion(object: KubeObject, revision: number): KubeObject {
  // In place: a stored object already has a resourceVersion, and its position is settled.
  return { ...object, metadata: { ...object.metadata, resourceVersion: String(revision) } };
}
