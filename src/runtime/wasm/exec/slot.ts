/**
 * The pool's side of one worker thread: the rings and control block it shares with
 * the worker, the port for what does not fit the rings, and the jobs in flight
 * (written to the job ring, result not read yet).
 */
import {
  MessageChannel,
  type MessagePort,
  type ResourceLimits,
  receiveMessageOnPort,
  Worker,
} from 'node:worker_threads';
import { HostGroup, type HostLimits } from '../host/abi.js';
import { CallBlock } from '../host/call-block.js';
import { createEventsRing, takeEntries } from '../host/decision-events.js';
import type { WasmPolicyHost } from '../host/services.js';
import { callBlockBytes } from '../host/worker-backend.js';
import type { WasmModule } from '../wa.js';
import { jobSize, jobSizeBound, readResult, writeJob } from './codec.js';
import { ControlBlock } from './control.js';
import { InflightJobs } from './inflight.js';
import type { GuestJob, GuestResult } from './job.js';
import { CALL, PORTED, type PortedResult, type PortedToWorker, READY, type WorkerInit } from './protocol.js';
import { ByteRing } from './ring.js';

/**
 * Jobs that may run on at most `workers` workers at once. `held[i]` counts the jobs
 * the worker at pool index i holds and `busy` the workers holding any: counters, not
 * a Map keyed by worker, for the reason InflightJobs gives.
 */
export interface SlotGroup {
  workers: number;
  held: number[];
  busy: number;
}

export interface Task {
  module: WasmModule;
  moduleId: number;
  job: GuestJob;
  /** The mounts as JSON, '' for none (encoded once per workload, see WorkerPool). */
  preopens: string;
  timeoutMs: number;
  group: SlotGroup | undefined;
  /** When the task was first queued (monotonicMs), for the queue timeout. */
  enqueuedAt: number;
  resolve(result: GuestResult): void;
  /** Set while in flight on a worker. */
  id: number;
  cell: number;
}

export interface SlotEvents {
  ready(slot: WorkerSlot): void;
  /** The worker wrote results while the pool waited for them. */
  wake(slot: WorkerSlot): void;
  failed(slot: WorkerSlot, message: string): void;
  /** The worker's guest called a host function that the main thread answers (slot.calls). */
  call(slot: WorkerSlot): void;
  /** Decision log entries the worker's guests made, oldest first. */
  decisions(entries: string[]): void;
}

export interface SlotOptions {
  /** Jobs in flight at most. */
  depth: number;
  /** Bytes of each ring. */
  ringBytes: number;
  resourceLimits: ResourceLimits;
  /** Set when the pool answers host functions: their limits, and the policy service. */
  host?: { limits: HostLimits; policy: () => WasmPolicyHost | undefined } | undefined;
}

const WORKER_URL = new URL('./worker.js', import.meta.url);

export class WorkerSlot {
  readonly control: ControlBlock;
  private readonly worker: Worker;
  private readonly jobs: ByteRing;
  private readonly results: ByteRing;
  private readonly port: MessagePort;
  /** In dispatch order, which is the order the worker runs them. */
  readonly inflight = new InflightJobs<Task>();
  private readonly freeCells: number[] = [];
  private readonly loaded = new Set<number>();
  /** False until the worker thread has loaded and said so. */
  ready = false;
  /** Set once the pool has replaced this worker; its events no longer matter. */
  retired = false;
  /** Records written since the worker was last woken. */
  private unwoken = 0;
  /** Host calls from this worker's guests, and the decisions they made (when the pool has host services). */
  readonly calls: CallBlock | undefined;
  private readonly decisionRing: ByteRing | undefined;
  private readonly policy: (() => WasmPolicyHost | undefined) | undefined;
  /** The policy snapshot this worker has: the next policy job brings a newer one first. */
  private policySent = { module: '', version: -1 };

  /** @param index this worker's place in the pool, which its replacement takes over */
  constructor(
    private readonly events: SlotEvents,
    options: SlotOptions,
    readonly index: number,
  ) {
    this.control = ControlBlock.create(options.depth);
    for (let c = options.depth - 1; c >= 0; c--) this.freeCells.push(c);
    this.jobs = ByteRing.create(options.ringBytes);
    this.results = ByteRing.create(options.ringBytes);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    // Only ever read with receiveMessageOnPort: it must not keep the process alive.
    port1.unref();
    const init: WorkerInit = {
      control: this.control.sab,
      jobs: this.jobs.sab,
      results: this.results.sab,
      port: port2,
    };
    if (options.host) {
      this.calls = CallBlock.create(callBlockBytes(options.host.limits));
      this.decisionRing = createEventsRing();
      this.policy = options.host.policy;
      init.host = { limits: options.host.limits, calls: this.calls.sab, events: this.decisionRing.sab };
    }
    const worker = new Worker(WORKER_URL, {
      workerData: init,
      transferList: [port2],
      resourceLimits: options.resourceLimits,
      // Options are inherited by default, and a worker that inherits --input-type (the
      // parent ran `node --input-type=module -e …`) refuses to load any file. A list
      // given here may only hold per-thread options, so then the worker gets none.
      ...(process.execArgv.some((a) => a.startsWith('--input-type')) ? { execArgv: [] } : {}),
    });
    worker.on('message', (msg: unknown) => {
      if (this.retired) return;
      if (msg === READY) {
        this.ready = true;
        events.ready(this);
      } else if (msg === CALL) {
        events.call(this);
      } else {
        events.wake(this);
      }
    });
    worker.on('error', (err) => events.failed(this, `worker failed: ${err.message}`));
    worker.on('exit', (code) => events.failed(this, `worker exited with code ${code}`));
    // Idle workers must not keep the process alive; jobs in flight hold the pool's
    // timer. After the listeners: adding a 'message' listener refs the worker's port.
    worker.unref();
    this.worker = worker;
  }

  get hasRoom(): boolean {
    return this.freeCells.length > 0;
  }

  /** Writes the task to the worker; false when its ring has no room right now. */
  send(task: Task, id: number): boolean {
    if (!this.loaded.has(task.moduleId)) {
      if (!this.ported({ type: 'load', module: task.moduleId, compiled: task.module })) return false;
      this.loaded.add(task.moduleId);
    }
    if (((task.job.hostImports ?? 0) & HostGroup.POLICY) !== 0 && !this.sendPolicy()) return false;
    const cell = this.freeCells.pop();
    if (cell === undefined) return false;
    task.id = id;
    task.cell = cell;
    // The cell must hold the id before the worker can see the job.
    this.control.offer(cell, id);
    const ids = { id, cell, module: task.moduleId };
    const ring = this.jobs;
    let size = jobSizeBound(task.job, task.preopens);
    if (size > ring.maxRecord) size = jobSize(task.job, task.preopens);
    let sent = false;
    if (size <= ring.maxRecord) {
      const at = ring.reserve(size);
      if (at >= 0) {
        ring.commit(writeJob(ring, at, ids, task.job, task.preopens));
        sent = true;
      }
    } else {
      // Too big for the ring (a large request body): the port carries it, the ring its place.
      const stdin = new Uint8Array(task.job.stdin);
      sent = this.ported({ type: 'job', ...ids, job: { ...task.job, stdin } }, [stdin.buffer]);
    }
    if (!sent) {
      this.control.offer(cell, 0);
      this.freeCells.push(cell);
      return false;
    }
    this.inflight.add(task);
    const group = task.group;
    if (group) {
      const held = (group.held[this.index] ?? 0) + 1;
      group.held[this.index] = held;
      if (held === 1) group.busy++;
    }
    this.unwoken++;
    return true;
  }

  /** The task is no longer in flight here (answered, taken back or failed). */
  private settle(task: Task): void {
    this.inflight.remove(task);
    this.freeCells.push(task.cell);
    const group = task.group;
    if (group) {
      const held = (group.held[this.index] ?? 1) - 1;
      group.held[this.index] = held;
      if (held === 0) group.busy--;
    }
  }

  /** Every task still in flight, which is no longer: the worker is gone. */
  abandon(): Task[] {
    const tasks = this.inflight.list();
    for (const task of tasks) this.settle(task);
    return tasks;
  }

  /** Wakes the worker if it sleeps and something was written since it was last woken. */
  wake(): void {
    if (this.unwoken === 0) return;
    this.unwoken = 0;
    if (this.control.workerIdle()) this.jobs.wake();
  }

  /** Sends the policy in force if this worker has an older one; false when the ring is full. */
  private sendPolicy(): boolean {
    const policy = this.policy?.();
    if (!policy) return true; // the service is gone: the job's decisions fail with EIO
    const { version, config } = policy.snapshot();
    const sent = this.policySent;
    if (sent.version === version && sent.module === policy.evaluatorModule) return true;
    if (!this.ported({ type: 'policy', module: policy.evaluatorModule, config })) return false;
    this.policySent = { module: policy.evaluatorModule, version };
    return true;
  }

  /** Hands over the decision log entries the worker wrote. */
  private takeDecisions(): void {
    if (!this.decisionRing) return;
    const entries = takeEntries(this.decisionRing);
    if (entries.length > 0) this.events.decisions(entries);
  }

  forget(moduleId: number): void {
    if (!this.loaded.has(moduleId) || !this.ported({ type: 'forget', module: moduleId })) return;
    this.loaded.delete(moduleId);
    this.wake();
  }

  private ported(msg: PortedToWorker, transfer: ArrayBuffer[] = []): boolean {
    const at = this.jobs.reserve(4);
    if (at < 0) return false;
    this.port.postMessage(msg, transfer);
    this.jobs.words[at >>> 2] = PORTED;
    this.jobs.commit(4);
    this.unwoken++;
    return true;
  }

  /** Reads every result the worker has written, then asks it to wake the pool for the next. */
  drain(deliver: (task: Task, result: GuestResult) => void): void {
    // Decisions are taken before and after the results, so a job's entries (written
    // before its result) are logged in the same turn as its response goes out.
    this.takeDecisions();
    const ring = this.results;
    for (;;) {
      const at = ring.next();
      if (at < 0) {
        this.control.poolWaits(true);
        // A result written before the flag was set would not wake us: look again.
        if (ring.empty()) {
          this.takeDecisions();
          return;
        }
        this.control.poolWaits(false);
        continue;
      }
      let got: PortedResult | undefined;
      // Results are longer than 4 bytes; a 4-byte record is a PORTED marker.
      if (ring.lengthAt(at) === 4) {
        got = receiveMessageOnPort(this.port)?.message as PortedResult | undefined;
      } else {
        got = readResult(ring, at);
      }
      ring.release();
      const task = got && this.inflight.get(got.id);
      if (!got || !task) continue;
      this.settle(task);
      deliver(task, got.result);
    }
  }

  /** Takes back, in order, the jobs the worker has not started; they can run elsewhere. */
  revokeUnstarted(): Task[] {
    const back: Task[] = [];
    for (const task of this.inflight.list()) {
      if (!this.control.revoke(task.cell, task.id)) continue;
      this.settle(task);
      back.push(task);
    }
    return back;
  }

  terminate(): Promise<number> {
    this.retired = true;
    // terminate() only rejects if the thread is already gone, which is the goal anyway.
    return this.worker.terminate().catch(() => 0);
  }
}
