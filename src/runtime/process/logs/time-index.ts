/**
 * When were these bytes written? The program writes its log file directly (no pipe
 * through the agent, so it survives the agent), which means nobody stamps lines as
 * they are written. Instead the driver watches the file and appends one entry per
 * observed growth to a sidecar index: "bytes before <endOffset> were written by
 * <time>", where time is the file's mtime at that moment. A line's time is that of
 * the first entry covering its first byte: exact to the poll interval while the agent
 * runs, and for lines written while it was down, the time of the last write before it
 * came back.
 *
 * Format: one `<endOffset> <epochMillis>\n` per entry.
 */
import { appendFileSync, readFileSync } from 'node:fs';

export interface IndexEntry {
  endOffset: number;
  time: number;
}

export function loadIndex(file: string): IndexEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const entries: IndexEntry[] = [];
  for (const row of text.split('\n')) {
    const [end, time] = row.split(' ').map(Number);
    // A row cut short by a crash mid-append (or the empty tail after the last
    // newline) carries no usable time; the bytes it covered fall back to the next
    // entry or the file's mtime.
    if (end === undefined || time === undefined || !Number.isInteger(end) || !Number.isFinite(time)) continue;
    entries.push({ endOffset: end, time });
  }
  return entries;
}

export function appendIndex(file: string, entry: IndexEntry): void {
  appendFileSync(file, `${entry.endOffset} ${entry.time}\n`);
}

/** Time of the byte at `offset`, or undefined when no entry covers it. */
export function timeAt(entries: readonly IndexEntry[], offset: number): number | undefined {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((entries[mid] as IndexEntry).endOffset > offset) hi = mid;
    else lo = mid + 1;
  }
  return entries[lo]?.time;
}
