/**
 * A workload's log: the guest's stderr lines, kept in a bounded ring for fast
 * `logs` calls and appended to `<logDir>/wasm.log` so they survive an agent
 * restart. The file rotates once (to `wasm.log.1`) past `maxFileBytes`.
 */
import { EventEmitter } from 'node:events';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  type WriteStream,
} from 'node:fs';
import path from 'node:path';
import type { LogLine, LogOptions } from '../driver.js';

export interface WorkloadLogOptions {
  /** Lines kept in memory. @default 1000 */
  ringLines?: number;
  /** Bytes before the file rotates. @default 10 MiB */
  maxFileBytes?: number;
  /** Longest line kept; longer ones are cut (a guest may print one huge line). @default 16 KiB */
  maxLineLength?: number;
}

export const LOG_FILE = 'wasm.log';

export class WorkloadLog {
  private readonly ring: LogLine[] = [];
  private readonly events = new EventEmitter();
  private readonly file: string;
  private out: WriteStream;
  private written: number;
  private closed = false;
  private readonly ringLines: number;
  private readonly maxFileBytes: number;
  private readonly maxLineLength: number;

  constructor(logDir: string, options: WorkloadLogOptions = {}) {
    this.ringLines = options.ringLines ?? 1000;
    this.maxFileBytes = options.maxFileBytes ?? 10 * 1024 * 1024;
    this.maxLineLength = options.maxLineLength ?? 16 * 1024;
    mkdirSync(logDir, { recursive: true });
    this.file = path.join(logDir, LOG_FILE);
    this.written = existsSync(this.file) ? statSync(this.file).size : 0;
    if (this.written > 0) this.loadTail();
    this.out = createWriteStream(this.file, { flags: 'a' });
    this.events.setMaxListeners(0);
  }

  /** Lines from an earlier run of this workload (agent restart) seed the ring. */
  private loadTail(): void {
    const text = readFileSync(this.file, 'utf8');
    for (const raw of text.split('\n').slice(-this.ringLines - 1)) {
      const m = /^(\S+) (stdout|stderr) (.*)$/.exec(raw);
      if (m)
        this.ring.push({ time: m[1] as string, stream: m[2] as LogLine['stream'], line: m[3] as string });
    }
    if (this.ring.length > this.ringLines) this.ring.splice(0, this.ring.length - this.ringLines);
  }

  append(stream: LogLine['stream'], text: string): void {
    if (this.closed) return;
    const line = text.length > this.maxLineLength ? `${text.slice(0, this.maxLineLength)}…` : text;
    const entry: LogLine = { time: new Date().toISOString(), stream, line };
    this.ring.push(entry);
    if (this.ring.length > this.ringLines) this.ring.shift();
    const record = `${entry.time} ${stream} ${line}\n`;
    this.written += Buffer.byteLength(record);
    this.out.write(record);
    if (this.written > this.maxFileBytes) this.rotate();
    this.events.emit('line', entry);
  }

  /** Splits a guest's stderr output into lines and appends each. */
  appendOutput(stream: LogLine['stream'], bytes: Uint8Array, truncated: boolean): void {
    if (bytes.length === 0) return;
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    for (const l of lines) this.append(stream, l.endsWith('\r') ? l.slice(0, -1) : l);
    if (truncated) this.append(stream, '[edgewise] stderr of this request was cut at its size limit');
  }

  private rotate(): void {
    this.out.end();
    renameSync(this.file, `${this.file}.1`);
    this.out = createWriteStream(this.file, { flags: 'a' });
    this.written = 0;
  }

  async *lines(options: LogOptions = {}): AsyncGenerator<LogLine> {
    const wanted = (l: LogLine) => options.stream === undefined || l.stream === options.stream;
    const pending: LogLine[] = [];
    let wake: (() => void) | undefined;
    const onLine = (l: LogLine) => {
      if (!wanted(l)) return;
      pending.push(l);
      wake?.();
    };
    const onStop = () => wake?.();
    if (options.follow) {
      this.events.on('line', onLine);
      this.events.on('close', onStop);
      options.signal?.addEventListener('abort', onStop);
    }
    try {
      let backlog = this.ring.filter(wanted);
      if (options.tail !== undefined) backlog = options.tail > 0 ? backlog.slice(-options.tail) : [];
      yield* backlog;
      while (options.follow && !this.closed && !options.signal?.aborted) {
        const next = pending.shift();
        if (next) {
          yield next;
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    } finally {
      this.events.off('line', onLine);
      this.events.off('close', onStop);
      options.signal?.removeEventListener('abort', onStop);
    }
  }

  /** Ends followers and flushes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.events.emit('close');
    await new Promise<void>((resolve) => this.out.end(resolve));
  }
}
