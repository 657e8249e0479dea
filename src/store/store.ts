/**
 * The hub's durable resource store. Two implementations (SQLite, PostgreSQL) pass
 * the same suite in test/store/. The store knows nothing about kinds beyond a
 * storage key; validation, defaulting and admission happen above it.
 *
 * Revisions: one global counter that increases by one with every successful write
 * (create, update, delete). An object's `metadata.resourceVersion` is the revision
 * of its last write, as a decimal string. Writes are committed (fsync'd for SQLite)
 * before the promise resolves.
 */

import type { KubeObject } from '../api/object.js';
import type { FieldSelector, LabelSelector } from '../api/selectors.js';

/**
 * Identifies a stored collection, e.g. `core/configmaps`, `apps/deployments`,
 * `edgewise.io/edgeclusters`. Chosen by the API registry; opaque to the store.
 */
export type StorageResource = string;

export interface ObjectKey {
  resource: StorageResource;
  /** `''` for cluster-scoped objects. */
  namespace: string;
  name: string;
}

export interface WriteOptions {
  /**
   * Precondition: the write only happens if the stored object's resourceVersion
   * equals this; otherwise EW_CONFLICT. Omitted means unconditional.
   */
  resourceVersion?: string;
  /** Precondition on the stored object's uid (delete of a recreated object must fail). */
  uid?: string;
}

export interface UpdateResult {
  object: KubeObject;
  /** False when the new object equals the stored one: nothing was written, no revision used. */
  changed: boolean;
}

export interface ListOptions {
  /** Omitted or `''` with a namespaced resource lists all namespaces. */
  namespace?: string;
  labelSelector?: LabelSelector;
  fieldSelector?: FieldSelector;
  /** Page size; omitted means everything. */
  limit?: number;
  /** Opaque token from a previous page's `continue`. */
  continue?: string;
}

export interface ListResult {
  items: KubeObject[];
  /** The store revision the list reflects; watch from here to see every later change. */
  revision: number;
  /** Set when more items remain; pass back as `continue`. */
  continue?: string;
}

export interface StoreWatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  /** Revision of the write that caused the event. */
  revision: number;
  resource: StorageResource;
  /** New state; for DELETED, the last state with resourceVersion = deletion revision. */
  object: KubeObject;
  /** State before the write; absent for ADDED. Lets selector watches emit synthetic ADDED/DELETED. */
  previous?: KubeObject;
}

export interface WatchOptions {
  /** Only this collection; omitted means every resource (the link server and tests use this). */
  resource?: StorageResource;
  namespace?: string;
  labelSelector?: LabelSelector;
  fieldSelector?: FieldSelector;
  /**
   * Deliver every event with revision > fromRevision, in revision order.
   * Throws EW_GONE if fromRevision is older than the compacted revision.
   */
  fromRevision: number;
  /**
   * Events buffered for a consumer that is not reading before the watch is ended
   * with an EW_TOO_MANY_REQUESTS error (as kube-apiserver drops slow watchers).
   * @default 10000
   */
  maxBuffered?: number;
}

/**
 * A live watch. Iterate it with `for await`; it ends when `close()` is called, the
 * store closes, or it falls too far behind (the iterator then throws).
 */
export interface Watch extends AsyncIterable<StoreWatchEvent> {
  close(): void;
}

export interface CompactResult {
  /** Events with revision <= this are gone; watches from before it get EW_GONE. */
  compactedRevision: number;
  removedEvents: number;
}

export interface Store {
  /**
   * Stores a new object. Sets `uid`, `resourceVersion`, `generation` (1) and
   * `creationTimestamp`; keeps any other metadata as given. EW_ALREADY_EXISTS if
   * the key is taken (also under concurrent creates: exactly one wins).
   */
  create(resource: StorageResource, object: KubeObject): Promise<KubeObject>;

  /**
   * Replaces a stored object. `uid` and `creationTimestamp` are kept from the stored
   * object; `generation` is bumped when anything outside metadata and status changed;
   * `resourceVersion` becomes the new revision. EW_NOT_FOUND if missing, EW_CONFLICT
   * on a failed precondition (from options or from `object.metadata.resourceVersion`
   * when `options.resourceVersion` is omitted and the object carries one).
   */
  update(resource: StorageResource, object: KubeObject, options?: WriteOptions): Promise<UpdateResult>;

  /** Removes an object and returns its last state. EW_NOT_FOUND / EW_CONFLICT as above. */
  delete(key: ObjectKey, options?: WriteOptions): Promise<KubeObject>;

  get(key: ObjectKey): Promise<KubeObject | undefined>;

  list(resource: StorageResource, options?: ListOptions): Promise<ListResult>;

  watch(options: WatchOptions): Watch;

  /** The revision of the latest committed write (0 for an empty store). */
  revision(): Promise<number>;

  /** The oldest revision a watch may start from (events at or before it are gone). */
  compactedRevision(): Promise<number>;

  /** Drops history events with revision <= `revision` (clamped to the current revision). */
  compact(revision: number): Promise<CompactResult>;

  close(): Promise<void>;
}
