/**
 * Views over a guest's linear memory. A view is taken per host call because the
 * guest may grow its memory between calls, which detaches the old ArrayBuffer.
 */
import type { WasmMemory } from '../wa.js';

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

/** Thrown (and turned into EFAULT/EILSEQ) when a guest passes a bad pointer or string. */
export class GuestFault {
  constructor(readonly errno: number) {}
}

export class GuestMemory {
  readonly view: DataView;
  readonly bytes: Uint8Array;

  constructor(memory: WasmMemory) {
    this.view = new DataView(memory.buffer);
    this.bytes = new Uint8Array(memory.buffer);
  }

  /** Bounds-checked window into guest memory (shares the buffer; copy before keeping). */
  slice(ptr: number, len: number): Uint8Array {
    if (ptr < 0 || len < 0 || ptr + len > this.bytes.length) throw new GuestFault(21);
    return this.bytes.subarray(ptr, ptr + len);
  }

  string(ptr: number, len: number): string {
    try {
      return utf8Decoder.decode(this.slice(ptr, len));
    } catch (err) {
      if (err instanceof GuestFault) throw err;
      throw new GuestFault(25); // EILSEQ: WASI paths must be valid UTF-8
    }
  }

  u32(ptr: number): number {
    return this.view.getUint32(ptr, true);
  }

  setU8(ptr: number, value: number): void {
    this.view.setUint8(ptr, value);
  }

  setU16(ptr: number, value: number): void {
    this.view.setUint16(ptr, value, true);
  }

  setU32(ptr: number, value: number): void {
    this.view.setUint32(ptr, value, true);
  }

  setU64(ptr: number, value: bigint | number): void {
    this.view.setBigUint64(ptr, typeof value === 'bigint' ? value : BigInt(value), true);
  }

  /** Reads an iovec/ciovec array: `[buf, len]` pairs of u32. */
  iovecs(ptr: number, count: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const base = this.u32(ptr + i * 8);
      const len = this.u32(ptr + i * 8 + 4);
      out.push(this.slice(base, len));
    }
    return out;
  }
}

/**
 * argv or environ as the guest receives them: NUL-terminated UTF-8 strings back to
 * back. Requests arrive in this layout already (the pool encodes them once on the
 * main thread), so the host only copies bytes; the offsets of the strings are found
 * when a guest first asks, and most guests never ask for their environment.
 */
export class CStrings {
  private starts: number[] | undefined;

  /** @param data NUL-terminated strings back to back (empty for none). */
  constructor(readonly data: Uint8Array) {}

  static from(values: readonly string[]): CStrings {
    let size = 0;
    for (const v of values) size += Buffer.byteLength(v) + 1;
    const data = Buffer.allocUnsafe(size);
    const starts: number[] = [];
    let at = 0;
    for (const v of values) {
      starts.push(at);
      at += data.write(v, at, 'utf8');
      data[at++] = 0;
    }
    const list = new CStrings(data);
    list.starts = starts;
    return list;
  }

  /** Offset of each string in `data`. */
  get offsets(): number[] {
    if (this.starts) return this.starts;
    const starts: number[] = [];
    const data = this.data;
    let start = 0;
    for (let i = 0; i < data.length; i++) {
      if (data[i] === 0) {
        starts.push(start);
        start = i + 1;
      }
    }
    this.starts = starts;
    return starts;
  }
}

export { utf8Encoder };
