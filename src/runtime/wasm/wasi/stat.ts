/** Writing WASI `filestat` and `fdstat` records into guest memory. */
import type { BigIntStats } from 'node:fs';
import { FileType } from './constants.js';
import type { GuestMemory } from './memory.js';

export function fileTypeOf(stats: BigIntStats): number {
  if (stats.isFile()) return FileType.REGULAR_FILE;
  if (stats.isDirectory()) return FileType.DIRECTORY;
  if (stats.isSymbolicLink()) return FileType.SYMBOLIC_LINK;
  if (stats.isCharacterDevice()) return FileType.CHARACTER_DEVICE;
  return FileType.UNKNOWN;
}

/** filestat: dev u64, ino u64, filetype u8, nlink u64, size u64, atim, mtim, ctim (64 bytes). */
export function writeFilestat(
  m: GuestMemory,
  ptr: number,
  stats: BigIntStats | undefined,
  type?: number,
): void {
  m.slice(ptr, 64).fill(0);
  if (!stats) {
    m.setU8(ptr + 16, type ?? FileType.CHARACTER_DEVICE);
    return;
  }
  m.setU64(ptr, stats.dev);
  m.setU64(ptr + 8, stats.ino);
  m.setU8(ptr + 16, type ?? fileTypeOf(stats));
  m.setU64(ptr + 24, stats.nlink);
  m.setU64(ptr + 32, stats.size);
  m.setU64(ptr + 40, stats.atimeNs);
  m.setU64(ptr + 48, stats.mtimeNs);
  m.setU64(ptr + 56, stats.ctimeNs);
}

/** fdstat: filetype u8, flags u16 @2, rights_base u64 @8, rights_inheriting u64 @16. */
export function writeFdstat(
  m: GuestMemory,
  ptr: number,
  type: number,
  flags: number,
  base: bigint,
  inheriting: bigint,
): void {
  m.slice(ptr, 24).fill(0);
  m.setU8(ptr, type);
  m.setU16(ptr + 2, flags);
  m.setU64(ptr + 8, base);
  m.setU64(ptr + 16, inheriting);
}

/** Converts WASI timestamps (ns) and fst_flags into the seconds utimes expects. */
export function timesFor(
  current: BigIntStats,
  atim: bigint,
  mtim: bigint,
  flags: number,
): { atime: number; mtime: number } {
  const now = Date.now() / 1000;
  const toSec = (ns: bigint) => Number(ns) / 1e9;
  let atime = toSec(current.atimeNs);
  let mtime = toSec(current.mtimeNs);
  if (flags & 2) atime = now;
  else if (flags & 1) atime = toSec(atim);
  if (flags & 8) mtime = now;
  else if (flags & 4) mtime = toSec(mtim);
  return { atime, mtime };
}
