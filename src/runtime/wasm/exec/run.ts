/** Guest runs on one thread: instantiate fresh, call the entrypoint, collect output. */

import type { HostLimits } from '../host/abi.js';
import { EdgewiseFunctions, type HostBackend } from '../host/functions.js';
import { isMemory, WA, type WasmInstance, type WasmMemory, type WasmModule } from '../wa.js';
import { type CgiHead, readCgiHead } from '../wagi/response.js';
import { type Preopen, WasiHost } from '../wasi/host.js';
import { ByteSink, OutputLimitExceeded } from '../wasi/sink.js';
import type { GuestJob, GuestOutcome, GuestResult } from './job.js';
import { MemoryPool } from './memory-pool.js';

/** A job with its argv and environ already encoded (as the worker reads them from the ring). */
export interface EncodedJob {
  entrypoint: string;
  /** NUL-terminated UTF-8 strings back to back. */
  argv: Uint8Array;
  environ: Uint8Array;
  stdin: Uint8Array;
  preopens: readonly Preopen[];
  stdoutLimit: number;
  stderrLimit: number;
  memory?: { initial: number; maximum: number } | undefined;
  cgi?: boolean | undefined;
  hostImports?: number | undefined;
}

/** How a run ended; stdout/stderr stay in the executor's sinks until its next run. */
export interface RunOutput {
  outcome: GuestOutcome;
  exitCode: number;
  memoryBytes: number;
  message: string | undefined;
  stdout: ByteSink;
  stderr: ByteSink;
}

const NO_ARGS = new Uint8Array(0);

/**
 * Runs guests one after another on the calling thread. Everything host-side is
 * reused between runs — the WASI host's import functions, the output buffers, zeroed
 * linear memories — while every run gets a new instance, so guest state (memory,
 * globals, tables) never outlives its request.
 */
export class GuestExecutor {
  private readonly stdout = new ByteSink('stdout', 1, 'abort');
  private readonly stderr = new ByteSink('stderr', 1, 'truncate', 256);
  private readonly host = new WasiHost({
    args: NO_ARGS,
    env: NO_ARGS,
    stdout: this.stdout,
    stderr: this.stderr,
  });
  /** WASI, and the `edgewise` namespace: the pooled memory, and the host functions when there is a backend. */
  private readonly imports: Record<string, Record<string, unknown>>;
  private readonly edgewise: EdgewiseFunctions | undefined;

  /** @param host the host functions' backend and limits (worker threads of a pool given host services) */
  constructor(
    private readonly memories = new MemoryPool(),
    host?: { backend: HostBackend; limits: HostLimits },
  ) {
    this.edgewise =
      host &&
      new EdgewiseFunctions(
        host.backend,
        host.limits,
        () => this.host.guestMemory(),
        (line) => this.stderr.write(Buffer.from(`${line}\n`)),
      );
    this.imports = { ...this.host.imports, edgewise: { memory: undefined, ...this.edgewise?.imports } };
  }

  /** A run that never reached the guest, in the same shape as run()'s. */
  failure(outcome: GuestOutcome, message: string): RunOutput {
    this.stdout.reset(0);
    this.stderr.reset(0);
    return { outcome, exitCode: -1, memoryBytes: 0, message, stdout: this.stdout, stderr: this.stderr };
  }

  run(module: WasmModule, job: EncodedJob): RunOutput {
    const { stdout, stderr, host } = this;
    this.edgewise?.reset();
    stdout.reset(job.stdoutLimit);
    stderr.reset(job.stderrLimit);
    host.reset({
      args: job.argv,
      env: job.environ,
      stdin: job.stdin,
      stdout,
      stderr,
      preopens: job.preopens,
    });
    let instance: WasmInstance | undefined;
    const shape = job.memory;
    let memory: WasmMemory | undefined;
    const end = (outcome: GuestOutcome, exitCode: number, message?: string): RunOutput => {
      const mem = instance?.exports.memory;
      return {
        outcome,
        exitCode,
        memoryBytes: isMemory(mem) ? mem.buffer.byteLength : 0,
        message,
        stdout,
        stderr,
      };
    };
    const edgewise = this.imports.edgewise as { memory: unknown };
    try {
      if (shape) {
        // Inside the try: failing to reserve a memory fails this request, not the thread.
        memory = this.memories.take(shape);
        edgewise.memory = memory;
      }
      instance = new WA.Instance(module, this.imports);
      const code = host.start(instance, job.entrypoint);
      return end(code === 0 ? 'ok' : 'exit', code, code === 0 ? undefined : `guest exited with code ${code}`);
    } catch (err) {
      if (err instanceof OutputLimitExceeded) {
        return end('stdout-limit', -1, `guest wrote more than ${err.limit} bytes to ${err.stream}`);
      }
      // Traps arrive as WebAssembly.RuntimeError; a host bug or stack overflow as other errors.
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      return end('trap', -1, message);
    } finally {
      edgewise.memory = undefined;
      // A held decision response is the request's: drop it now, not at the next request.
      this.edgewise?.reset();
      // Output lives in host-side sinks, so the guest's memory can be wiped and reused.
      if (shape && memory) this.memories.give(shape, memory);
    }
  }
}

/** A run's output as it goes back: stdout split into CGI head and body for `cgi` jobs. */
export interface ResultParts {
  out: RunOutput;
  body: Uint8Array;
  head: CgiHead | undefined;
}

/** Splits stdout into CGI head and body where asked (`cgi` jobs that ended ok). */
export function resultParts(out: RunOutput, cgi: boolean | undefined): ResultParts {
  const stdout = out.stdout.bytes();
  if (!cgi || out.outcome !== 'ok') return { out, body: stdout, head: undefined };
  const { head, bodyStart } = readCgiHead(stdout);
  return { out, body: stdout.subarray(bodyStart), head };
}

/** A run's output as a GuestResult that owns its bytes. */
export function ownResult(parts: ResultParts): GuestResult {
  const { out } = parts;
  const r: GuestResult = {
    outcome: out.outcome,
    exitCode: out.exitCode,
    stdout: Buffer.from(parts.body),
    stderr: out.stderr.size ? Buffer.from(out.stderr.bytes()) : new Uint8Array(0),
    stderrTruncated: out.stderr.truncated,
    memoryBytes: out.memoryBytes,
  };
  if (out.message !== undefined) r.message = out.message;
  if (parts.head) r.head = parts.head;
  return r;
}

/** A GuestJob's strings as the bytes the host copies into guest memory. */
export function encodeJob(job: GuestJob): EncodedJob {
  return { ...job, argv: Buffer.from(job.argv), environ: Buffer.from(job.environ) };
}

let shared: GuestExecutor | undefined;

/** One fresh instance on this thread, with a thread-wide executor (benchmarks, `_routes`). */
export function runGuest(module: WasmModule, job: GuestJob): GuestResult {
  shared ??= new GuestExecutor();
  return ownResult(resultParts(shared.run(module, encodeJob(job)), job.cgi));
}
