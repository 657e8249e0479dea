/**
 * Damaging an agent's database the way a power cut or a bad disk would, for the
 * detection tests: drop the last committed transactions from the WAL (truncating in
 * the middle of a commit frame, as an interrupted write leaves it), or flip bytes of
 * a record inside the main file.
 */
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';

/**
 * Truncates `wal` so the last `n` transactions of its current cycle are gone: the cut
 * lands inside the commit frame of the n-th last one. Returns the new size.
 */
export function dropLastCommits(wal: string, n: number): number {
  const buf = readFileSync(wal);
  const pageSize = buf.readUInt32BE(8);
  const salt1 = buf.readUInt32BE(16);
  const salt2 = buf.readUInt32BE(20);
  const frame = 24 + pageSize;
  const commits: number[] = [];
  for (let off = 32; off + frame <= buf.length; off += frame) {
    if (buf.readUInt32BE(off + 8) !== salt1 || buf.readUInt32BE(off + 12) !== salt2) break;
    if (buf.readUInt32BE(off + 4) !== 0) commits.push(off);
  }
  const target = commits[commits.length - n];
  if (target === undefined) throw new Error(`the WAL holds only ${commits.length} commits`);
  const size = target + 24 + Math.floor(pageSize / 2);
  truncateSync(wal, size);
  return size;
}

/** Flips one byte inside the first occurrence of `marker` in `file`; true if found. */
export function corruptMarker(file: string, marker: string): boolean {
  const buf = readFileSync(file);
  const at = buf.indexOf(Buffer.from(marker));
  if (at < 0) return false;
  buf[at + 1] = (buf[at + 1] as number) ^ 0x20;
  writeFileSync(file, buf);
  return true;
}
