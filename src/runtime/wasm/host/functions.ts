/**
 * The `edgewise` import functions. Like the WASI host, one set serves the instances
 * of a thread in turn: reset() before each request clears the held response and the
 * call counts, so nothing a request asked reaches the next one. The functions check
 * everything a guest passes (pointers, sizes, UTF-8, JSON) before a backend sees it.
 */
import { Errno } from '../wasi/constants.js';
import { GuestFault, type GuestMemory, utf8Encoder } from '../wasi/memory.js';
import { HostErrno, type HostLimits, MAX_STREAM_NAME_BYTES } from './abi.js';

/** Where the answers come from: the worker thread's backend (worker-backend.ts). */
export interface HostBackend {
  /** Returns the response JSON; throws when the evaluator cannot answer (→ EIO). */
  decide(path: readonly string[], input: unknown): string;
  /** Appends a record durably; returns the errno and, on success, its sequence number. */
  write(name: string, record: string): { errno: number; seq: number };
}

type HostFn = (...args: number[]) => number;

/** `education/allow` (as the data API) or `data.education.allow` (as a Rego ref) → segments; undefined when malformed. */
export function decisionPath(text: string): string[] | undefined {
  const trimmed = text.replace(/^\/+|\/+$/g, '');
  const parts = trimmed.startsWith('data.') ? trimmed.slice(5).split('.') : trimmed.split('/');
  if (parts.length === 0 || parts.some((p) => p === '')) return undefined;
  return parts;
}

export class EdgewiseFunctions {
  readonly imports: Record<string, HostFn>;
  private held: Uint8Array | undefined;
  private decisions = 0;
  private writes = 0;

  /**
   * @param memory the running instance's memory (throws GuestFault when there is none)
   * @param note adds a line to the request's stderr, so `edgewise logs` explains an EIO
   */
  constructor(
    private readonly backend: HostBackend,
    private readonly limits: HostLimits,
    private readonly memory: () => GuestMemory,
    private readonly note: (line: string) => void,
  ) {
    this.imports = {
      // Arguments arrive as i32; as u32 a "negative" pointer or length is simply out of bounds.
      policy_decide: (pathPtr, pathLen, inputPtr, inputLen, lenPtr) =>
        this.call('policy_decide', () =>
          this.decide(pathPtr >>> 0, pathLen >>> 0, inputPtr >>> 0, inputLen >>> 0, lenPtr >>> 0),
        ),
      policy_result: (bufPtr, bufLen) =>
        this.call('policy_result', () => this.result(bufPtr >>> 0, bufLen >>> 0)),
      stream_write: (namePtr, nameLen, recPtr, recLen, seqPtr) =>
        this.call('stream_write', () =>
          this.write(namePtr >>> 0, nameLen >>> 0, recPtr >>> 0, recLen >>> 0, seqPtr >>> 0),
        ),
    };
  }

  /** Forgets the last request: its held response and its call counts. */
  reset(): void {
    this.held = undefined;
    this.decisions = 0;
    this.writes = 0;
  }

  private call(name: string, fn: () => number): number {
    try {
      return fn();
    } catch (err) {
      if (err instanceof GuestFault) return err.errno;
      if (err instanceof RangeError) return HostErrno.FAULT;
      this.note(`[edgewise] ${name}: ${err instanceof Error ? err.message : String(err)}`);
      return HostErrno.IO;
    }
  }

  private decide(
    pathPtr: number,
    pathLen: number,
    inputPtr: number,
    inputLen: number,
    lenPtr: number,
  ): number {
    this.held = undefined;
    if (++this.decisions > this.limits.maxDecisionsPerRequest) return HostErrno.DQUOT;
    const mem = this.memory();
    if (pathLen > this.limits.maxPathBytes || inputLen > this.limits.maxInputBytes) return HostErrno.TOOBIG;
    // Checked before deciding: a decision is logged, so it must be one the guest can hear about.
    mem.slice(lenPtr, 4);
    const path = decisionPath(mem.string(pathPtr, pathLen));
    if (!path) return HostErrno.INVAL;
    let input: unknown;
    if (inputLen > 0) {
      try {
        input = JSON.parse(mem.string(inputPtr, inputLen));
      } catch (err) {
        if (err instanceof GuestFault) throw err;
        return HostErrno.INVAL;
      }
    }
    const response = utf8Encoder.encode(this.backend.decide(path, input));
    if (response.length > this.limits.maxResponseBytes) return HostErrno.TOOBIG;
    this.held = response;
    mem.setU32(lenPtr, response.length);
    return HostErrno.SUCCESS;
  }

  private result(bufPtr: number, bufLen: number): number {
    const held = this.held;
    if (!held) return HostErrno.NOENT;
    if (bufLen < held.length) return HostErrno.NOBUFS;
    this.memory().slice(bufPtr, held.length).set(held);
    return HostErrno.SUCCESS;
  }

  private write(namePtr: number, nameLen: number, recPtr: number, recLen: number, seqPtr: number): number {
    if (++this.writes > this.limits.maxWritesPerRequest) return HostErrno.DQUOT;
    const mem = this.memory();
    if (nameLen === 0 || nameLen > MAX_STREAM_NAME_BYTES) return HostErrno.INVAL;
    if (recLen > this.limits.maxRecordBytes) return HostErrno.TOOBIG;
    mem.slice(seqPtr, 8);
    const name = mem.string(namePtr, nameLen);
    const record = mem.string(recPtr, recLen);
    const { errno, seq } = this.backend.write(name, record);
    if (errno !== HostErrno.SUCCESS) return errno;
    mem.setU64(seqPtr, seq);
    return Errno.SUCCESS;
  }
}
