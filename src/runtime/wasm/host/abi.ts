/**
 * The `edgewise` host functions as a guest sees them: names, signatures, errnos and
 * limits. docs/wasm.md#host-functions is the contract; this file is its source.
 *
 *   policy_decide(path_ptr, path_len, input_ptr, input_len, result_len_ptr) -> errno
 *   policy_result(buf_ptr, buf_len) -> errno
 *   stream_write(name_ptr, name_len, record_ptr, record_len, seq_ptr) -> errno
 *
 * Pointers and lengths are i32 (wasm32); `result_len_ptr` receives a u32, `seq_ptr`
 * a u64, both little-endian. Errnos are WASI preview 1 numbers, so a guest's libc
 * names them.
 */
import { Errno } from '../wasi/constants.js';

export const HOST_MODULE = 'edgewise';

/** Groups of host functions, as bits: which services a module needs. */
export const HostGroup = { POLICY: 1, STREAMS: 2 } as const;

export interface HostFunctionSpec {
  group: number;
  params: readonly string[];
  results: readonly string[];
}

const I32x5 = ['i32', 'i32', 'i32', 'i32', 'i32'] as const;

export const HOST_FUNCTIONS: Readonly<Record<string, HostFunctionSpec>> = {
  policy_decide: { group: HostGroup.POLICY, params: I32x5, results: ['i32'] },
  policy_result: { group: HostGroup.POLICY, params: ['i32', 'i32'], results: ['i32'] },
  stream_write: { group: HostGroup.STREAMS, params: I32x5, results: ['i32'] },
};

/** What each group is called in messages, and which feature answers it. */
export const GROUP_NAMES: Readonly<Record<number, { imports: string; feature: string }>> = {
  [HostGroup.POLICY]: { imports: 'edgewise.policy_decide/policy_result', feature: 'edge policy' },
  [HostGroup.STREAMS]: { imports: 'edgewise.stream_write', feature: 'streams' },
};

/** The errnos host functions return (WASI preview 1 values). */
export const HostErrno = {
  SUCCESS: Errno.SUCCESS,
  /** An argument over its limit (path, input, name, record), or a response over its cap. */
  TOOBIG: Errno.TOOBIG,
  /** The per-request call limit was reached. */
  DQUOT: 19,
  /** A pointer or length outside the guest's memory. */
  FAULT: Errno.FAULT,
  /** A path, name or record that is not valid UTF-8. */
  ILSEQ: Errno.ILSEQ,
  /** A malformed path, input or record that is not JSON, an invalid stream name. */
  INVAL: Errno.INVAL,
  /** The host could not do it: the record could not be stored, the evaluator failed. */
  IO: Errno.IO,
  /** policy_result's buffer is shorter than the response. */
  NOBUFS: 42,
  /** policy_result without a decision held (none yet in this request, or the last one failed). */
  NOENT: Errno.NOENT,
  /** The stream is full and refuses new records (onFull: Reject, or the node's cap). */
  NOSPC: Errno.NOSPC,
} as const;

/** Bounds on what one request may ask of the host. */
export interface HostLimits {
  /** policy_decide calls per request. @default 64 */
  maxDecisionsPerRequest: number;
  /** stream_write calls per request. @default 64 */
  maxWritesPerRequest: number;
  /** Bytes of a decision path. @default 512 */
  maxPathBytes: number;
  /** Bytes of a decision input (JSON). @default 64 KiB */
  maxInputBytes: number;
  /** Bytes of a decision response a guest may hold. @default 1 MiB */
  maxResponseBytes: number;
  /** Bytes of a record (JSON), as the streams API allows. @default 256 KiB */
  maxRecordBytes: number;
}

export const DEFAULT_HOST_LIMITS: Readonly<HostLimits> = Object.freeze({
  maxDecisionsPerRequest: 64,
  maxWritesPerRequest: 64,
  maxPathBytes: 512,
  maxInputBytes: 64 * 1024,
  maxResponseBytes: 1024 * 1024,
  maxRecordBytes: 256 * 1024,
});

/** A stream name is a DNS label: at most this many bytes. */
export const MAX_STREAM_NAME_BYTES = 63;
