/**
 * One watch. It starts by reading history from its own cursor, a page at a time and
 * only as fast as its consumer takes events, then joins the hub's live fan-out once
 * its cursor has reached what the hub has dispatched. From then on it only buffers;
 * a consumer more than `maxBuffered` events behind is cut off.
 */
import { EdgewiseError } from '../../../api/errors.js';
import type { StorageResource, StoreWatchEvent, Watch } from '../../store.js';
import { revisionGone, watcherTooSlow } from '../errors.js';
import type { ObjectFilter } from '../filter.js';
import type { HistoryScope } from '../sql.js';
import { Queue } from './queue.js';
import { selectEvent } from './select.js';

/** What a watcher needs from its store to catch up. */
export interface HistoryPage {
  /** Events after the requested revision, oldest first, at most the requested number. */
  events: StoreWatchEvent[];
  /** The store revision in the snapshot the page was read from. */
  head: number;
  /** The compacted revision in the same snapshot. */
  compacted: number;
}

export interface HistorySource {
  readHistory(after: number, scope: HistoryScope, max: number): Promise<HistoryPage>;
}

/** What a watcher needs from its hub. */
export interface WatcherHost {
  /** Every event up to this revision has been offered to live watchers. */
  readonly dispatched: number;
  goLive(watcher: Watcher): void;
  remove(watcher: Watcher): void;
}

export interface WatcherSpec {
  resource: StorageResource | undefined;
  namespace: string | undefined;
  filter: ObjectFilter;
  fromRevision: number;
  maxBuffered: number;
}

const HISTORY_PAGE = 500;

export class Watcher implements Watch {
  readonly resource: StorageResource | undefined;
  private cursor: number;
  private state: 'catchup' | 'live' | 'ended' = 'catchup';
  private readonly buffer = new Queue<StoreWatchEvent>();
  private failure: Error | undefined;
  private waiting: { promise: Promise<void>; resolve: () => void } | undefined;
  private reading: Promise<void> | undefined;

  constructor(
    private readonly host: WatcherHost,
    private readonly source: HistorySource,
    private readonly spec: WatcherSpec,
  ) {
    this.resource = spec.resource;
    this.cursor = spec.fromRevision;
  }

  /** Every event up to this revision has been considered (buffered or filtered out). */
  get position(): number {
    return this.cursor;
  }

  /** A live event from the hub, in revision order. */
  offer(event: StoreWatchEvent): void {
    if (this.state !== 'live' || event.revision <= this.cursor) return;
    this.cursor = event.revision;
    const selected = selectEvent(event, this.spec.resource, this.spec.filter);
    if (!selected) return;
    if (this.buffer.length >= this.spec.maxBuffered) {
      this.fail(watcherTooSlow(this.spec.maxBuffered));
      return;
    }
    this.buffer.push(selected);
    this.signal();
  }

  /** Ends the watch; the consumer's next read throws `error` (buffered events are dropped). */
  fail(error: Error): void {
    if (this.state === 'ended') return;
    this.failure = error;
    this.end();
  }

  close(): void {
    this.end();
  }

  [Symbol.asyncIterator](): AsyncIterator<StoreWatchEvent> {
    return {
      next: () => this.next(),
      return: async () => {
        this.close();
        return { value: undefined, done: true };
      },
    };
  }

  private async next(): Promise<IteratorResult<StoreWatchEvent>> {
    for (;;) {
      if (this.failure) {
        const failure = this.failure;
        this.failure = undefined; // thrown once; the iterator is then simply done
        throw failure;
      }
      const event = this.buffer.shift();
      if (event) return { value: event, done: false };
      if (this.state === 'ended') return { value: undefined, done: true };
      if (this.state === 'catchup') {
        this.reading ??= this.readPage().finally(() => {
          this.reading = undefined;
        });
        await this.reading;
        continue;
      }
      this.waiting ??= withResolvers();
      await this.waiting.promise;
    }
  }

  private async readPage(): Promise<void> {
    let page: HistoryPage;
    try {
      const scope: HistoryScope = { resource: this.spec.resource, namespace: this.spec.namespace };
      page = await this.source.readHistory(this.cursor, scope, HISTORY_PAGE);
    } catch (err) {
      this.fail(
        EdgewiseError.is(err)
          ? err
          : new EdgewiseError('EW_UNAVAILABLE', `watch could not read history: ${String(err)}`, undefined, {
              cause: err,
            }),
      );
      return;
    }
    if (this.state !== 'catchup') return;
    if (this.cursor < page.compacted) {
      this.fail(revisionGone(this.cursor, page.compacted));
      return;
    }
    for (const event of page.events) {
      if (event.revision <= this.cursor) continue;
      this.cursor = event.revision;
      const selected = selectEvent(event, this.spec.resource, this.spec.filter);
      if (selected) this.buffer.push(selected);
    }
    // A short page means nothing else was committed in that snapshot, filtered or not.
    if (page.events.length < HISTORY_PAGE) this.cursor = Math.max(this.cursor, page.head);
    // Dispatch is synchronous, so from this check on the hub offers every event after
    // `dispatched`, and the cursor drops the ones this page already covered.
    if (this.cursor >= this.host.dispatched) {
      this.state = 'live';
      this.host.goLive(this);
    }
  }

  private end(): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.buffer.clear();
    this.host.remove(this);
    this.signal();
  }

  private signal(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.resolve();
  }
}

function withResolvers(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
