/**
 * The kinds the hub serves, looked up by REST path (group/version/plural), by
 * apiVersion+kind (manifests) and by any name kubectl accepts (`deploy`,
 * `deployments.apps`, `Deployment`). Kinds can be added at run time (Gatekeeper
 * constraint kinds appear when a ConstraintTemplate is created).
 */
import { EdgewiseError } from './errors.js';
import { daemonSetType, deploymentType } from './kinds/apps.js';
import { configMapType, eventType, namespaceType, secretType } from './kinds/core.js';
import { edgeClusterTypes, runtimeClassType, virtualMachineType } from './kinds/edge.js';
import { nodeType } from './kinds/node.js';
import { podType } from './kinds/pod.js';
import { parseApiVersion } from './object.js';
import { apiVersionOf, type ResourceType } from './resource-type.js';

export class ResourceRegistry {
  readonly #types: ResourceType[] = [];
  readonly #byPath = new Map<string, ResourceType>();
  readonly #byKind = new Map<string, ResourceType>();
  readonly #listeners = new Set<() => void>();

  constructor(types: readonly ResourceType[] = []) {
    for (const t of types) this.register(t);
  }

  register(type: ResourceType): void {
    const path = `${type.group}/${type.version}/${type.plural}`;
    const existing = this.#byPath.get(path);
    if (existing) this.#types.splice(this.#types.indexOf(existing), 1);
    this.#types.push(type);
    this.#byPath.set(path, type);
    this.#byKind.set(`${apiVersionOf(type)}/${type.kind}`, type);
    for (const listener of this.#listeners) listener();
  }

  unregister(group: string, version: string, plural: string): void {
    const type = this.#byPath.get(`${group}/${version}/${plural}`);
    if (!type) return;
    this.#types.splice(this.#types.indexOf(type), 1);
    this.#byPath.delete(`${group}/${version}/${plural}`);
    this.#byKind.delete(`${apiVersionOf(type)}/${type.kind}`);
    for (const listener of this.#listeners) listener();
  }

  /** Called after every register/unregister (discovery caches listen). */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  all(): readonly ResourceType[] {
    return this.#types;
  }

  byPath(group: string, version: string, plural: string): ResourceType | undefined {
    return this.#byPath.get(`${group}/${version}/${plural}`);
  }

  byKind(apiVersion: string, kind: string): ResourceType | undefined {
    return this.#byKind.get(`${apiVersion}/${kind}`);
  }

  /** Like byKind but throws a NotFound error naming what is served instead. */
  requireKind(apiVersion: string, kind: string): ResourceType {
    const type = this.byKind(apiVersion, kind);
    if (type) return type;
    const { group } = parseApiVersion(apiVersion);
    const sameKind = this.#types.filter((t) => t.kind === kind).map(apiVersionOf);
    const hint = sameKind.length ? `; ${kind} is served as ${sameKind.join(', ')}` : '';
    throw new EdgewiseError(
      'EW_NOT_FOUND',
      `no matches for kind "${kind}" in version "${apiVersion}"${hint}`,
      { group, kind },
    );
  }

  /** Every type sharing a storage key (EdgeCluster is served under two groups). */
  byStorage(storage: string): ResourceType[] {
    return this.#types.filter((t) => t.storage === storage);
  }
}

/** The kinds built into every hub. */
export function builtinTypes(): ResourceType[] {
  return [
    namespaceType,
    nodeType,
    configMapType,
    secretType,
    podType,
    eventType,
    deploymentType,
    daemonSetType,
    runtimeClassType,
    virtualMachineType,
    ...edgeClusterTypes,
  ];
}

export function createRegistry(): ResourceRegistry {
  return new ResourceRegistry(builtinTypes());
}
