/** The automatic compaction policy: every interval, drop history older than the newest N revisions. */
import type { Store } from '../store.js';
import type { CompactionPolicy, StoreLogger } from './options.js';

export interface Compactor {
  stop(): void;
}

export function startCompactor(
  store: Pick<Store, 'revision' | 'compactedRevision' | 'compact'>,
  policy: Readonly<Required<CompactionPolicy>>,
  logger: StoreLogger,
): Compactor {
  let running = false;
  let stopped = false;
  const tick = async () => {
    // A slow compaction must not overlap the next tick's.
    if (running) return;
    running = true;
    try {
      const target = (await store.revision()) - policy.retainRevisions;
      if (target > (await store.compactedRevision())) await store.compact(target);
    } catch (err) {
      // A tick under way when the store closed fails with "store is closed": expected.
      if (stopped) return;
      logger.error({ component: 'store.compactor', err }, 'automatic compaction failed; will retry');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), policy.intervalMs);
  // Compaction is housekeeping: it must never keep a process alive on its own.
  timer.unref();
  return {
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}
