/**
 * The store's errors, worded like kube-apiserver's so clients that match on messages
 * (and people who know them) see what they expect. Every one is an EdgewiseError.
 */
import { alreadyExists, conflict, EdgewiseError, notFound } from '../../api/errors.js';
import type { StorageResource } from '../store.js';

/**
 * Splits a storage resource such as `apps/deployments` into the group and plural that
 * kube-apiserver names in its messages (`deployments.apps "web" not found`). `core`
 * is the empty group. Only used for wording: the store treats resources as opaque.
 */
export function describeResource(resource: StorageResource): { group: string; kind: string } {
  const slash = resource.lastIndexOf('/');
  if (slash < 0) return { group: '', kind: resource };
  const group = resource.slice(0, slash);
  return { group: group === 'core' ? '' : group, kind: resource.slice(slash + 1) };
}

export function objectNotFound(resource: StorageResource, name: string): EdgewiseError {
  const { group, kind } = describeResource(resource);
  return notFound(kind, name, group);
}

export function objectExists(resource: StorageResource, name: string): EdgewiseError {
  const { group, kind } = describeResource(resource);
  return alreadyExists(kind, name, group);
}

export function staleObject(resource: StorageResource, name: string): EdgewiseError {
  const { group, kind } = describeResource(resource);
  return conflict(
    kind,
    name,
    'the object has been modified; please apply your changes to the latest version and try again',
    group,
  );
}

export function preconditionFailed(
  resource: StorageResource,
  name: string,
  field: 'UID' | 'ResourceVersion',
  wanted: string,
  actual: string,
): EdgewiseError {
  const { group, kind } = describeResource(resource);
  return conflict(
    kind,
    name,
    `Precondition failed: ${field} in precondition: ${wanted}, ${field} in object meta: ${actual}`,
    group,
  );
}

/** A watch asked for history that compaction has removed. */
export function revisionGone(fromRevision: number, compactedRevision: number): EdgewiseError {
  return new EdgewiseError('EW_GONE', `too old resource version: ${fromRevision} (${compactedRevision})`);
}

/** A continue token points at a revision whose history has been compacted. */
export function continueExpired(): EdgewiseError {
  return new EdgewiseError(
    'EW_GONE',
    'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
  );
}

export function watcherTooSlow(maxBuffered: number): EdgewiseError {
  return new EdgewiseError(
    'EW_TOO_MANY_REQUESTS',
    `watch ended: the consumer fell more than ${maxBuffered} events behind; list again and watch from the new revision`,
  );
}

export function storeClosed(): EdgewiseError {
  return new EdgewiseError('EW_UNAVAILABLE', 'the store is closed');
}

export function badRequest(message: string): EdgewiseError {
  return new EdgewiseError('EW_BAD_REQUEST', message);
}
