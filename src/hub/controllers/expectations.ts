/**
 * A controller's own writes reach its informer a moment later. Until they have,
 * a sync would see too few (or too many) pods and act twice; expectations record
 * what was just created or deleted so the sync waits for the cache to catch up.
 */
import type { Informer } from './informer.js';

/** Give up waiting after this long (a lost watch event must not wedge a controller). */
const EXPECTATION_TTL_MS = 30_000;

interface Pending {
  created: Set<string>;
  deleted: Set<string>;
  since: number;
}

export class Expectations {
  readonly #pending = new Map<string, Pending>();
  readonly #pods: Informer;
  readonly #now: () => number;

  constructor(pods: Informer, now: () => number = Date.now) {
    this.#pods = pods;
    this.#now = now;
  }

  #entry(owner: string): Pending {
    let entry = this.#pending.get(owner);
    if (!entry) {
      entry = { created: new Set(), deleted: new Set(), since: this.#now() };
      this.#pending.set(owner, entry);
    }
    return entry;
  }

  created(owner: string, namespace: string, name: string): void {
    this.#entry(owner).created.add(`${namespace}/${name}`);
  }

  deleted(owner: string, namespace: string, name: string): void {
    this.#entry(owner).deleted.add(`${namespace}/${name}`);
  }

  /** True when the cache reflects every write made for this owner. */
  satisfied(owner: string): boolean {
    const entry = this.#pending.get(owner);
    if (!entry) return true;
    if (this.#now() - entry.since > EXPECTATION_TTL_MS) {
      this.#pending.delete(owner);
      return true;
    }
    for (const key of entry.created) {
      const [ns = '', name = ''] = key.split('/');
      if (this.#pods.get(ns, name)) entry.created.delete(key);
    }
    for (const key of entry.deleted) {
      const [ns = '', name = ''] = key.split('/');
      const pod = this.#pods.get(ns, name);
      if (!pod || pod.metadata.deletionTimestamp) entry.deleted.delete(key);
    }
    if (entry.created.size === 0 && entry.deleted.size === 0) {
      this.#pending.delete(owner);
      return true;
    }
    return false;
  }
}
