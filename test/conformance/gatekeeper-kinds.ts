/**
 * Kinds the library's samples use that the hub does not serve (Service, Ingress,
 * PersistentVolumeClaim, RBAC, …), registered for the conformance run the way a
 * CustomResourceDefinition with `x-kubernetes-preserve-unknown-fields` would be:
 * any body is accepted and stored, then goes through admission like every kind.
 */
import { Type } from '@sinclair/typebox';
import { ageColumn, nameColumn, objectSchema } from '../../src/api/kinds/common.js';
import { parseApiVersion } from '../../src/api/object.js';
import type { ResourceRegistry } from '../../src/api/registry.js';
import type { ResourceType } from '../../src/api/resource-type.js';

/** Kubernetes kinds that are cluster-scoped; every other sample kind is namespaced. */
const CLUSTER_SCOPED = new Set([
  'ClusterRole',
  'ClusterRoleBinding',
  'StorageClass',
  'PersistentVolume',
  'PriorityClass',
  'IngressClass',
  'CustomResourceDefinition',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
]);

function plural(kind: string): string {
  const lower = kind.toLowerCase();
  if (lower.endsWith('s')) return `${lower}es`;
  if (lower.endsWith('y')) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

export function openKind(apiVersion: string, kind: string): ResourceType {
  const { group, version } = parseApiVersion(apiVersion);
  const p = plural(kind);
  return {
    group,
    version,
    kind,
    listKind: `${kind}List`,
    plural: p,
    singular: kind.toLowerCase(),
    shortNames: [],
    categories: [],
    namespaced: !CLUSTER_SCOPED.has(kind),
    storage: `${group || 'core'}/${p}`,
    hasStatus: false,
    nameRule: 'subdomain',
    schema: objectSchema(
      { spec: Type.Optional(Type.Unknown()) },
      `${kind} (open schema, for conformance runs)`,
    ),
    fieldSelectors: [],
    columns: [nameColumn, ageColumn],
  };
}

/** Registers an open kind for each apiVersion/kind the registry does not serve; returns those added. */
export function registerMissingKinds(
  registry: ResourceRegistry,
  kinds: Iterable<{ apiVersion: string; kind: string }>,
): ResourceType[] {
  const added: ResourceType[] = [];
  for (const { apiVersion, kind } of kinds) {
    if (registry.byKind(apiVersion, kind)) continue;
    const type = openKind(apiVersion, kind);
    registry.register(type);
    added.push(type);
  }
  return added;
}
