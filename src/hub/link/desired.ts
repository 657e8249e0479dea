/**
 * What one node should hold: its pods and the ConfigMaps, Secrets and RuntimeClasses
 * those pods name. Nothing else of the fleet reaches a node.
 */
import { configMapType, secretType } from '../../api/kinds/core.js';
import { runtimeClassType } from '../../api/kinds/edge.js';
import { podType } from '../../api/kinds/pod.js';
import { podReferences } from '../../api/kinds/pod-refs.js';
import type { InventoryEntry } from '../../api/link-protocol.js';
import type { KubeObject } from '../../api/object.js';
import type { Store } from '../../store/store.js';

/** Storage kinds that travel over the link. */
export const SHIPPED_RESOURCES = new Set([
  podType.storage,
  configMapType.storage,
  secretType.storage,
  runtimeClassType.storage,
]);

export function entryKey(resource: string, namespace: string, name: string): string {
  return `${resource}|${namespace}|${name}`;
}

export function keyOf(resource: string, object: KubeObject): string {
  return entryKey(resource, object.metadata.namespace ?? '', object.metadata.name ?? '');
}

export function inventoryKey(entry: InventoryEntry): string {
  return entryKey(entry.resource, entry.namespace, entry.name);
}

/** Keys of every object the given pods reference (whether or not it exists). */
export function referencedKeys(pods: Iterable<KubeObject>): Set<string> {
  const keys = new Set<string>();
  for (const pod of pods) {
    const ns = pod.metadata.namespace ?? '';
    const refs = podReferences(pod);
    for (const cm of refs.configMaps) keys.add(entryKey(configMapType.storage, ns, cm));
    for (const s of refs.secrets) keys.add(entryKey(secretType.storage, ns, s));
    if (refs.runtimeClass) keys.add(entryKey(runtimeClassType.storage, '', refs.runtimeClass));
  }
  return keys;
}

export function splitKey(key: string): { resource: string; namespace: string; name: string } {
  const [resource = '', namespace = '', name = ''] = key.split('|');
  return { resource, namespace, name };
}

export interface DesiredSet {
  /** Store revision the pod list reflects. */
  revision: number;
  objects: Map<string, { resource: string; object: KubeObject }>;
}

/** Reads a node's desired set from the store. */
export async function readDesiredSet(store: Store, node: string): Promise<DesiredSet> {
  const listed = await store.list(podType.storage, {
    fieldSelector: { requirements: [{ path: 'spec.nodeName', operator: '=', value: node }] },
  });
  const objects = new Map<string, { resource: string; object: KubeObject }>();
  for (const pod of listed.items)
    objects.set(keyOf(podType.storage, pod), { resource: podType.storage, object: pod });
  for (const key of referencedKeys(listed.items)) {
    const { resource, namespace, name } = splitKey(key);
    const object = await store.get({ resource, namespace, name });
    if (object) objects.set(key, { resource, object });
  }
  return { revision: listed.revision, objects };
}
