/**
 * A fixed pool of worker threads running guests. Each worker runs one guest at a
 * time; a guest past its time budget has its worker terminated and replaced, so
 * an infinite loop costs one worker for `timeoutMs` and nothing else.
 */
import { availableParallelism } from 'node:os';
import { type ResourceLimits, Worker } from 'node:worker_threads';
import type { WasmModule } from '../wa.js';
import { failed, type GuestJob, type GuestResult, type GuestRunner, type RunOptions } from './job.js';
import type { FromWorker, ToWorker } from './worker.js';

export interface PoolOptions {
  /** Worker threads. @default max(2, availableParallelism()) */
  size?: number;
  /** Jobs waiting for a worker before new ones are refused (`overloaded`). @default 1024 */
  maxQueue?: number;
  /** How long a job may wait for a free worker. @default 30000 */
  queueTimeoutMs?: number;
  /** V8 heap limits per worker (guest linear memory is capped per module instead). */
  resourceLimits?: ResourceLimits;
}

interface Task {
  key: string;
  module: WasmModule;
  job: GuestJob;
  timeoutMs: number;
  resolve: (r: GuestResult) => void;
  queueTimer?: NodeJS.Timeout;
}

interface Slot {
  worker: Worker;
  /** False until the worker thread has loaded and said so. */
  ready: boolean;
  modules: Set<string>;
  task?: Task & { id: number; timer: NodeJS.Timeout };
}

const WORKER_URL = new URL('./worker.js', import.meta.url);

export class WorkerPool implements GuestRunner {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private readonly maxQueue: number;
  private readonly queueTimeoutMs: number;
  private readonly resourceLimits: ResourceLimits;
  private nextId = 1;
  private closed = false;
  /** Workers replaced after a timeout or crash, for metrics and tests. */
  replaced = 0;

  constructor(options: PoolOptions = {}) {
    const size = options.size ?? Math.max(2, availableParallelism());
    this.maxQueue = options.maxQueue ?? 1024;
    this.queueTimeoutMs = options.queueTimeoutMs ?? 30_000;
    this.resourceLimits = options.resourceLimits ?? { maxOldGenerationSizeMb: 256 };
    for (let i = 0; i < size; i++) {
      const slot = { modules: new Set<string>() } as Slot;
      this.startWorker(slot);
      this.slots.push(slot);
    }
  }

  get size(): number {
    return this.slots.length;
  }

  run(key: string, module: WasmModule, job: GuestJob, options: RunOptions): Promise<GuestResult> {
    if (this.closed) return Promise.resolve(failed('overloaded', 'runtime is shutting down'));
    if (this.queue.length >= this.maxQueue) {
      return Promise.resolve(failed('overloaded', `${this.queue.length} requests already wait for a worker`));
    }
    return new Promise((resolve) => {
      const task: Task = { key, module, job, timeoutMs: options.timeoutMs, resolve };
      this.queue.push(task);
      this.pump();
      if (this.queue.includes(task)) {
        task.queueTimer = setTimeout(() => {
          const at = this.queue.indexOf(task);
          if (at < 0) return;
          this.queue.splice(at, 1);
          resolve(failed('overloaded', `no worker became free within ${this.queueTimeoutMs} ms`));
        }, this.queueTimeoutMs);
      }
    });
  }

  forget(key: string): void {
    for (const slot of this.slots) {
      if (slot.modules.delete(key)) slot.worker.postMessage({ type: 'forget', key } satisfies ToWorker);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) {
      clearTimeout(task.queueTimer);
      task.resolve(failed('overloaded', 'runtime is shutting down'));
    }
    await Promise.all(
      this.slots.map(async (slot) => {
        if (slot.task) {
          clearTimeout(slot.task.timer);
          slot.task.resolve(failed('crashed', 'runtime is shutting down'));
          slot.task = undefined;
        }
        await slot.worker.terminate();
      }),
    );
  }

  /** Puts a new worker (with an empty module set) into `slot`. */
  private startWorker(slot: Slot): void {
    const worker = new Worker(WORKER_URL, { resourceLimits: this.resourceLimits });
    // Idle workers must not keep the process alive; a running job holds its timer.
    worker.unref();
    slot.worker = worker;
    slot.ready = false;
    slot.modules = new Set();
    worker.on('message', (msg: FromWorker) => this.onResult(slot, worker, msg));
    worker.on('error', (err) => this.replace(slot, worker, 'crashed', `worker failed: ${err.message}`));
    worker.on('exit', (code) => this.replace(slot, worker, 'crashed', `worker exited with code ${code}`));
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.task || !slot.ready) continue;
      const task = this.queue.shift() as Task;
      clearTimeout(task.queueTimer);
      const id = this.nextId++;
      if (!slot.modules.has(task.key)) {
        slot.worker.postMessage({ type: 'load', key: task.key, module: task.module } satisfies ToWorker);
        slot.modules.add(task.key);
      }
      const worker = slot.worker;
      const timer = setTimeout(
        () =>
          this.replace(slot, worker, 'timeout', `guest ran longer than ${task.timeoutMs} ms and was stopped`),
        task.timeoutMs,
      );
      slot.task = { ...task, id, timer };
      worker.postMessage({ type: 'run', id, key: task.key, job: task.job } satisfies ToWorker);
    }
  }

  private onResult(slot: Slot, worker: Worker, msg: FromWorker): void {
    if (slot.worker !== worker) return;
    if (msg.type === 'ready') {
      slot.ready = true;
      this.pump();
      return;
    }
    if (slot.task?.id !== msg.id) return;
    clearTimeout(slot.task.timer);
    const { resolve } = slot.task;
    slot.task = undefined;
    resolve(msg.result);
    this.pump();
  }

  /** Fails the worker's current task, terminates it and puts a fresh worker in its slot. */
  private replace(slot: Slot, worker: Worker, outcome: 'timeout' | 'crashed', message: string): void {
    if (slot.worker !== worker || this.closed) return;
    const task = slot.task;
    slot.task = undefined;
    if (task) {
      clearTimeout(task.timer);
      task.resolve(failed(outcome, message));
    }
    this.replaced++;
    this.startWorker(slot);
    // The old worker's later events are ignored (slot.worker changed); terminate()
    // only rejects if the thread is already gone, which is the goal anyway.
    void worker.terminate().catch(() => undefined);
    this.pump();
  }
}
