/**
 * Merges a module's active data segments at compile time. Toolchains emit one
 * segment per static object — AssemblyScript's hello has 168, some of one byte —
 * and V8 evaluates, bounds-checks and copies each one on every instantiation: with
 * a fresh instance per request that was a fifth of a worker's time. The merged
 * module writes the same bytes to the same places (gaps between segments are
 * written as the zeros that memory holds at instantiation), so nothing a guest can
 * observe changes, and a segment out of bounds still fails instantiation.
 */
import { readU32, type Section, sections, writeU32 } from './binary.js';

const CODE_SECTION = 10;
const DATA_SECTION = 11;
const DATA_COUNT_SECTION = 12;
const I32_CONST = 0x41;
const END = 0x0b;
/** Segments at most this far apart become one (the zeros between them are written too). */
const MAX_GAP = 64;

interface Segment {
  offset: number;
  bytes: Uint8Array;
}

function readI32(bytes: Uint8Array, at: number): { value: number; next: number } {
  let result = 0;
  let shift = 0;
  let pos = at;
  let b: number;
  do {
    b = bytes[pos++] ?? 0;
    if (pos > bytes.length) throw new RangeError('truncated LEB128');
    result |= (b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80 && shift < 35);
  if (shift < 32 && b & 0x40) result |= -1 << shift;
  return { value: result, next: pos };
}

/** Active segments of memory 0 with constant offsets, or undefined if any segment is another kind. */
function readSegments(bytes: Uint8Array, data: Section): Segment[] | undefined {
  const count = readU32(bytes, data.start);
  let at = count.next;
  const out: Segment[] = [];
  for (let i = 0; i < count.value; i++) {
    if (bytes[at++] !== 0) return undefined; // passive, or an explicit memory index
    if (bytes[at++] !== I32_CONST) return undefined; // offset from a global
    const offset = readI32(bytes, at);
    at = offset.next;
    if (bytes[at++] !== END) return undefined;
    const len = readU32(bytes, at);
    at = len.next;
    out.push({ offset: offset.value >>> 0, bytes: bytes.subarray(at, at + len.value) });
    at += len.value;
  }
  return at === data.end ? out : undefined;
}

/** memory.init and data.drop name segments by index; merging would renumber them. */
function mayUseSegmentIndexes(bytes: Uint8Array, code: Section | undefined): boolean {
  if (!code) return false;
  // A raw byte scan can also hit immediates: then we merely skip merging.
  for (let i = code.start; i + 1 < code.end; i++) {
    if (bytes[i] === 0xfc && (bytes[i + 1] === 0x08 || bytes[i + 1] === 0x09)) return true;
  }
  return false;
}

/** Groups of segments that overlap or lie within MAX_GAP, each rendered as one image. */
function merge(segments: Segment[]): Segment[] {
  const order = segments.map((s, i) => ({ ...s, i })).sort((a, b) => a.offset - b.offset || a.i - b.i);
  const out: Segment[] = [];
  let group: typeof order = [];
  let end = 0;
  const flush = () => {
    const first = group[0];
    if (!first) return;
    const image = new Uint8Array(end - first.offset);
    // In the original order: where segments overlap, the later one wins.
    for (const s of [...group].sort((a, b) => a.i - b.i)) image.set(s.bytes, s.offset - first.offset);
    out.push({ offset: first.offset, bytes: image });
  };
  for (const s of order) {
    if (group.length > 0 && s.offset > end + MAX_GAP) {
      flush();
      group = [];
    }
    group.push(s);
    end = Math.max(group.length === 1 ? s.offset : end, s.offset + s.bytes.length);
  }
  flush();
  return out;
}

function section(id: number, body: number[] | Uint8Array): Uint8Array {
  const size = writeU32(body.length);
  const out = new Uint8Array(1 + size.length + body.length);
  out[0] = id;
  out.set(size, 1);
  out.set(body, 1 + size.length);
  return out;
}

/** The module with its active data segments merged, or the same bytes when that is not safe or useful. */
export function mergeDataSegments(bytes: Uint8Array, source: string): Uint8Array {
  const all = sections(bytes, source);
  const data = all.find((s) => s.id === DATA_SECTION);
  if (!data) return bytes;
  const segments = readSegments(bytes, data);
  const hasCount = all.some((s) => s.id === DATA_COUNT_SECTION);
  if (!segments || segments.length < 2) return bytes;
  if (
    hasCount &&
    mayUseSegmentIndexes(
      bytes,
      all.find((s) => s.id === CODE_SECTION),
    )
  )
    return bytes;
  // Offsets past 2^31 would not survive the i32.const round trip below unchanged.
  if (segments.some((s) => s.offset + s.bytes.length > 0x7fffffff)) return bytes;
  const merged = merge(segments);
  if (merged.length >= segments.length) return bytes;
  const body: number[] = [...writeU32(merged.length)];
  let size = body.length;
  const parts: Uint8Array[] = [];
  for (const s of merged) {
    const head = [0x00, I32_CONST, ...signedLeb(s.offset), END, ...writeU32(s.bytes.length)];
    parts.push(Uint8Array.from(head), s.bytes);
    size += head.length + s.bytes.length;
  }
  const dataBody = new Uint8Array(size);
  dataBody.set(body, 0);
  let at = body.length;
  for (const p of parts) {
    dataBody.set(p, at);
    at += p.length;
  }
  const out: Uint8Array[] = [bytes.subarray(0, 8)];
  for (const s of all) {
    if (s.id === DATA_SECTION) out.push(section(DATA_SECTION, dataBody));
    else if (s.id === DATA_COUNT_SECTION) out.push(section(DATA_COUNT_SECTION, writeU32(merged.length)));
    else out.push(bytes.subarray(s.at, s.end));
  }
  return Buffer.concat(out);
}

function signedLeb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}
