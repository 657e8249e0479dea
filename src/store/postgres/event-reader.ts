/**
 * The one reader of new history per store instance. Notifications (from any replica)
 * and local commits wake it; it reads every event after the hub's mark in revision
 * order and hands each to the hub once, however many watchers there are. Wake-ups
 * that arrive while it reads coalesce into one more read.
 *
 * Revision order is commit order (writers serialise on the meta row), so once a read
 * sees revision N every earlier revision is visible too: the reader never skips one.
 */
import { EdgewiseError } from '../../api/errors.js';
import type { StoreLogger } from '../common/options.js';
import { eventFromRow } from '../common/rows.js';
import type { WatchHub } from '../common/watch/hub.js';
import type { RawHistoryPage } from './queries.js';

const BATCH = 1_000;

export class PgEventReader {
  private reading = false;
  private again = false;
  private stopped = false;

  constructor(
    private readonly hub: WatchHub,
    private readonly read: (after: number, max: number) => Promise<RawHistoryPage>,
    private readonly logger: StoreLogger,
  ) {}

  /** Something was committed, up to `revision` if known. */
  wake(revision?: number): void {
    if (this.stopped) return;
    if (revision !== undefined && revision <= this.hub.dispatched) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    if (!this.hub.hasLiveWatchers) {
      // No one to deliver to: move the mark without a query. Watchers that start later
      // read history themselves up to at least this mark before going live.
      if (revision !== undefined) this.hub.advance(revision);
      return;
    }
    void this.drain();
  }

  stop(): void {
    this.stopped = true;
  }

  private async drain(): Promise<void> {
    this.reading = true;
    try {
      do {
        this.again = false;
        const after = this.hub.dispatched;
        const page = await this.read(after, BATCH);
        if (this.stopped) return;
        // Another replica compacted past events this instance had not read yet.
        if (page.compacted > after) this.hub.expire(page.compacted);
        for (const row of page.rows) this.hub.publish(eventFromRow(row));
        if (page.rows.length === BATCH) this.again = true;
        else this.hub.advance(page.head);
      } while (this.again && !this.stopped && this.hub.hasLiveWatchers);
    } catch (err) {
      this.logger.error(
        { component: 'store.postgres.watch', err },
        'reading new events failed; live watches ended',
      );
      this.hub.failLive(
        EdgewiseError.is(err)
          ? err
          : new EdgewiseError('EW_UNAVAILABLE', `watch lost PostgreSQL: ${String(err)}`, undefined, {
              cause: err,
            }),
      );
    } finally {
      this.reading = false;
    }
  }
}
