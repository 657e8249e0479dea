/**
 * Worker thread entry. It runs jobs from its ring one after another and writes each
 * result into the result ring; between jobs it sleeps on the ring (Atomics.wait), so
 * it never returns to its event loop and handles no per-job messages. A guest that
 * loops forever blocks only this thread: the pool stops and replaces the worker.
 * The one exception is loading the policy evaluator for the host functions, an
 * `await import()` made once per thread inside the first job that decides.
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { HostGroup } from '../host/abi.js';
import { DecisionEvents } from '../host/decision-events.js';
import { WorkerHostBackend } from '../host/worker-backend.js';
import type { WasmModule } from '../wa.js';
import { type JobIds, readJob, resultSizeBound, writeResult } from './codec.js';
import { ControlBlock } from './control.js';
import type { GuestResult } from './job.js';
import {
  CALL,
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
const backend = init.host && hostBackend(init.host.calls, init.host.events);
const executor = new GuestExecutor(undefined, backend && init.host && { backend, limits: init.host.limits });

function hostBackend(calls: SharedArrayBuffer, events: SharedArrayBuffer): WorkerHostBackend {
  const ring = ByteRing.attach(events);
  // A full ring waits for the pool to read it, as a full result ring does (reply()).
  const waitForRoom = () => {
    if (control.takeWakeRequest()) parent.postMessage(WAKE);
    control.nap(1);
  };
  return new WorkerHostBackend(calls, new DecisionEvents(ring, waitForRoom), () => parent.postMessage(CALL));
}

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

function run(ids: JobIds, job: EncodedJob): Promise<void> | undefined {
  if (!control.claim(ids.cell, ids.id)) return undefined; // the pool took it back to run elsewhere
  control.begin(ids.id);
  // The job's clock runs while the evaluator loads: the pool sees a running job, moves
  // the jobs queued behind it elsewhere, and stops it at its budget like any other.
  if (backend?.policyNeedsLoad && ((job.hostImports ?? 0) & HostGroup.POLICY) !== 0) {
    return backend.loadPolicy().then(() => finish(ids, job));
  }
  finish(ids, job);
  return undefined;
}

function finish(ids: JobIds, job: EncodedJob): void {
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

function ported(msg: PortedToWorker): Promise<void> | undefined {
  if (msg.type === 'load') modules.set(msg.module, msg.compiled);
  else if (msg.type === 'forget') modules.delete(msg.module);
  else if (msg.type === 'policy') backend?.configurePolicy(msg.module, msg.config);
  else return run(msg, encodeJob(msg.job));
  return undefined;
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
  let pending: Promise<void> | undefined;
  if (kind === JOB) {
    // The job's bytes are views into the ring: release only after the run.
    const job = readJob(jobs, at);
    pending = run(job, job);
  } else if (kind === PORTED) {
    const msg = receiveMessageOnPort(init.port)?.message as PortedToWorker | undefined;
    if (msg) pending = ported(msg);
  }
  if (pending !== undefined) await pending;
  jobs.release();
}
