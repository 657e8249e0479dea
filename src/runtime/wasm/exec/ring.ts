/**
 * A single-producer, single-consumer queue of byte records in a SharedArrayBuffer.
 * The pool writes jobs into one per worker and reads results from another: a record
 * is encoded once, in place, and nothing is structured-cloned or posted per request.
 *
 * Layout: two Int32 words (head: where the producer writes next; tail: where the
 * consumer reads next), then the data. A record is `[u32 length][bytes]`, padded to
 * 8 bytes; a length of WRAP sends the consumer back to offset 0. head === tail means
 * empty, so the producer never fills the ring completely.
 */

const HEAD = 0;
const TAIL = 1;
const DATA = 8;
const WRAP = 0xffffffff;

const align8 = (n: number) => (n + 7) & ~7;

export class ByteRing {
  /** The data area (record offsets index into it), and the same memory as u32 words. */
  readonly bytes: Buffer;
  readonly words: Uint32Array;
  readonly view: DataView;
  readonly capacity: number;
  private readonly index: Int32Array;
  /** Producer: its head, and the record reserved by the last reserve(). */
  private head: number;
  private reserved = -1;
  private wrapAt = -1;
  /** Consumer: its tail, and the record returned by the last next(). */
  private tail: number;
  private current = -1;

  private constructor(readonly sab: SharedArrayBuffer) {
    this.index = new Int32Array(sab, 0, 2);
    this.capacity = sab.byteLength - DATA;
    this.bytes = Buffer.from(sab, DATA, this.capacity);
    this.words = new Uint32Array(sab, DATA, this.capacity / 4);
    this.view = new DataView(sab, DATA, this.capacity);
    this.head = Atomics.load(this.index, HEAD);
    this.tail = Atomics.load(this.index, TAIL);
  }

  /** @param capacity data bytes, a multiple of 8. */
  static create(capacity: number): ByteRing {
    if (capacity % 8 !== 0 || capacity < 64) throw new RangeError(`bad ring capacity ${capacity}`);
    return new ByteRing(new SharedArrayBuffer(DATA + capacity));
  }

  /** The other side's handle on a ring made by create(). */
  static attach(sab: SharedArrayBuffer): ByteRing {
    return new ByteRing(sab);
  }

  /** Largest payload a record may have, whatever the ring holds. */
  get maxRecord(): number {
    return this.capacity / 2 - 8;
  }

  // --- producer ---------------------------------------------------------------

  /**
   * Reserves room for a record of up to `max` bytes; returns the offset to write
   * the payload at, or -1 when the ring has no room now. Nothing is visible to the
   * consumer until commit().
   */
  reserve(max: number): number {
    const need = align8(4 + max);
    if (max > this.maxRecord) return -1;
    const tail = Atomics.load(this.index, TAIL);
    let at = this.head;
    this.wrapAt = -1;
    if (at >= tail) {
      const room = this.capacity - at;
      // Ending exactly at the end with the consumer at 0 would make head === tail: "empty".
      if (room > need || (room === need && tail !== 0)) {
        // fits before the end
      } else if (need < tail) {
        this.wrapAt = at;
        at = 0;
      } else {
        return -1;
      }
    } else if (at + need >= tail) {
      return -1;
    }
    this.reserved = at;
    return at + 4;
  }

  /** Publishes the reserved record with its real length (at most the reserved `max`). */
  commit(length: number): void {
    const at = this.reserved;
    if (this.wrapAt >= 0) this.view.setUint32(this.wrapAt, WRAP, true);
    this.view.setUint32(at, length, true);
    let head = at + align8(4 + length);
    if (head === this.capacity) head = 0;
    this.head = head;
    this.reserved = -1;
    // The store publishes: the consumer's Atomics.load of head orders the bytes above.
    Atomics.store(this.index, HEAD, head);
  }

  // --- consumer ---------------------------------------------------------------

  /** Offset of the next record's payload, or -1 when the ring is empty. */
  next(): number {
    const head = Atomics.load(this.index, HEAD);
    let at = this.tail;
    if (at === head) return -1;
    if (this.view.getUint32(at, true) === WRAP) {
      at = 0;
      this.tail = 0;
      Atomics.store(this.index, TAIL, 0);
    }
    this.current = at;
    return at + 4;
  }

  /** Payload length of the record at `offset` (as returned by next()). */
  lengthAt(offset: number): number {
    return this.view.getUint32(offset - 4, true);
  }

  /** Frees the record returned by the last next(); its bytes may be overwritten after this. */
  release(): void {
    const at = this.current;
    let tail = at + align8(4 + this.view.getUint32(at, true));
    if (tail === this.capacity) tail = 0;
    this.tail = tail;
    this.current = -1;
    Atomics.store(this.index, TAIL, tail);
  }

  /** True when the consumer has nothing to read. */
  empty(): boolean {
    return Atomics.load(this.index, HEAD) === this.tail;
  }

  /** Consumer: sleeps until the producer publishes something (or `timeoutMs` passes). */
  waitForData(timeoutMs = Number.POSITIVE_INFINITY): void {
    Atomics.wait(this.index, HEAD, this.tail, timeoutMs);
  }

  /** Producer: wakes a consumer sleeping in waitForData(). */
  wake(): void {
    Atomics.notify(this.index, HEAD);
  }
}
