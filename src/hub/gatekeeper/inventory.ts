/**
 * `data.inventory` for referential constraints, in Gatekeeper's layout:
 * `cluster[apiVersion][kind][name]` and `namespace[ns][apiVersion][kind][name]`.
 * Only the kinds that templates ask for (requires-sync-data) or the options name
 * are kept, each followed by an informer; the engine's view is rebuilt lazily
 * after a change, and converts only what a policy reads.
 */
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/object.js';
import type { ResourceRegistry } from '../../api/registry.js';
import { apiVersionOf } from '../../api/resource-type.js';
import { type PreparedData, prepareData } from '../../policy/rego/index.js';
import type { Store } from '../../store/store.js';
import { Informer } from '../controllers/informer.js';
import type { SyncKind } from './options.js';

type Tree = Record<string, Record<string, unknown>>;

interface Synced {
  informer: Informer;
  /** The served forms this storage is kept under (one storage may serve several apiVersions). */
  forms: { apiVersion: string; kind: string; namespaced: boolean }[];
}

function formKey(f: { apiVersion: string; kind: string }): string {
  return `${f.apiVersion}/${f.kind}`;
}

export class Inventory {
  readonly #registry: ResourceRegistry;
  readonly #store: Store;
  readonly #log: Logger;
  readonly #base: readonly SyncKind[];
  #wanted: SyncKind[] = [];
  readonly #synced = new Map<string, Synced>();
  #tree: { cluster: Tree; namespace: Record<string, Tree> } = { cluster: {}, namespace: {} };
  #prepared: PreparedData | undefined;
  #running = false;
  /** Resyncs run one after another: each starts and stops informers. */
  #pending: Promise<void> = Promise.resolve();
  #unsubscribe: (() => void) | undefined;

  constructor(registry: ResourceRegistry, store: Store, logger: Logger, base: readonly SyncKind[]) {
    this.#registry = registry;
    this.#store = store;
    this.#log = logger;
    this.#base = base;
  }

  /** The engine's `data` (`{inventory: …}`), converted lazily and reused until the next change. */
  data(): PreparedData {
    this.#prepared ??= prepareData({ inventory: this.#tree });
    return this.#prepared;
  }

  /** One inventory entry (tests wait on it). */
  get(apiVersion: string, kind: string, namespace: string, name: string): KubeObject | undefined {
    const scope = namespace ? this.#tree.namespace[namespace] : this.#tree.cluster;
    const byKind = scope?.[apiVersion]?.[kind] as Record<string, KubeObject> | undefined;
    return byKind?.[name];
  }

  /** Kinds templates ask for; the set kept is these plus the configured ones. */
  want(kinds: SyncKind[]): void {
    this.#wanted = kinds;
    if (this.#running) void this.#resync();
  }

  #resync(): Promise<void> {
    this.#pending = this.#pending
      .then(() => this.#apply())
      .catch((err: unknown) => {
        this.#log.error({ err }, 'inventory resync failed');
      });
    return this.#pending;
  }

  async start(): Promise<void> {
    this.#running = true;
    this.#unsubscribe = this.#registry.onChange(() => void this.#resync());
    await this.#resync();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#unsubscribe?.();
    await this.#pending;
    await Promise.all([...this.#synced.values()].map((s) => s.informer.stop()));
    this.#synced.clear();
  }

  /** Starts informers for newly resolvable kinds and drops those no longer wanted. */
  async #apply(): Promise<void> {
    if (!this.#running) return;
    const wanted = new Map<string, Synced['forms']>();
    for (const k of [...this.#base, ...this.#wanted]) {
      const apiVersion = k.group ? `${k.group}/${k.version}` : k.version;
      const type = this.#registry.byKind(apiVersion, k.kind);
      if (!type) continue;
      const forms = wanted.get(type.storage) ?? [];
      const form = { apiVersion: apiVersionOf(type), kind: type.kind, namespaced: type.namespaced };
      if (!forms.some((f) => formKey(f) === formKey(form))) forms.push(form);
      wanted.set(type.storage, forms);
    }
    for (const [storage, synced] of this.#synced) {
      const forms = wanted.get(storage);
      const same =
        forms?.length === synced.forms.length &&
        forms.every((f) => synced.forms.some((g) => formKey(g) === formKey(f)));
      if (same) continue;
      this.#synced.delete(storage);
      await synced.informer.stop();
      for (const o of synced.informer.list()) this.#remove(synced.forms, o);
    }
    for (const [storage, forms] of wanted) {
      if (this.#synced.has(storage)) continue;
      const informer = new Informer(this.#store, storage, this.#log);
      const synced: Synced = { informer, forms };
      informer.on({
        add: (o) => this.#put(synced.forms, o),
        update: (o) => this.#put(synced.forms, o),
        delete: (o) => this.#remove(synced.forms, o),
      });
      this.#synced.set(storage, synced);
      try {
        await informer.start();
      } catch (err) {
        this.#log.error({ err, storage }, 'cannot sync kind into the inventory');
      }
    }
  }

  #scope(namespace: string | undefined, create: boolean): Tree | undefined {
    if (!namespace) return this.#tree.cluster;
    let scope = this.#tree.namespace[namespace];
    if (!scope && create) {
      scope = {};
      this.#tree.namespace[namespace] = scope;
    }
    return scope;
  }

  #put(forms: Synced['forms'], object: KubeObject): void {
    this.#prepared = undefined;
    const scope = this.#scope(object.metadata.namespace, true) as Tree;
    for (const f of forms) {
      scope[f.apiVersion] ??= {};
      const byVersion = scope[f.apiVersion] as Record<string, Record<string, KubeObject>>;
      byVersion[f.kind] ??= {};
      const byKind = byVersion[f.kind] as Record<string, KubeObject>;
      byKind[object.metadata.name ?? ''] =
        object.apiVersion === f.apiVersion ? object : { ...object, apiVersion: f.apiVersion };
    }
  }

  #remove(forms: Synced['forms'], object: KubeObject): void {
    this.#prepared = undefined;
    const namespace = object.metadata.namespace;
    const scope = this.#scope(namespace, false);
    if (!scope) return;
    for (const f of forms) {
      const byVersion = scope[f.apiVersion] as Record<string, Record<string, KubeObject>> | undefined;
      const byKind = byVersion?.[f.kind];
      if (!byVersion || !byKind) continue;
      delete byKind[object.metadata.name ?? ''];
      if (Object.keys(byKind).length === 0) delete byVersion[f.kind];
      if (Object.keys(byVersion).length === 0) delete scope[f.apiVersion];
    }
    if (namespace && Object.keys(scope).length === 0) delete this.#tree.namespace[namespace];
  }
}
