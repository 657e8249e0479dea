/**
 * Keeping the backlog bounded. Per stream: `maxBytes` with `onFull` Reject (the write
 * is refused with 429 and counted) or DropOldest (the oldest records go, counted);
 * `maxAge` evicts records older than the TTL. Per node: all streams together stay
 * under the node's cap by evicting from DropOldest streams of the lowest priority
 * first, never from a stream of higher priority than the one writing.
 */

import { EdgewiseError } from '../../api/errors.js';
import type { StreamLimits } from '../../api/kinds/data-sync.js';
import { type CounterName, RECORD_OVERHEAD } from './schema.js';
import type { StreamStore } from './store.js';

export interface StreamPolicy {
  limits: StreamLimits;
  priority: number;
}

export interface Capacity {
  /** Limits and priority of a stream by name (its DataSync's, or the defaults). */
  policyOf(name: string): StreamPolicy;
  /** All streams together. */
  nodeMaxBytes: number;
}

/** Drops the oldest records of a stream until `need` bytes are freed; returns bytes freed. */
export function dropOldest(store: StreamStore, id: number, need: number, counter: CounterName): number {
  let freed = 0;
  while (freed < need) {
    const rows = store.oldest(id, 256);
    if (rows.length === 0) break;
    for (const rec of rows) {
      if (freed >= need) break;
      store.evict(id, rec, counter);
      freed += rec.len + RECORD_OVERHEAD;
    }
  }
  return freed;
}

/** Evicts records written before `cutoff` (ms), oldest first; returns how many. */
export function expire(store: StreamStore, id: number, cutoff: number): number {
  let evicted = 0;
  for (;;) {
    const rows = store.oldest(id, 256);
    let stopped = rows.length === 0;
    for (const rec of rows) {
      if (rec.time >= cutoff) {
        stopped = true;
        break;
      }
      store.evict(id, rec, 'evictedByAge');
      evicted++;
    }
    if (stopped) return evicted;
  }
}

function full(message: string): EdgewiseError {
  return new EdgewiseError('EW_TOO_MANY_REQUESTS', message, { retryAfterSeconds: 5 });
}

/**
 * Makes room for `incoming` bytes on stream `name` or throws EW_TOO_MANY_REQUESTS
 * (EW_TOO_LARGE when the write alone exceeds the stream's cap). Runs inside the
 * append's transaction, so a refused write evicts nothing.
 */
export function makeRoom(
  store: StreamStore,
  id: number,
  name: string,
  incoming: number,
  capacity: Capacity,
): void {
  const { limits, priority } = capacity.policyOf(name);
  if (incoming > limits.maxBytes)
    throw new EdgewiseError(
      'EW_TOO_LARGE',
      `the write (${incoming} bytes) is larger than stream ${name}'s whole backlog cap (${limits.maxBytes} bytes)`,
    );
  const row = store.row(id);
  const over = row.bytes + incoming - limits.maxBytes;
  if (over > 0) {
    if (limits.onFull === 'Reject')
      throw full(
        `stream ${name} is full (${row.bytes} of ${limits.maxBytes} bytes waiting, onFull: Reject); retry later`,
      );
    dropOldest(store, id, over, 'evictedByBytes');
  }
  const nodeOver = store.totalBytes() + incoming - capacity.nodeMaxBytes;
  if (nodeOver <= 0) return;
  const candidates = store
    .all()
    .map((s) => ({ s, p: capacity.policyOf(s.name) }))
    .filter(({ s, p }) => s.bytes > 0 && p.limits.onFull === 'DropOldest' && p.priority <= priority)
    .sort((a, b) => a.p.priority - b.p.priority || b.s.bytes - a.s.bytes);
  let freed = 0;
  for (const { s } of candidates) {
    if (freed >= nodeOver) break;
    freed += dropOldest(store, s.id, nodeOver - freed, 'evictedByBytes');
  }
  if (freed < nodeOver)
    throw full(
      `the node's stream storage is full (cap ${capacity.nodeMaxBytes} bytes) and no stream of priority ≤ ${priority} may drop records; retry later`,
    );
}
