/**
 * The rows both backends persist. Documents are kept as JSON text exactly as
 * serialized (never re-encoded by the database), so key order survives a round trip.
 */
import type { KubeObject } from '../../api/object.js';
import { fieldValue } from '../../api/selectors.js';
import type { StorageResource, StoreWatchEvent } from '../store.js';
import { deepFreeze } from './json.js';

/** A row of the current-objects table. */
export interface ObjectRow {
  resource: StorageResource;
  namespace: string;
  name: string;
  uid: string;
  /** Revision of the object's last write: lets a continued list see the object as it was. */
  revision: number;
  /** `spec.nodeName` as a field selector reads it (`''` when unset), for pushdown. */
  nodeName: string;
  /** `status.phase` as a field selector reads it. */
  phase: string;
  object: string;
}

/** A row of the history table: one per revision. */
export interface EventRow {
  revision: number;
  resource: StorageResource;
  namespace: string;
  name: string;
  type: StoreWatchEvent['type'];
  /** New state; for DELETED the last state with resourceVersion = the deletion revision. */
  object: string;
  /** State before the write; null for ADDED. */
  previous: string | null;
}

export function objectRow(resource: StorageResource, object: KubeObject, revision: number): ObjectRow {
  return {
    resource,
    namespace: object.metadata.namespace ?? '',
    name: object.metadata.name ?? '',
    uid: object.metadata.uid ?? '',
    revision,
    nodeName: fieldValue(object, 'spec.nodeName'),
    phase: fieldValue(object, 'status.phase'),
    object: JSON.stringify(object),
  };
}

/** Parses a history row into a frozen event (see deepFreeze for why frozen). */
export function eventFromRow(row: EventRow): StoreWatchEvent {
  const event: StoreWatchEvent = {
    type: row.type,
    revision: row.revision,
    resource: row.resource,
    object: JSON.parse(row.object) as KubeObject,
  };
  if (row.previous !== null) event.previous = JSON.parse(row.previous) as KubeObject;
  return deepFreeze(event);
}
