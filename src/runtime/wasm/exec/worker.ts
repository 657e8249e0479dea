/**
 * Worker thread entry: holds compiled modules posted by the pool and runs one
 * guest at a time. A guest that loops forever blocks only this thread; the pool
 * terminates it and starts a fresh worker.
 */
import { parentPort } from 'node:worker_threads';
import type { WasmModule } from '../wa.js';
import { failed, type GuestJob, type GuestResult } from './job.js';
import { MemoryPool } from './memory-pool.js';
import { runGuest } from './run.js';

export type ToWorker =
  | { type: 'load'; key: string; module: WasmModule }
  | { type: 'forget'; key: string }
  | { type: 'run'; id: number; key: string; job: GuestJob };

export type FromWorker = { type: 'ready' } | { type: 'result'; id: number; result: GuestResult };

const modules = new Map<string, WasmModule>();
const memories = new MemoryPool();
const port = parentPort;
if (!port) throw new Error('exec/worker.js must run in a worker thread');

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'load') {
    modules.set(msg.key, msg.module);
  } else if (msg.type === 'forget') {
    modules.delete(msg.key);
  } else {
    const module = modules.get(msg.key);
    // The pool always sends `load` before the first `run` of a key; a miss is a pool bug.
    const result = module
      ? runGuest(module, msg.job, memories)
      : failed('crashed', `module ${msg.key} not loaded in worker`);
    const reply: FromWorker = { type: 'result', id: msg.id, result };
    const transfer = [result.stdout.buffer, result.stderr.buffer].filter(
      (b, i, all): b is ArrayBuffer => b instanceof ArrayBuffer && b.byteLength > 0 && all.indexOf(b) === i,
    );
    port.postMessage(reply, transfer);
  }
});

// The pool starts a job's clock only once its worker is up: booting a thread can
// take long on a loaded machine, and that must not count against a guest's budget.
port.postMessage({ type: 'ready' } satisfies FromWorker);
