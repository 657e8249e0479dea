/** What a guest run takes and gives back; plain data so it crosses worker threads. */

import type { WasmModule } from '../wa.js';
import type { CgiHead } from '../wagi/response.js';
import type { Preopen } from '../wasi/host.js';

export interface GuestJob {
  /** Export to call: `_start`, or a `_routes`-declared handler. */
  entrypoint: string;
  /**
   * The arguments as NUL-terminated strings back to back (`"/\0a=1\0"`), the layout
   * args_get gives the guest: built that way once, they are copied, never re-split.
   */
  argv: string;
  /** `KEY=value` strings in the same layout. */
  environ: string;
  stdin: Uint8Array;
  preopens: readonly Preopen[];
  /** stdout past this many bytes ends the run (outcome `stdout-limit`). */
  stdoutLimit: number;
  /** stderr past this many bytes is dropped. */
  stderrLimit: number;
  /** Limits of the `edgewise.memory` import, for modules whose memory the host provides. */
  memory?: { initial: number; maximum: number } | undefined;
  /**
   * Read stdout as a CGI response where the guest ran (GuestResult.head): the worker
   * parses it, so the main thread only writes the answer.
   */
  cgi?: boolean | undefined;
  /**
   * HostGroup bits of the `edgewise` host functions the module imports: a worker
   * readies their backends (the policy evaluator) before it runs the job.
   */
  hostImports?: number | undefined;
}

/**
 * - `ok`: returned or proc_exit(0); `exit`: proc_exit(n ≠ 0); `trap`: the guest
 *   trapped (unreachable, out of bounds, failed allocation…);
 * - `stdout-limit`: wrote more than allowed; `timeout`: stopped after its time
 *   budget; `crashed`: its worker died; `overloaded`: never started, queue full.
 */
export type GuestOutcome = 'ok' | 'exit' | 'trap' | 'stdout-limit' | 'timeout' | 'crashed' | 'overloaded';

export interface GuestResult {
  outcome: GuestOutcome;
  exitCode: number;
  /** The guest's stdout; only the body when `head` is set. */
  stdout: Uint8Array;
  /** For `cgi` jobs that ended `ok`: stdout's CGI head, already parsed. */
  head?: CgiHead;
  stderr: Uint8Array;
  stderrTruncated: boolean;
  /** Linear memory size when the run ended (0 when unknown). */
  memoryBytes: number;
  message?: string;
}

export interface RunOptions {
  /** Wall-clock budget once the guest is running. */
  timeoutMs: number;
  /**
   * Jobs given the same `key` run on at most `workers` workers at once, queued several
   * deep on those: how a workload's CPU limit is kept.
   */
  group?: { key: object; workers: number } | undefined;
}

/** Runs guests. Implementations: a worker_threads pool (default) and inline. */
export interface GuestRunner {
  /** HostGroup bits of the host functions this runner answers (0 or absent: none). */
  readonly hostGroups?: number;
  run(key: string, module: WasmModule, job: GuestJob, options: RunOptions): Promise<GuestResult>;
  /** run() without a promise (the request path): `done` is called exactly once. */
  submit(
    key: string,
    module: WasmModule,
    job: GuestJob,
    options: RunOptions,
    done: (result: GuestResult) => void,
  ): void;
  /** Tells the runner a compiled module is no longer used. */
  forget(key: string): void;
  close(): Promise<void>;
}

/** `["a", "b"]` → `"a\0b\0"`: the layout of GuestJob.argv and .environ. */
export function cstrings(values: readonly string[]): string {
  let out = '';
  for (const v of values) out += `${v}\0`;
  return out;
}

export function failed(outcome: GuestOutcome, message: string): GuestResult {
  return {
    outcome,
    exitCode: -1,
    stdout: new Uint8Array(0),
    stderr: new Uint8Array(0),
    stderrTruncated: false,
    memoryBytes: 0,
    message,
  };
}
