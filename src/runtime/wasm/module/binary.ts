/**
 * Just enough of the WebAssembly binary format to check the header and to rewrite
 * the memory section's maximum. Capping the declared maximum makes the engine
 * itself refuse `memory.grow` past the workload's limit (grow returns -1), so a
 * memory bomb fails inside its own request instead of growing the agent.
 */
import { EdgewiseError } from '../../../api/errors.js';

export const WASM_PAGE = 65536;
const MAGIC = [0x00, 0x61, 0x73, 0x6d];
const MEMORY_SECTION = 5;

export function readU32(bytes: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  let pos = at;
  for (;;) {
    const b = bytes[pos++];
    if (b === undefined) throw new RangeError('truncated LEB128');
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) break;
    shift += 7;
    if (shift > 35) throw new RangeError('LEB128 too long');
  }
  return { value, next: pos };
}

export function writeU32(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    let b = v & 0x7f;
    v = Math.floor(v / 128);
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

/** Throws EW_INVALID unless `bytes` start like a core WebAssembly module. */
export function checkHeader(bytes: Uint8Array, source: string): void {
  const looksWasm = MAGIC.every((b, i) => bytes[i] === b);
  if (!looksWasm) {
    const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new EdgewiseError(
      'EW_INVALID',
      `${source} is not a WebAssembly module (first bytes: ${head || 'none'})`,
    );
  }
  const version = (bytes[4] ?? 0) | ((bytes[5] ?? 0) << 8);
  const layer = (bytes[6] ?? 0) | ((bytes[7] ?? 0) << 8);
  if (layer === 1) {
    throw new EdgewiseError(
      'EW_INVALID',
      `${source} is a WebAssembly component; this runtime runs WASI preview 1 core modules (build for wasm32-wasip1)`,
    );
  }
  if (version !== 1)
    throw new EdgewiseError('EW_INVALID', `${source} has unsupported WebAssembly version ${version}`);
}

/** Where a rewritten module imports its memory from (the host pools these). */
export const MEMORY_IMPORT = { module: 'edgewise', name: 'memory' } as const;

export interface MemoryRewrite {
  bytes: Uint8Array;
  /** Initial pages the module declares (0 when it defines no memory). */
  minPages: number;
  /** Maximum pages after the rewrite (undefined when the module defines no memory). */
  maxPages: number | undefined;
}

export interface Section {
  id: number;
  at: number;
  start: number;
  end: number;
}

export function sections(bytes: Uint8Array, source: string): Section[] {
  const out: Section[] = [];
  let pos = 8;
  while (pos < bytes.length) {
    const id = bytes[pos] as number;
    const size = readU32(bytes, pos + 1);
    const end = size.next + size.value;
    if (end > bytes.length)
      throw new EdgewiseError('EW_INVALID', `${source}: section ${id} runs past the end`);
    out.push({ id, at: pos, start: size.next, end });
    pos = end;
  }
  return out;
}

/**
 * Returns the module with every defined memory's maximum set to at most
 * `limitPages`. A module whose initial memory already exceeds the limit is refused.
 */
export function capMemory(bytes: Uint8Array, limitPages: number, source: string): MemoryRewrite {
  const mem = sections(bytes, source).find((s) => s.id === MEMORY_SECTION);
  if (!mem) return { bytes, minPages: 0, maxPages: undefined };
  return rewrite(bytes, mem.at, mem.start, mem.end, limitPages, source);
}

const IMPORT_SECTION = 2;
const name = (text: string) => [...writeU32(text.length), ...Buffer.from(text, 'utf8')];

/**
 * Like capMemory, then turns the module's single defined memory into an import of
 * `edgewise.memory` with the same limits. The host can then hand each instance a
 * recycled, zeroed memory instead of allocating (and later garbage-collecting) a
 * fresh one per request — the allocation is what makes cold-start tails long.
 * Modules with no memory, or several, are returned capped but unchanged.
 */
export function importMemory(
  bytes: Uint8Array,
  limitPages: number,
  source: string,
): MemoryRewrite & { imported: boolean } {
  const capped = capMemory(bytes, limitPages, source);
  const all = sections(capped.bytes, source);
  const mem = all.find((s) => s.id === MEMORY_SECTION);
  if (!mem || capped.maxPages === undefined || readU32(capped.bytes, mem.start).value !== 1) {
    return { ...capped, imported: false };
  }
  const entry = [
    ...name(MEMORY_IMPORT.module),
    ...name(MEMORY_IMPORT.name),
    0x02,
    0x01,
    ...writeU32(capped.minPages),
    ...writeU32(capped.maxPages),
  ];
  const imports = all.find((s) => s.id === IMPORT_SECTION);
  let body: number[];
  if (imports) {
    const count = readU32(capped.bytes, imports.start);
    body = [...writeU32(count.value + 1), ...capped.bytes.subarray(count.next, imports.end), ...entry];
  } else {
    body = [...writeU32(1), ...entry];
  }
  const newImports = [IMPORT_SECTION, ...writeU32(body.length), ...body];
  const parts: Uint8Array[] = [capped.bytes.subarray(0, 8)];
  let placed = false;
  for (const s of all) {
    if (s.id === MEMORY_SECTION) continue;
    if (s.id === IMPORT_SECTION) {
      parts.push(Uint8Array.from(newImports));
      placed = true;
      continue;
    }
    // Known sections after imports (function=3 … data count=12) come after it; custom (0) may sit anywhere.
    if (!placed && s.id !== 0 && s.id !== 1) {
      parts.push(Uint8Array.from(newImports));
      placed = true;
    }
    parts.push(capped.bytes.subarray(s.at, s.end));
  }
  if (!placed) parts.push(Uint8Array.from(newImports));
  return {
    bytes: Buffer.concat(parts),
    minPages: capped.minPages,
    maxPages: capped.maxPages,
    imported: true,
  };
}

function rewrite(
  bytes: Uint8Array,
  sectionAt: number,
  start: number,
  end: number,
  limitPages: number,
  source: string,
): MemoryRewrite {
  const count = readU32(bytes, start);
  let at = count.next;
  const body: number[] = [...writeU32(count.value)];
  let minPages = 0;
  let maxPages = 0;
  for (let i = 0; i < count.value; i++) {
    const flags = bytes[at++] as number;
    if (flags > 1) {
      throw new EdgewiseError(
        'EW_INVALID',
        `${source}: shared or 64-bit memories (limits flag ${flags}) are not supported`,
      );
    }
    const min = readU32(bytes, at);
    at = min.next;
    let max = limitPages;
    if (flags === 1) {
      const declared = readU32(bytes, at);
      at = declared.next;
      max = Math.min(declared.value, limitPages);
    }
    if (min.value > limitPages) {
      throw new EdgewiseError(
        'EW_INVALID',
        `${source} needs ${min.value * (WASM_PAGE / 1024)} KiB of memory at start; the workload's limit is ${limitPages * (WASM_PAGE / 1024)} KiB`,
        { causes: [{ reason: 'OOMKilled', message: 'initial memory exceeds resources.limits.memory' }] },
      );
    }
    minPages = Math.max(minPages, min.value);
    maxPages = Math.max(maxPages, max);
    body.push(0x01, ...writeU32(min.value), ...writeU32(max));
  }
  if (at !== end) throw new EdgewiseError('EW_INVALID', `${source}: malformed memory section`);
  const header = [MEMORY_SECTION, ...writeU32(body.length)];
  const out = new Uint8Array(sectionAt + header.length + body.length + (bytes.length - end));
  out.set(bytes.subarray(0, sectionAt), 0);
  out.set(header, sectionAt);
  out.set(body, sectionAt + header.length);
  out.set(bytes.subarray(end), sectionAt + header.length + body.length);
  return { bytes: out, minPages, maxPages };
}
