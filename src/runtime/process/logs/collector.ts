/**
 * Watches one stream's live log file: stamps new bytes with times (time-index.ts),
 * hands complete lines to followers, and rotates the file when it is too big.
 *
 * The program holds the live file open with O_APPEND and the driver cannot make it
 * reopen anything, so rotation is copy-and-truncate: copy the live file to
 * `<stream>.log.1` (after shifting older copies), catch up with bytes written during
 * the copy, then truncate the live file to zero; the program's next write lands at
 * offset 0. Bytes written between the last catch-up and the truncate (microseconds)
 * are lost — the known cost of copytruncate. A line that straddles a rotation is
 * split in two.
 */
import { EventEmitter } from 'node:events';
import {
  appendFileSync,
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  renameSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { readBacklog, type StampedLine } from './backlog.js';
import { indexFile, logFile, type StreamName } from './files.js';
import { readRange } from './read-range.js';
import { lineText, splitLines } from './split.js';
import { appendIndex, type IndexEntry, loadIndex, timeAt } from './time-index.js';

export interface CollectorLimits {
  maxFileBytes: number;
  maxFiles: number;
  maxLineBytes: number;
}

const EMPTY = Buffer.alloc(0);

export class StreamCollector {
  readonly stream: StreamName;
  private readonly logDir: string;
  private readonly limits: CollectorLimits;
  private readonly file: string;
  private readonly idx: string;
  private readonly events = new EventEmitter();
  private entries: IndexEntry[];
  /** Next byte of the live file to read. */
  private readPos: number;
  /** Bytes read but not yet ended by a newline, and where they start in the live file. */
  private partial: Buffer = EMPTY;
  private partialOffset = 0;
  private endedFlag = false;

  constructor(logDir: string, stream: StreamName, limits: CollectorLimits) {
    this.logDir = logDir;
    this.stream = stream;
    this.limits = limits;
    this.file = logFile(logDir, stream);
    this.idx = indexFile(logDir, stream);
    this.events.setMaxListeners(0);
    mkdirSync(logDir, { recursive: true });
    closeSync(openSync(this.file, 'a'));
    const size = statSync(this.file).size;
    this.entries = loadIndex(this.idx);
    const last = this.entries.at(-1);
    if (last && last.endOffset > size) this.resetIndex();
    this.readPos = this.lastLineEnd(size);
  }

  /** True once the workload ended (and the file was drained) or the driver let go. */
  get ended(): boolean {
    return this.endedFlag;
  }

  /** Calls `onLine` for each line completed from now on and `onEnd` once; returns the unsubscribe. */
  subscribe(onLine: (line: StampedLine) => void, onEnd: () => void): () => void {
    this.events.on('line', onLine);
    this.events.on('end', onEnd);
    return () => {
      this.events.off('line', onLine);
      this.events.off('end', onEnd);
    };
  }

  /** Lines already on disk, oldest first; the last `tail` only when given. */
  backlog(tail?: number): StampedLine[] {
    const completeUpTo = this.partial.length > 0 ? this.partialOffset : this.readPos;
    return readBacklog(this.logDir, this.stream, this.limits, completeUpTo, tail);
  }

  /** Reads what the program wrote since the last tick; rotates when the file is full. */
  tick(): void {
    if (this.endedFlag) return;
    const st = statSync(this.file);
    if (st.size < this.readPos) {
      // Truncated by someone else (an operator's `> stdout.log`): start over.
      this.flushPartial();
      this.readPos = 0;
      this.resetIndex();
    }
    this.stampUpTo(st.size, st.mtimeMs);
    if (st.size > this.readPos) {
      this.feed(readRange(this.file, this.readPos, st.size), this.readPos);
      this.readPos = st.size;
    }
    if (st.size >= this.limits.maxFileBytes) this.rotate();
  }

  /** The workload ended: read the rest, end the last unterminated line, release followers. */
  finish(): void {
    if (this.endedFlag) return;
    try {
      this.tick();
      this.flushPartial();
    } finally {
      this.endedFlag = true;
      this.events.emit('end');
    }
  }

  /** The driver lets go (agent restart) while the program keeps writing: just stop. */
  detach(): void {
    if (this.endedFlag) return;
    this.endedFlag = true;
    this.events.emit('end');
  }

  private stampUpTo(size: number, mtimeMs: number): void {
    const indexed = this.entries.at(-1)?.endOffset ?? 0;
    if (size <= indexed) return;
    // mtime is the time of the last write, so every new byte was written by then.
    const entry = { endOffset: size, time: Math.min(Date.now(), Math.floor(mtimeMs)) };
    appendIndex(this.idx, entry);
    this.entries.push(entry);
  }

  private feed(bytes: Buffer, base: number): void {
    const joined = this.partial.length > 0 ? Buffer.concat([this.partial, bytes]) : bytes;
    const joinedBase = this.partial.length > 0 ? this.partialOffset : base;
    const { lines, rest } = splitLines(joined, joinedBase, this.limits.maxLineBytes);
    for (const l of lines) this.emitLine(l.offset, l.bytes);
    // Copy: a subarray would pin the whole (possibly megabytes) read buffer.
    this.partial = rest.length > 0 ? Buffer.from(rest) : EMPTY;
    this.partialOffset = joinedBase + joined.length - rest.length;
  }

  private flushPartial(): void {
    if (this.partial.length === 0) return;
    this.emitLine(this.partialOffset, this.partial);
    this.partial = EMPTY;
  }

  private emitLine(offset: number, bytes: Buffer): void {
    const line: StampedLine = {
      time: timeAt(this.entries, offset) ?? Date.now(),
      stream: this.stream,
      text: lineText(bytes),
    };
    this.events.emit('line', line);
  }

  private rotate(): void {
    const { maxFiles } = this.limits;
    if (maxFiles >= 2) {
      for (let g = maxFiles - 1; g >= 2; g--) {
        renameIfExists(logFile(this.logDir, this.stream, g - 1), logFile(this.logDir, this.stream, g));
        renameIfExists(indexFile(this.logDir, this.stream, g - 1), indexFile(this.logDir, this.stream, g));
      }
      const rotated = logFile(this.logDir, this.stream, 1);
      copyFileSync(this.file, rotated);
      // The program keeps writing during the copy; a few rounds of catch-up shrink the
      // window in which bytes can be lost to the time between a stat and a truncate.
      for (let round = 0; round < 3; round++) {
        const copied = statSync(rotated).size;
        const live = statSync(this.file).size;
        if (live <= copied) break;
        appendFileSync(rotated, readRange(this.file, copied, live));
      }
      truncateSync(this.file, 0);
      const finalSize = statSync(rotated).size;
      this.stampUpTo(finalSize, Date.now());
      if (finalSize > this.readPos) this.feed(readRange(rotated, this.readPos, finalSize), this.readPos);
      if (this.partial.length > 0) appendFileSync(rotated, '\n');
      this.flushPartial();
      renameSync(this.idx, indexFile(this.logDir, this.stream, 1));
    } else {
      truncateSync(this.file, 0);
      this.flushPartial();
    }
    this.readPos = 0;
    this.resetIndex();
  }

  private resetIndex(): void {
    writeFileSync(this.idx, '');
    this.entries = [];
  }

  /**
   * Where a fresh collector starts reading: after the last newline. Lines before it
   * are backlog; the unterminated rest is picked up by the first tick.
   */
  private lastLineEnd(size: number): number {
    const from = Math.max(0, size - this.limits.maxLineBytes);
    const tail = readRange(this.file, from, size);
    const nl = tail.lastIndexOf(0x0a);
    if (nl !== -1) return from + nl + 1;
    // No newline within a maximum line: all of it counts as backlog, already cut.
    return from === 0 ? 0 : size;
  }
}

function renameIfExists(from: string, to: string): void {
  if (existsSync(from)) renameSync(from, to);
}
