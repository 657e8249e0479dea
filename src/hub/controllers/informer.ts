/**
 * An informer keeps an in-memory copy of one stored collection, fed by list then
 * watch, and tells handlers about adds, updates and deletes. Controllers read from
 * the cache instead of the store. If the watch falls behind compaction it relists.
 */
import type { Logger } from 'pino';
import { EdgewiseError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import type { StorageResource, Store } from '../../store/store.js';

export interface InformerHandlers {
  add?(object: KubeObject): void;
  update?(object: KubeObject, previous: KubeObject): void;
  delete?(object: KubeObject): void;
}

export function objectKey(object: KubeObject): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`;
}

export class Informer {
  readonly resource: StorageResource;
  readonly #store: Store;
  readonly #log: Logger;
  readonly #cache = new Map<string, KubeObject>();
  readonly #handlers: InformerHandlers[] = [];
  /** index name → (index value → keys), for lookups such as pods by owner or by node. */
  readonly #indexers = new Map<string, (object: KubeObject) => string[]>();
  readonly #indices = new Map<string, Map<string, Set<string>>>();
  #closed = false;
  #watch: { close(): void } | undefined;
  #loop: Promise<void> | undefined;
  /** Store revision the cache reflects. */
  revision = 0;

  constructor(store: Store, resource: StorageResource, logger: Logger) {
    this.#store = store;
    this.resource = resource;
    this.#log = logger.child({ component: 'hub.informer', resource });
  }

  on(handlers: InformerHandlers): void {
    this.#handlers.push(handlers);
  }

  /** Adds an index; call before start(). */
  addIndex(name: string, values: (object: KubeObject) => string[]): void {
    if (this.#indexers.has(name)) return;
    this.#indexers.set(name, values);
    this.#indices.set(name, new Map());
  }

  byIndex(name: string, value: string): KubeObject[] {
    const keys = this.#indices.get(name)?.get(value);
    if (!keys) return [];
    const out: KubeObject[] = [];
    for (const key of keys) {
      const object = this.#cache.get(key);
      if (object) out.push(object);
    }
    return out;
  }

  #reindex(key: string, previous: KubeObject | undefined, next: KubeObject | undefined): void {
    for (const [name, values] of this.#indexers) {
      const index = this.#indices.get(name) as Map<string, Set<string>>;
      for (const v of previous ? values(previous) : []) {
        const set = index.get(v);
        set?.delete(key);
        if (set?.size === 0) index.delete(v);
      }
      for (const v of next ? values(next) : []) {
        let set = index.get(v);
        if (!set) {
          set = new Set();
          index.set(v, set);
        }
        set.add(key);
      }
    }
  }

  get(namespace: string, name: string): KubeObject | undefined {
    return this.#cache.get(`${namespace}/${name}`);
  }

  list(filter?: (object: KubeObject) => boolean): KubeObject[] {
    const all = [...this.#cache.values()];
    return filter ? all.filter(filter) : all;
  }

  /** Lists the collection and starts watching; resolves once the cache is filled. */
  async start(): Promise<void> {
    await this.#relist();
    this.#loop = this.#watchLoop();
  }

  async #relist(): Promise<void> {
    const listed = await this.#store.list(this.resource);
    const seen = new Set<string>();
    for (const object of listed.items) {
      const key = objectKey(object);
      seen.add(key);
      const previous = this.#cache.get(key);
      this.#cache.set(key, object);
      this.#reindex(key, previous, object);
      if (!previous) this.#emit('add', object);
      else if (previous.metadata.resourceVersion !== object.metadata.resourceVersion)
        this.#emit('update', object, previous);
    }
    for (const [key, object] of this.#cache) {
      if (!seen.has(key)) {
        this.#cache.delete(key);
        this.#reindex(key, object, undefined);
        this.#emit('delete', object);
      }
    }
    this.revision = listed.revision;
  }

  async #watchLoop(): Promise<void> {
    while (!this.#closed) {
      try {
        const watch = this.#store.watch({ resource: this.resource, fromRevision: this.revision });
        this.#watch = watch;
        for await (const event of watch) {
          const key = objectKey(event.object);
          const previous = this.#cache.get(key);
          if (event.type === 'DELETED') {
            this.#cache.delete(key);
            this.#reindex(key, previous, undefined);
            this.#emit('delete', event.object);
          } else {
            this.#cache.set(key, event.object);
            this.#reindex(key, previous, event.object);
            if (previous) this.#emit('update', event.object, previous);
            else this.#emit('add', event.object);
          }
          this.revision = event.revision;
        }
        if (this.#closed) return;
      } catch (err) {
        if (this.#closed) return;
        if (EdgewiseError.isCode(err, 'EW_GONE') || EdgewiseError.isCode(err, 'EW_TOO_MANY_REQUESTS')) {
          this.#log.warn({ err: (err as Error).message }, 'watch lost its place; relisting');
        } else {
          this.#log.error({ err }, 'watch failed; relisting');
          await new Promise((r) => setTimeout(r, 1000).unref());
        }
        if (this.#closed) return;
        try {
          await this.#relist();
        } catch (relistErr) {
          if (this.#closed) return;
          this.#log.error({ err: relistErr }, 'relist failed');
          await new Promise((r) => setTimeout(r, 1000).unref());
        }
      }
    }
  }

  #emit(kind: 'add' | 'update' | 'delete', object: KubeObject, previous?: KubeObject): void {
    for (const h of this.#handlers) {
      try {
        if (kind === 'add') h.add?.(object);
        else if (kind === 'update') h.update?.(object, previous as KubeObject);
        else h.delete?.(object);
      } catch (err) {
        // A handler bug must not stop the cache from following the store.
        this.#log.error({ err }, 'informer handler threw');
      }
    }
  }

  async stop(): Promise<void> {
    this.#closed = true;
    this.#watch?.close();
    await this.#loop;
  }
}
