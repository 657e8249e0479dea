/** One guest run, synchronously: instantiate fresh, call the entrypoint, collect output. */

import { isMemory, WA, type WasmInstance, type WasmModule } from '../wa.js';
import { WasiHost } from '../wasi/host.js';
import { ByteSink, OutputLimitExceeded } from '../wasi/sink.js';
import type { GuestJob, GuestResult } from './job.js';
import type { MemoryPool } from './memory-pool.js';

/** Runs one fresh instance; `memories` recycles zeroed linear memories between runs. */
export function runGuest(module: WasmModule, job: GuestJob, memories?: MemoryPool): GuestResult {
  const stdout = new ByteSink('stdout', job.stdoutLimit, 'abort');
  const stderr = new ByteSink('stderr', job.stderrLimit, 'truncate', 256);
  const host = new WasiHost({
    args: job.args,
    env: job.env,
    stdin: job.stdin,
    stdout,
    stderr,
    preopens: job.preopens,
  });
  let instance: WasmInstance | undefined;
  const result = (outcome: GuestResult['outcome'], exitCode: number, message?: string): GuestResult => {
    const memory = instance?.exports.memory;
    const r: GuestResult = {
      outcome,
      exitCode,
      stdout: stdout.bytes(),
      stderr: stderr.bytes(),
      stderrTruncated: stderr.truncated,
      memoryBytes: isMemory(memory) ? memory.buffer.byteLength : 0,
    };
    if (message !== undefined) r.message = message;
    return r;
  };
  const shape = job.memory;
  const memory = shape ? (memories?.take(shape) ?? new WA.Memory(shape)) : undefined;
  try {
    instance = new WA.Instance(module, memory ? { ...host.imports, edgewise: { memory } } : host.imports);
    const code = host.start(instance, job.entrypoint);
    return result(
      code === 0 ? 'ok' : 'exit',
      code,
      code === 0 ? undefined : `guest exited with code ${code}`,
    );
  } catch (err) {
    if (err instanceof OutputLimitExceeded) {
      return result('stdout-limit', -1, `guest wrote more than ${err.limit} bytes to ${err.stream}`);
    }
    // Traps arrive as WebAssembly.RuntimeError; a host bug or stack overflow as other errors.
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    return result('trap', -1, message);
  } finally {
    // result() has copied nothing out of guest memory that is still needed: stdout
    // and stderr live in host-side sinks, so the memory can be wiped and reused.
    if (shape && memory) memories?.give(shape, memory);
  }
}
