/**
 * Resolves what a user types (`deploy`, `deployments.apps`, `Deployment`, `cm`) to
 * a served resource, from the hub's discovery documents, as kubectl does.
 */
import { EdgewiseError } from '../api/errors.js';
import type { HubClient } from './client.js';

export interface ServedResource {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
}

interface ApiResource {
  name: string;
  singularName?: string;
  namespaced: boolean;
  kind: string;
  shortNames?: string[];
  categories?: string[];
}

export class Discovery {
  readonly #client: HubClient;
  #resources: ServedResource[] | undefined;

  constructor(client: HubClient) {
    this.#client = client;
  }

  /** Forgets what the hub serves, so the next lookup asks again (kinds appear at run time). */
  invalidate(): void {
    this.#resources = undefined;
  }

  async resources(): Promise<ServedResource[]> {
    if (this.#resources) return this.#resources;
    const lists: { groupVersion: string; resources: ApiResource[] }[] = [];
    lists.push(
      (await this.#client.json<{ groupVersion: string; resources: ApiResource[] }>('GET', '/api/v1')).value,
    );
    const groups = (
      await this.#client.json<{
        groups: {
          name: string;
          preferredVersion: { groupVersion: string };
          versions: { groupVersion: string }[];
        }[];
      }>('GET', '/apis')
    ).value;
    const fetched = await Promise.all(
      groups.groups.flatMap((g) =>
        g.versions.map((v) =>
          this.#client
            .json<{ groupVersion: string; resources: ApiResource[] }>('GET', `/apis/${v.groupVersion}`)
            .then((r) => r.value),
        ),
      ),
    );
    lists.push(...fetched);
    const resources: ServedResource[] = [];
    for (const list of lists) {
      const [group, version] = list.groupVersion.includes('/')
        ? list.groupVersion.split('/')
        : ['', list.groupVersion];
      for (const r of list.resources) {
        if (r.name.includes('/')) continue;
        resources.push({
          group: group ?? '',
          version: version ?? '',
          plural: r.name,
          singular: r.singularName || r.kind.toLowerCase(),
          kind: r.kind,
          namespaced: r.namespaced,
          shortNames: r.shortNames ?? [],
          categories: r.categories ?? [],
        });
      }
    }
    this.#resources = resources;
    return resources;
  }

  /** Resolves one name; throws with kubectl's wording when nothing matches. */
  async resolve(name: string): Promise<ServedResource> {
    const all = await this.resources();
    const lower = name.toLowerCase();
    const dot = lower.indexOf('.');
    const base = dot < 0 ? lower : lower.slice(0, dot);
    const groupPart = dot < 0 ? undefined : lower.slice(dot + 1);
    const matches = all.filter((r) => {
      const names = [r.plural, r.singular, r.kind.toLowerCase(), ...r.shortNames.map((s) => s.toLowerCase())];
      if (!names.includes(base)) return false;
      if (groupPart === undefined) return true;
      return r.group === groupPart || `${r.version}.${r.group}` === groupPart;
    });
    if (matches.length === 0) {
      throw new EdgewiseError('EW_NOT_FOUND', `the server doesn't have a resource type "${name}"`);
    }
    // Prefer the core group, then our own group, as kubectl prefers the core group.
    const rank = (r: ServedResource) => (r.group === '' ? 0 : r.group.endsWith('edgewise.io') ? 1 : 2);
    return [...matches].sort((a, b) => rank(a) - rank(b))[0] as ServedResource;
  }

  /** All resources in a category (`all`). */
  async category(name: string): Promise<ServedResource[]> {
    return (await this.resources()).filter((r) => r.categories.includes(name));
  }

  async forKind(apiVersion: string, kind: string): Promise<ServedResource> {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    const found = (await this.resources()).find(
      (r) => r.group === group && r.version === version && r.kind === kind,
    );
    if (!found)
      throw new EdgewiseError('EW_NOT_FOUND', `no matches for kind "${kind}" in version "${apiVersion}"`);
    return found;
  }
}

/** REST path of a collection or object. */
export function resourcePath(
  r: ServedResource,
  namespace: string | undefined,
  name?: string,
  subresource?: string,
): string {
  const prefix = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const ns = r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const item = name !== undefined ? `/${encodeURIComponent(name)}` : '';
  const sub = subresource ? `/${subresource}` : '';
  return `${prefix}${ns}/${r.plural}${item}${sub}`;
}

/** `deployment.apps` — kubectl's prefix for object names in output lines. */
export function kindPrefix(r: Pick<ServedResource, 'kind' | 'group'>): string {
  return r.group ? `${r.kind.toLowerCase()}.${r.group}` : r.kind.toLowerCase();
}
