/**
 * In-memory output for stdout/stderr. A sink owns a growing buffer with a hard
 * byte limit so that a guest printing without end costs at most `limit` bytes.
 */

/** Thrown through the guest's stack when stdout passes its limit, ending the request. */
export class OutputLimitExceeded {
  constructor(
    readonly stream: string,
    readonly limit: number,
  ) {}
}

export interface OutputSink {
  /** Copies `chunk`; the caller's buffer may be reused or detached afterwards. */
  write(chunk: Uint8Array): void;
}

/** A reused sink keeps at most this much buffer between runs; one big response must not pin 16 MiB. */
const RETAIN_BYTES = 1 << 20;

export class ByteSink implements OutputSink {
  private buf: Uint8Array;
  private len = 0;
  /** True once bytes were dropped (only in `truncate` mode). */
  truncated = false;

  /**
   * @param limit maximum bytes kept.
   * @param overflow `abort` throws OutputLimitExceeded (stdout: a partial HTTP
   *   response is worse than none); `truncate` keeps the first `limit` bytes (stderr).
   */
  constructor(
    readonly name: string,
    public limit: number,
    readonly overflow: 'abort' | 'truncate',
    private readonly initial = 4096,
  ) {
    this.buf = new Uint8Array(Math.min(initial, Math.max(limit, 1)));
  }

  /** Empties the sink for the next run, with that run's limit; the bytes of the last run are gone. */
  reset(limit: number): void {
    this.limit = limit;
    this.len = 0;
    this.truncated = false;
    if (this.buf.length > RETAIN_BYTES) this.buf = new Uint8Array(this.initial);
  }

  /** Hands over the bytes written (to transfer them elsewhere) and continues with a fresh buffer. */
  detach(): Uint8Array {
    const out = this.buf.subarray(0, this.len);
    this.buf = new Uint8Array(this.initial);
    this.len = 0;
    return out;
  }

  write(chunk: Uint8Array): void {
    let data = chunk;
    if (this.len + data.length > this.limit) {
      if (this.overflow === 'abort') throw new OutputLimitExceeded(this.name, this.limit);
      this.truncated = true;
      data = data.subarray(0, this.limit - this.len);
      if (data.length === 0) return;
    }
    const need = this.len + data.length;
    if (need > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < need) size *= 2;
      const next = new Uint8Array(Math.min(size, this.limit));
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    this.buf.set(data, this.len);
    this.len = need;
  }

  get size(): number {
    return this.len;
  }

  /** The bytes written so far, as a view (copy if the sink lives on). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}
