/** Reads the lines already on disk for one stream, newest files first, with their times. */
import { existsSync, statSync } from 'node:fs';
import type { LogLine } from '../../driver.js';
import { indexFile, logFile, type StreamName } from './files.js';
import { readRange } from './read-range.js';
import { lineText, splitLines } from './split.js';
import { loadIndex, timeAt } from './time-index.js';

/** A log line with its time in epoch milliseconds (LogLine carries an ISO string). */
export interface StampedLine {
  time: number;
  stream: StreamName;
  text: string;
}

export interface BacklogLimits {
  maxFiles: number;
  maxLineBytes: number;
}

/**
 * Lines of the rotated files and of the live file up to `liveEnd` (where complete
 * lines end), oldest first. With `tail`, stops reading older files once it has enough.
 */
export function readBacklog(
  logDir: string,
  stream: StreamName,
  limits: BacklogLimits,
  liveEnd: number,
  tail?: number,
): StampedLine[] {
  if (tail !== undefined && tail <= 0) return [];
  const perFile: StampedLine[][] = [];
  let count = 0;
  for (let g = 0; g < limits.maxFiles; g++) {
    const file = logFile(logDir, stream, g);
    if (!existsSync(file)) break;
    const st = statSync(file);
    const bytes = readRange(file, 0, g === 0 ? Math.min(liveEnd, st.size) : st.size);
    const entries = loadIndex(indexFile(logDir, stream, g));
    const { lines, rest } = splitLines(bytes, 0, limits.maxLineBytes);
    if (rest.length > 0) lines.push({ offset: bytes.length - rest.length, bytes: rest });
    // Bytes no index entry covers (the agent never saw them grow) were written by mtime.
    const fallback = Math.floor(st.mtimeMs);
    perFile.unshift(
      lines.map((l) => ({ time: timeAt(entries, l.offset) ?? fallback, stream, text: lineText(l.bytes) })),
    );
    count += lines.length;
    if (tail !== undefined && count >= tail) break;
  }
  const all = perFile.flat();
  return tail !== undefined ? all.slice(-tail) : all;
}

/** Merges two time-ordered streams without reordering lines within either. */
export function mergeByTime(a: StampedLine[], b: StampedLine[]): StampedLine[] {
  const out: StampedLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as StampedLine;
    const y = b[j] as StampedLine;
    if (x.time <= y.time) {
      out.push(x);
      i++;
    } else {
      out.push(y);
      j++;
    }
  }
  for (; i < a.length; i++) out.push(a[i] as StampedLine);
  for (; j < b.length; j++) out.push(b[j] as StampedLine);
  return out;
}

export function toLogLine(l: StampedLine): LogLine {
  return { time: new Date(l.time).toISOString(), stream: l.stream, line: l.text };
}
