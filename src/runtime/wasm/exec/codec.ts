/**
 * Binary records for the rings: a job (pool → worker) and a result (worker → pool).
 * Header words are u32 in the machine's byte order (both sides are threads of one
 * process), read and written through a Uint32Array: records start 4-byte aligned.
 */

import type { CgiHead } from '../wagi/response.js';
import type { Preopen } from '../wasi/host.js';
import type { GuestJob, GuestOutcome, GuestResult } from './job.js';
import { JOB } from './protocol.js';
import type { EncodedJob, ResultParts } from './run.js';

const OUTCOMES: readonly GuestOutcome[] = [
  'ok',
  'exit',
  'trap',
  'stdout-limit',
  'timeout',
  'crashed',
  'overloaded',
];
const NO_MEMORY = 0xffffffff;

// Job header, u32 words: kind, id, cell, module, flags, stdoutLimit, stderrLimit,
// memory initial and maximum (pages), then the byte lengths of the entrypoint, argv,
// environ, preopens (JSON) and stdin; those bytes follow in that order.
const J = {
  kind: 0,
  id: 4,
  cell: 8,
  module: 12,
  flags: 16,
  stdoutLimit: 20,
  stderrLimit: 24,
  memInitial: 28,
  memMaximum: 32,
  entry: 36,
  argv: 40,
  environ: 44,
  preopens: 48,
  stdin: 52,
} as const;
const JOB_HEADER = 56;
const FLAG_CGI = 1;
/** Flags bits 8–15: the job's HostGroup bits. */
const HOST_SHIFT = 8;

/** Upper bound of a job's encoded size, cheap to compute (UTF-16 unit → ≤ 3 UTF-8 bytes). */
export function jobSizeBound(job: GuestJob, preopens: string): number {
  return (
    JOB_HEADER +
    (job.entrypoint.length + job.argv.length + job.environ.length + preopens.length) * 3 +
    job.stdin.length
  );
}

/** Exact encoded size. */
export function jobSize(job: GuestJob, preopens: string): number {
  return (
    JOB_HEADER +
    Buffer.byteLength(job.entrypoint) +
    Buffer.byteLength(job.argv) +
    Buffer.byteLength(job.environ) +
    Buffer.byteLength(preopens) +
    job.stdin.length
  );
}

/** The bytes records live in, and the same memory as u32 words (word i = bytes i*4…i*4+3). */
export interface RecordView {
  bytes: Buffer;
  words: Uint32Array;
}

/** A view over a buffer whose byteOffset is a multiple of 4. */
export function recordView(bytes: Buffer): RecordView {
  return { bytes, words: new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2) };
}

export interface JobIds {
  id: number;
  cell: number;
  module: number;
}

/** Writes a job at `at` (4-aligned, room for jobSize() bytes); returns the bytes written. */
export function writeJob(view: RecordView, at: number, ids: JobIds, job: GuestJob, preopens: string): number {
  const { bytes, words } = view;
  const w = at >>> 2;
  let p = at + JOB_HEADER;
  const text = (s: string, field: number) => {
    const n = s.length === 0 ? 0 : bytes.write(s, p, 'utf8');
    words[w + field / 4] = n;
    p += n;
  };
  words[w + J.kind / 4] = JOB;
  words[w + J.id / 4] = ids.id;
  words[w + J.cell / 4] = ids.cell;
  words[w + J.module / 4] = ids.module;
  words[w + J.flags / 4] = (job.cgi ? FLAG_CGI : 0) | ((job.hostImports ?? 0) << HOST_SHIFT);
  words[w + J.stdoutLimit / 4] = job.stdoutLimit;
  words[w + J.stderrLimit / 4] = job.stderrLimit;
  words[w + J.memInitial / 4] = job.memory ? job.memory.initial : NO_MEMORY;
  words[w + J.memMaximum / 4] = job.memory ? job.memory.maximum : NO_MEMORY;
  text(job.entrypoint, J.entry);
  text(job.argv, J.argv);
  text(job.environ, J.environ);
  text(preopens, J.preopens);
  words[w + J.stdin / 4] = job.stdin.length;
  bytes.set(job.stdin, p);
  return p + job.stdin.length - at;
}

/** A decoded job: its byte fields are views into `buf`, valid until the record is released. */
export interface DecodedJob extends JobIds, EncodedJob {}

const preopenCache = new Map<string, readonly Preopen[]>();
const NO_PREOPENS: readonly Preopen[] = [];

function parsePreopens(json: string): readonly Preopen[] {
  if (json === '') return NO_PREOPENS;
  let hit = preopenCache.get(json);
  if (!hit) {
    hit = JSON.parse(json) as Preopen[];
    // A workload's mounts are the same for all its requests: a few entries cover them.
    if (preopenCache.size >= 64) preopenCache.clear();
    preopenCache.set(json, hit);
  }
  return hit;
}

let lastEntry = '_start';
let lastEntryBytes: Uint8Array = Buffer.from(lastEntry);

/** The entrypoint name, reusing the last string when the bytes match (almost always `_start`). */
function entrypoint(buf: Buffer, start: number, end: number): string {
  const last = lastEntryBytes;
  let same = end - start === last.length;
  for (let i = 0; same && i < last.length; i++) same = buf[start + i] === last[i];
  if (!same) {
    lastEntry = buf.toString('utf8', start, end);
    lastEntryBytes = Buffer.from(buf.subarray(start, end));
  }
  return lastEntry;
}

export function readJob(view: RecordView, at: number): DecodedJob {
  const { bytes: buf, words } = view;
  const w = at >>> 2;
  const u32 = (field: number) => words[w + field / 4] as number;
  let p = at + JOB_HEADER;
  const bytes = (len: number) => {
    const view = buf.subarray(p, p + len);
    p += len;
    return view;
  };
  const memInitial = u32(J.memInitial);
  const flags = u32(J.flags);
  const entryLen = u32(J.entry);
  const entry = entrypoint(buf, p, p + entryLen);
  p += entryLen;
  const argv = bytes(u32(J.argv));
  const environ = bytes(u32(J.environ));
  const preopensLen = u32(J.preopens);
  const preopens = parsePreopens(preopensLen ? buf.toString('utf8', p, p + preopensLen) : '');
  p += preopensLen;
  return {
    id: u32(J.id),
    cell: u32(J.cell),
    module: u32(J.module),
    cgi: (flags & FLAG_CGI) !== 0,
    hostImports: (flags >>> HOST_SHIFT) & 0xff,
    stdoutLimit: u32(J.stdoutLimit),
    stderrLimit: u32(J.stderrLimit),
    memory: memInitial === NO_MEMORY ? undefined : { initial: memInitial, maximum: u32(J.memMaximum) },
    entrypoint: entry,
    argv,
    environ,
    preopens,
    stdin: bytes(u32(J.stdin)),
  };
}

// Result header, u32 words: id; flags (outcome | stderr truncated << 8 | head kind << 16);
// exit code; memory pages; the head's status; then the byte lengths of stdout (the
// body when there is a head), stderr, message and head text; those bytes follow.
const R = {
  id: 0,
  flags: 4,
  exitCode: 8,
  pages: 12,
  status: 16,
  stdout: 20,
  stderr: 24,
  message: 28,
  head: 32,
} as const;
const RESULT_HEADER = 36;
const PAGE = 65536;
const HEAD_NONE = 0;
const HEAD_OK = 1;
const HEAD_ERROR = 2;

const headTexts = new WeakMap<CgiHead, string>();

/** The head's text: headers joined by NUL (names and values cannot hold one), or the error. */
function headText(head: CgiHead | undefined): string {
  if (!head) return '';
  if (head.error !== undefined) return head.error;
  // Heads come from readCgiHead's cache, so the same object recurs: join it once.
  let text = headTexts.get(head);
  if (text === undefined) {
    text = head.headers.join('\0');
    headTexts.set(head, text);
  }
  return text;
}

export function resultSizeBound(r: ResultParts): number {
  return (
    RESULT_HEADER +
    r.body.length +
    r.out.stderr.size +
    ((r.out.message?.length ?? 0) + headText(r.head).length) * 3
  );
}

export function writeResult(view: RecordView, at: number, id: number, r: ResultParts): number {
  const { bytes: buf, words } = view;
  const w = at >>> 2;
  const { out, head } = r;
  const stderr = out.stderr.bytes();
  const headKind = head ? (head.error === undefined ? HEAD_OK : HEAD_ERROR) : HEAD_NONE;
  words[w + R.id / 4] = id;
  words[w + R.flags / 4] =
    OUTCOMES.indexOf(out.outcome) | (out.stderr.truncated ? 0x100 : 0) | (headKind << 16);
  words[w + R.exitCode / 4] = out.exitCode >>> 0;
  words[w + R.pages / 4] = out.memoryBytes / PAGE;
  words[w + R.status / 4] = head?.status ?? 0;
  let p = at + RESULT_HEADER;
  buf.set(r.body, p);
  p += r.body.length;
  buf.set(stderr, p);
  p += stderr.length;
  const messageLen = out.message ? buf.write(out.message, p, 'utf8') : 0;
  p += messageLen;
  const text = headText(head);
  const headLen = text ? buf.write(text, p, 'utf8') : 0;
  p += headLen;
  words[w + R.stdout / 4] = r.body.length;
  words[w + R.stderr / 4] = stderr.length;
  words[w + R.message / 4] = messageLen;
  words[w + R.head / 4] = headLen;
  return p - at;
}

const NO_BYTES = new Uint8Array(0);

let lastHead: CgiHead = { status: 0, headers: [] };
let lastHeadBytes: Buffer = Buffer.alloc(0);

/** A head that is byte for byte the last one read is the same head: most responses repeat it. */
function okHead(buf: Buffer, at: number, len: number, status: number): CgiHead {
  if (status !== lastHead.status || buf.compare(lastHeadBytes, 0, lastHeadBytes.length, at, at + len) !== 0) {
    const text = buf.toString('utf8', at, at + len);
    lastHead = { status, headers: Object.freeze(text ? text.split('\0') : []) };
    lastHeadBytes = Buffer.from(buf.subarray(at, at + len));
  }
  return lastHead;
}

/** Reads a result, copying its bytes out of the view (the ring reuses them). */
export function readResult(view: RecordView, at: number): { id: number; result: GuestResult } {
  const { bytes: buf, words } = view;
  const w = at >>> 2;
  const flags = words[w + R.flags / 4] as number;
  let p = at + RESULT_HEADER;
  const copy = (len: number): Uint8Array => {
    if (len === 0) return NO_BYTES;
    const out = Buffer.allocUnsafe(len);
    buf.copy(out, 0, p, p + len);
    p += len;
    return out;
  };
  const text = (len: number): string => {
    const s = buf.toString('utf8', p, p + len);
    p += len;
    return s;
  };
  const stdout = copy(words[w + R.stdout / 4] as number);
  const stderr = copy(words[w + R.stderr / 4] as number);
  const messageLen = words[w + R.message / 4] as number;
  const message = messageLen ? text(messageLen) : undefined;
  const result: GuestResult = {
    outcome: OUTCOMES[flags & 0xff] ?? 'crashed',
    exitCode: (words[w + R.exitCode / 4] as number) | 0,
    stdout,
    stderr,
    stderrTruncated: (flags & 0x100) !== 0,
    memoryBytes: (words[w + R.pages / 4] as number) * PAGE,
  };
  if (message !== undefined) result.message = message;
  const headKind = flags >>> 16;
  if (headKind !== HEAD_NONE) {
    const status = words[w + R.status / 4] as number;
    const headLen = words[w + R.head / 4] as number;
    if (headKind === HEAD_OK) {
      result.head = okHead(buf, p, headLen, status);
    } else {
      result.head = { status, headers: [], error: text(headLen) };
    }
  }
  return { id: words[w + R.id / 4] as number, result };
}
