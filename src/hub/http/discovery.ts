/** API discovery documents (/api, /apis, /api/v1, /apis/{g}/{v}) as kubectl reads them. */
import type { ResourceRegistry } from '../../api/registry.js';
import type { ResourceType } from '../../api/resource-type.js';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export interface ExtraSubresource {
  /** `log` for `pods/log`. */
  name: string;
  plural: string;
  group: string;
  kind: string;
  verbs: string[];
}

export function legacyVersions(serverAddress: string) {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupsOf(registry: ResourceRegistry): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const t of registry.all()) {
    if (t.group === '') continue;
    const versions = groups.get(t.group) ?? [];
    if (!versions.includes(t.version)) versions.push(t.version);
    groups.set(t.group, versions);
  }
  return groups;
}

function apiGroup(name: string, versions: string[]) {
  const list = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions: list, preferredVersion: list[0] };
}

export function groupList(registry: ResourceRegistry) {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groupsOf(registry)]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, versions]) => apiGroup(name, versions)),
  };
}

export function group(registry: ResourceRegistry, name: string) {
  const versions = groupsOf(registry).get(name);
  return versions ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(name, versions) } : undefined;
}

function resourceEntry(t: ResourceType) {
  return {
    name: t.plural,
    singularName: t.singular,
    namespaced: t.namespaced,
    kind: t.kind,
    verbs: VERBS,
    ...(t.shortNames.length > 0 && { shortNames: [...t.shortNames] }),
    ...(t.categories.length > 0 && { categories: [...t.categories] }),
  };
}

export function resourceList(
  registry: ResourceRegistry,
  group: string,
  version: string,
  extras: readonly ExtraSubresource[],
) {
  const types = registry.all().filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  const resources: object[] = [];
  for (const t of types) {
    resources.push(resourceEntry(t));
    if (t.hasStatus) {
      resources.push({
        name: `${t.plural}/status`,
        singularName: '',
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: ['get', 'patch', 'update'],
      });
    }
    for (const extra of extras) {
      if (extra.plural === t.plural && extra.group === t.group) {
        resources.push({
          name: `${t.plural}/${extra.name}`,
          singularName: '',
          namespaced: t.namespaced,
          kind: extra.kind,
          verbs: extra.verbs,
        });
      }
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources,
  };
}
