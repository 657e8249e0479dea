/**
 * Which events a filtered watch delivers. With a selector, an object can move in and
 * out of the selected set without being created or deleted; like kube-apiserver's
 * watch cache, a MODIFIED that makes it start matching is delivered as ADDED and one
 * that makes it stop matching as DELETED, so a consumer's view stays the selected set.
 */
import type { StorageResource, StoreWatchEvent } from '../../store.js';
import type { ObjectFilter } from '../filter.js';
import { deepFreeze } from '../json.js';
import { withResourceVersion } from '../metadata.js';

export function selectEvent(
  event: StoreWatchEvent,
  resource: StorageResource | undefined,
  filter: ObjectFilter,
): StoreWatchEvent | undefined {
  if (resource !== undefined && event.resource !== resource) return undefined;
  const matchesNow = filter.matches(event.object);
  // Namespace-only filters cannot change their answer between two states of one object.
  if (event.type !== 'MODIFIED' || !filter.selective) return matchesNow ? event : undefined;
  const matchedBefore = event.previous !== undefined && filter.matches(event.previous);
  if (matchesNow && matchedBefore) return event;
  if (matchesNow) {
    return deepFreeze({
      type: 'ADDED',
      revision: event.revision,
      resource: event.resource,
      object: event.object,
    });
  }
  if (matchedBefore && event.previous) {
    // As Kubernetes does: the last state the consumer could see, at the event's revision.
    return deepFreeze({
      type: 'DELETED',
      revision: event.revision,
      resource: event.resource,
      object: withResourceVersion(event.previous, event.revision),
      previous: event.previous,
    });
  }
  return undefined;
}
