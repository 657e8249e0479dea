/**
 * Worker thread entry. It runs jobs from its ring one after another and writes each
 * result into the result ring; between jobs it sleeps on the ring (Atomics.wait), so
 * it never returns to its event loop and handles no per-job messages. A guest that
 * loops forever blocks only this thread: the pool stops and replaces the worker.
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { WasmModule } from '../wa.js';
import { type JobIds, readJob, resultSizeBound, writeResult } from './codec.js';
import { ControlBlock } from './control.js';
import type { GuestResult } from './job.js';
import {
  JOB,
  PORTED,
  type PortedResult,
  type PortedToWorker,
  READY,
  WAKE,
  type WorkerInit,
} from './protocol.js';
import { ByteRing } from './ring.js';
import {
  type EncodedJob,
  encodeJob,
  GuestExecutor,
  type ResultParts,
  type RunOutput,
  resultParts,
} from './run.js';

if (!parentPort) throw new Error('exec/worker.js must run in a worker thread');
const parent = parentPort;
const init = workerData as WorkerInit;
const control = ControlBlock.attach(init.control);
const jobs = ByteRing.attach(init.jobs);
const results = ByteRing.attach(init.results);
const modules = new Map<number, WasmModule>();
const executor = new GuestExecutor();

function reply(id: number, parts: ResultParts): void {
  const size = resultSizeBound(parts);
  const at = size <= results.maxRecord ? results.reserve(size) : -1;
  if (at >= 0) {
    results.commit(writeResult(results, at, id, parts));
    return;
  }
  // Too big for the ring (a large response): hand the output buffer over, no copy.
  const { out, head } = parts;
  const bodyStart = parts.body.byteOffset - out.stdout.bytes().byteOffset;
  const stdout = out.stdout.detach().subarray(bodyStart);
  const result: GuestResult = {
    outcome: out.outcome,
    exitCode: out.exitCode,
    stdout,
    stderr: Buffer.from(out.stderr.bytes()),
    stderrTruncated: out.stderr.truncated,
    memoryBytes: out.memoryBytes,
  };
  if (out.message !== undefined) result.message = out.message;
  if (head) result.head = head;
  init.port.postMessage({ id, result } satisfies PortedResult, [stdout.buffer as ArrayBuffer]);
  // The pool holds at most one result per job in flight and the ring has room for
  // more than that many markers; waiting here only covers a pool that is slow to read.
  let marker = results.reserve(4);
  while (marker < 0) {
    if (control.takeWakeRequest()) parent.postMessage(WAKE);
    control.nap(1);
    marker = results.reserve(4);
  }
  results.words[marker >>> 2] = PORTED;
  results.commit(4);
}

function run(ids: JobIds, job: EncodedJob): void {
  if (!control.claim(ids.cell, ids.id)) return; // the pool took it back to run elsewhere
  control.begin(ids.id);
  const module = modules.get(ids.module);
  let out: RunOutput;
  try {
    // The pool loads a module before its first job; a miss is a pool bug.
    out = module
      ? executor.run(module, job)
      : executor.failure('crashed', `module ${ids.module} not loaded in worker`);
  } catch (err) {
    // A host bug: fail this job, keep the thread (the executor resets before each run).
    out = executor.failure('crashed', `worker failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  reply(ids.id, resultParts(out, job.cgi));
  // The pool stopped this worker while the job ran (it timed out): start nothing more.
  if (!control.end(ids.id)) control.park();
  if (control.takeWakeRequest()) parent.postMessage(WAKE);
}

function ported(msg: PortedToWorker): void {
  if (msg.type === 'load') modules.set(msg.module, msg.compiled);
  else if (msg.type === 'forget') modules.delete(msg.module);
  else run(msg, encodeJob(msg.job));
}

// The pool starts a job's clock only once its worker is up: booting a thread can
// take long on a loaded machine, and that must not count against a guest's budget.
parent.postMessage(READY);

for (;;) {
  const at = jobs.next();
  if (at < 0) {
    control.idle(true);
    // Re-checked after announcing idleness, or a job published in between would sleep.
    if (jobs.empty()) jobs.waitForData();
    control.idle(false);
    continue;
  }
  const kind = jobs.words[at >>> 2];
  if (kind === JOB) {
    // The job's bytes are views into the ring: release only after the run.
    const job = readJob(jobs, at);
    run(job, job);
  } else if (kind === PORTED) {
    const msg = receiveMessageOnPort(init.port)?.message as PortedToWorker | undefined;
    if (msg) ported(msg);
  }
  jobs.release();
}
