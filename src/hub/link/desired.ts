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
  /** Keys present because a ShippingRule selects them. */
  targeted: Set<string>;
}

/**
 * Ships objects beyond a node's pods and their references: policy bundles, data
 * sync configuration — whatever targets nodes by their labels. Features register
 * rules; the link follows them live, including when a node's labels change.
 */
export interface ShippingRule {
  /** Storage key of the kind the rule ships (`core/configmaps`, …). */
  resource: string;
  /** Whether this object goes to this node (the Node object, with its labels). */
  selects(object: KubeObject, node: KubeObject): boolean;
}

/** Objects of `rules` that target `node`, by key. */
export async function readTargeted(
  store: Store,
  rules: readonly ShippingRule[],
  node: KubeObject,
): Promise<Map<string, { resource: string; object: KubeObject }>> {
  const out = new Map<string, { resource: string; object: KubeObject }>();
  for (const resource of new Set(rules.map((r) => r.resource))) {
    const applicable = rules.filter((r) => r.resource === resource);
    const { items } = await store.list(resource);
    for (const object of items) {
      if (applicable.some((r) => r.selects(object, node)))
        out.set(keyOf(resource, object), { resource, object });
    }
  }
  return out;
}

/** Reads a node's desired set from the store: its pods, what they reference, and what targets it. */
export async function readDesiredSet(
  store: Store,
  node: string,
  rules: readonly ShippingRule[] = [],
  nodeObject?: KubeObject,
): Promise<DesiredSet> {
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
  const targeted = new Set<string>();
  if (nodeObject && rules.length > 0) {
    for (const [key, value] of await readTargeted(store, rules, nodeObject)) {
      objects.set(key, value);
      targeted.add(key);
    }
  }
  return { revision: listed.revision, objects, targeted };
}
