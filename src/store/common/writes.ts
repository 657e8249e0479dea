/**
 * The decision part of every write, shared by both backends. A backend opens a write
 * transaction, reads the stored row, calls one of these plans with the next revision,
 * and applies what it returns; no SQL here, no storage decisions there.
 */
import type { KubeObject } from '../../api/object.js';
import type { ObjectKey, StorageResource, WriteOptions } from '../store.js';
import { badRequest, objectExists, objectNotFound, preconditionFailed, staleObject } from './errors.js';
import { jsonEqual } from './json.js';
import { stampCreated, stampUpdated, withResourceVersion } from './metadata.js';
import { type EventRow, type ObjectRow, objectRow } from './rows.js';

/** A stored object as read inside the write transaction. */
export interface StoredObject {
  object: KubeObject;
  /** The text as stored: history keeps it byte for byte as `previous`. */
  json: string;
}

/** A write that changes the store: the object row to put (or delete) and its history row. */
export type PlannedWrite =
  | { kind: 'put'; object: KubeObject; row: ObjectRow; event: EventRow }
  | { kind: 'delete'; object: KubeObject; event: EventRow };

export type WritePlan =
  /** Nothing to write (a no-op update); `object` is the stored object. */
  { kind: 'none'; object: KubeObject } | PlannedWrite;

export function readStored(json: string): StoredObject {
  return { object: JSON.parse(json) as KubeObject, json };
}

/** Checks WriteOptions before any transaction starts. */
export function checkWriteOptions(options: WriteOptions | undefined): void {
  if (options === undefined) return;
  if (options.resourceVersion !== undefined) checkResourceVersion(options.resourceVersion);
  if (options.uid !== undefined && typeof options.uid !== 'string')
    throw badRequest('uid precondition must be a string');
}

function checkResourceVersion(rv: unknown): void {
  if (typeof rv !== 'string' || !/^\d+$/.test(rv)) {
    throw badRequest(`invalid resourceVersion ${JSON.stringify(rv)}: must be a decimal revision`);
  }
}

export function planCreate(
  resource: StorageResource,
  object: KubeObject,
  stored: StoredObject | undefined,
  revision: number,
  now: Date,
): WritePlan {
  const name = object.metadata.name ?? '';
  if (stored) throw objectExists(resource, name);
  const created = stampCreated(object, revision, now);
  const row = objectRow(resource, created, revision);
  return { kind: 'put', object: created, row, event: eventRow(row, 'ADDED', row.object, null) };
}

export function planUpdate(
  resource: StorageResource,
  object: KubeObject,
  options: WriteOptions | undefined,
  stored: StoredObject | undefined,
  revision: number,
): WritePlan {
  const name = object.metadata.name ?? '';
  if (!stored) throw objectNotFound(resource, name);
  const storedRv = stored.object.metadata.resourceVersion ?? '';
  // The object's own resourceVersion is the usual optimistic-concurrency token
  // (read, modify, write back); an explicit option overrides it.
  const wantedRv = options?.resourceVersion ?? (object.metadata.resourceVersion || undefined);
  if (wantedRv !== undefined) {
    checkResourceVersion(wantedRv);
    if (wantedRv !== storedRv) throw staleObject(resource, name);
  }
  const storedUid = stored.object.metadata.uid ?? '';
  // A uid in the body names the incarnation being updated, as in Kubernetes: writing
  // to an object that was deleted and recreated under the same name must fail.
  for (const wantedUid of [options?.uid, object.metadata.uid]) {
    if (wantedUid !== undefined && wantedUid !== storedUid) {
      throw preconditionFailed(resource, name, 'UID', wantedUid, storedUid);
    }
  }
  if (jsonEqual(stampUpdated(stored.object, object, storedRv), stored.object)) {
    return { kind: 'none', object: stored.object };
  }
  const updated = stampUpdated(stored.object, object, String(revision));
  const row = objectRow(resource, updated, revision);
  return { kind: 'put', object: updated, row, event: eventRow(row, 'MODIFIED', row.object, stored.json) };
}

export function planDelete(
  key: ObjectKey,
  options: WriteOptions | undefined,
  stored: StoredObject | undefined,
  revision: number,
): WritePlan {
  if (!stored) throw objectNotFound(key.resource, key.name);
  const meta = stored.object.metadata;
  if (options?.uid !== undefined && options.uid !== (meta.uid ?? '')) {
    throw preconditionFailed(key.resource, key.name, 'UID', options.uid, meta.uid ?? '');
  }
  if (options?.resourceVersion !== undefined && options.resourceVersion !== (meta.resourceVersion ?? '')) {
    throw preconditionFailed(
      key.resource,
      key.name,
      'ResourceVersion',
      options.resourceVersion,
      meta.resourceVersion ?? '',
    );
  }
  const last = withResourceVersion(stored.object, revision);
  const row = objectRow(key.resource, last, revision);
  return { kind: 'delete', object: last, event: eventRow(row, 'DELETED', row.object, stored.json) };
}

function eventRow(row: ObjectRow, type: EventRow['type'], object: string, previous: string | null): EventRow {
  return {
    revision: row.revision,
    resource: row.resource,
    namespace: row.namespace,
    name: row.name,
    type,
    object,
    previous,
  };
}
