/**
 * Decision log entries from a worker to the pool, through a shared ring (one per
 * worker) rather than a message per decision: the pool reads them when it reads
 * results, and also from a worker it is replacing, so a decision made by a guest
 * that is then stopped is still logged. Each record is one entry's UTF-8 JSON.
 */
import { ByteRing } from '../exec/ring.js';

/** Ring size: entries are bounded by half of it (the evaluator is told the bound). */
export const EVENTS_RING_BYTES = 256 * 1024;

export function createEventsRing(): ByteRing {
  return ByteRing.create(EVENTS_RING_BYTES);
}

/** Worker side: publishes entries, waiting for the pool to read when the ring is full. */
export class DecisionEvents {
  constructor(
    private readonly ring: ByteRing,
    /** Asks the pool to read (if it waits) and sleeps a little. */
    private readonly waitForRoom: () => void,
  ) {}

  /** Largest entry, in bytes. */
  get maxEntryBytes(): number {
    return this.ring.maxRecord;
  }

  post(entry: string): void {
    const size = Buffer.byteLength(entry);
    if (size > this.ring.maxRecord)
      throw new Error(`decision log entry of ${size} bytes exceeds ${this.ring.maxRecord}`);
    let at = this.ring.reserve(size);
    while (at < 0) {
      this.waitForRoom();
      at = this.ring.reserve(size);
    }
    this.ring.commit(this.ring.bytes.write(entry, at, 'utf8'));
  }
}

/** Pool side: every entry waiting in the ring, oldest first. */
export function takeEntries(ring: ByteRing): string[] {
  const out: string[] = [];
  for (;;) {
    const at = ring.next();
    if (at < 0) return out;
    out.push(ring.bytes.toString('utf8', at, at + ring.lengthAt(at)));
    ring.release();
  }
}
