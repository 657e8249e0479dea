/**
 * The watch fan-out of one store instance. The backend feeds it each committed event
 * once (SQLite right after its commit, PostgreSQL from its single event reader), and
 * it offers the event to the live watchers of that resource: one read and one parse
 * per event however many watchers there are.
 */
import type { StorageResource, StoreWatchEvent, Watch, WatchOptions } from '../../store.js';
import { badRequest, revisionGone, storeClosed } from '../errors.js';
import { compileFilter } from '../filter.js';
import { type HistorySource, Watcher, type WatcherHost } from './watcher.js';

/** @see WatchOptions.maxBuffered */
export const DEFAULT_MAX_BUFFERED = 10_000;

export class WatchHub implements WatcherHost {
  private lastDispatched: number;
  private readonly watchers = new Set<Watcher>();
  /** Live watchers by resource; `undefined` holds the ones watching every resource. */
  private readonly live = new Map<StorageResource | undefined, Set<Watcher>>();
  private liveCount = 0;
  private closed = false;

  /** @param revision the store revision at open: events after it are the hub's to dispatch. */
  constructor(
    private readonly source: HistorySource,
    revision: number,
  ) {
    this.lastDispatched = revision;
  }

  get dispatched(): number {
    return this.lastDispatched;
  }

  /** True when a published event would reach someone (the backend can skip building it otherwise). */
  get hasLiveWatchers(): boolean {
    return this.liveCount > 0;
  }

  watch(options: WatchOptions): Watch {
    const { resource, namespace, labelSelector, fieldSelector, fromRevision } = options;
    const maxBuffered = options.maxBuffered ?? DEFAULT_MAX_BUFFERED;
    if (!Number.isSafeInteger(fromRevision) || fromRevision < 0) {
      throw badRequest(`fromRevision must be a non-negative integer, got ${fromRevision}`);
    }
    if (!Number.isSafeInteger(maxBuffered) || maxBuffered < 1) {
      throw badRequest(`maxBuffered must be a positive integer, got ${maxBuffered}`);
    }
    if (resource !== undefined && (typeof resource !== 'string' || resource === '')) {
      throw badRequest('resource must be a non-empty string when given');
    }
    const filter = compileFilter({ namespace, labelSelector, fieldSelector });
    const watcher = new Watcher(this, this.source, {
      resource,
      namespace: namespace || undefined,
      filter,
      fromRevision,
      maxBuffered,
    });
    if (this.closed) watcher.fail(storeClosed());
    else this.watchers.add(watcher);
    return watcher;
  }

  /** Offers one committed event; events arrive in revision order, each once. */
  publish(event: StoreWatchEvent): void {
    if (event.revision <= this.lastDispatched) return;
    this.lastDispatched = event.revision;
    for (const watcher of this.live.get(event.resource) ?? []) watcher.offer(event);
    for (const watcher of this.live.get(undefined) ?? []) watcher.offer(event);
  }

  /**
   * Moves the dispatch mark without events. The caller guarantees that no event up to
   * `revision` is left for a live watcher: there were none, or all were published.
   */
  advance(revision: number): void {
    if (revision > this.lastDispatched) this.lastDispatched = revision;
  }

  /** Ends every live watcher with `error` (the backend can no longer feed them). */
  failLive(error: Error): void {
    for (const set of this.live.values()) for (const watcher of set) watcher.fail(error);
  }

  /**
   * History up to `compacted` was removed before this hub dispatched it (another
   * replica compacted). Live watchers that had not seen all of it end with EW_GONE;
   * the others lose nothing, since every later event still exists.
   */
  expire(compacted: number): void {
    for (const set of this.live.values()) {
      for (const watcher of set) {
        if (watcher.position < compacted) watcher.fail(revisionGone(watcher.position, compacted));
      }
    }
  }

  goLive(watcher: Watcher): void {
    if (!this.watchers.has(watcher)) return;
    let set = this.live.get(watcher.resource);
    if (!set) {
      set = new Set();
      this.live.set(watcher.resource, set);
    }
    if (!set.has(watcher)) {
      set.add(watcher);
      this.liveCount++;
    }
  }

  remove(watcher: Watcher): void {
    this.watchers.delete(watcher);
    const set = this.live.get(watcher.resource);
    if (set?.delete(watcher)) {
      this.liveCount--;
      if (set.size === 0) this.live.delete(watcher.resource);
    }
  }

  /** Ends every watch cleanly: iterators finish without an error. */
  close(): void {
    this.closed = true;
    for (const watcher of [...this.watchers]) watcher.close();
  }
}
