/** What a guest run takes and gives back; plain data so it crosses worker threads. */
import type { Preopen } from '../wasi/host.js';

export interface GuestJob {
  /** Export to call: `_start`, or a `_routes`-declared handler. */
  entrypoint: string;
  args: string[];
  /** `KEY=value` strings. */
  env: string[];
  stdin: Uint8Array;
  preopens: Preopen[];
  /** stdout past this many bytes ends the run (outcome `stdout-limit`). */
  stdoutLimit: number;
  /** stderr past this many bytes is dropped. */
  stderrLimit: number;
  /** Limits of the `edgewise.memory` import, for modules whose memory the host provides. */
  memory?: { initial: number; maximum: number } | undefined;
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
  stdout: Uint8Array;
  stderr: Uint8Array;
  stderrTruncated: boolean;
  /** Linear memory size when the run ended (0 when unknown). */
  memoryBytes: number;
  message?: string;
}

export interface RunOptions {
  /** Wall-clock budget once the guest is running. */
  timeoutMs: number;
}

/** Runs guests. Implementations: a worker_threads pool (default) and inline. */
export interface GuestRunner {
  run(
    key: string,
    module: import('../wa.js').WasmModule,
    job: GuestJob,
    options: RunOptions,
  ): Promise<GuestResult>;
  /** Tells the runner a compiled module is no longer used. */
  forget(key: string): void;
  close(): Promise<void>;
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
