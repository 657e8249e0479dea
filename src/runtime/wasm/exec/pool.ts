/**
 * A fixed pool of worker threads running guests, each guest in a fresh instance.
 *
 * Jobs go to a worker through a shared ring and results come back through another
 * (slot.ts): a request costs no structured clone and no message of its own, and a
 * worker holds several jobs at once, so it goes straight from one to the next
 * instead of waiting a round trip through the main thread.
 *
 * Runaway guests: one timer watches every worker. A job past its budget has its
 * worker stopped, terminated and replaced (504); jobs queued behind it that had not
 * started run elsewhere. A worker whose job has run for `stallMs` gets no new jobs,
 * and the ones waiting behind that job move to other workers, so one slow guest
 * delays nobody else's request for longer than that.
 */
import { availableParallelism } from 'node:os';
import type { ResourceLimits } from 'node:worker_threads';
import { DEFAULT_HOST_LIMITS, HostGroup, type HostLimits } from '../host/abi.js';
import { serveCall } from '../host/call-server.js';
import type { WasmHostServices } from '../host/services.js';
import type { WasmModule } from '../wa.js';
import type { Preopen } from '../wasi/host.js';
import { monotonicMs } from './control.js';
import { failed, type GuestJob, type GuestResult, type GuestRunner, type RunOptions } from './job.js';
import { type SlotGroup, type SlotOptions, type Task, WorkerSlot } from './slot.js';

export interface PoolOptions {
  /** Worker threads. @default max(2, availableParallelism()) */
  size?: number;
  /** Jobs waiting for a worker before new ones are refused (`overloaded`). @default 1024 */
  maxQueue?: number;
  /** How long a job may wait for a free worker. @default 30000 */
  queueTimeoutMs?: number;
  /** V8 heap limits per worker (guest linear memory is capped per module instead). @default 256 MB old, 4 MB young */
  resourceLimits?: ResourceLimits;
  /** Jobs a worker holds at once (running and queued behind). @default 16 */
  depth?: number;
  /** A job running this long makes its worker take no more jobs, and lose those queued. @default 5 */
  stallMs?: number;
  /**
   * Services behind the `edgewise` host functions (host/services.ts), read at each
   * use; absent: the pool answers none and modules importing them are refused.
   */
  host?: { services: WasmHostServices; limits?: Partial<HostLimits> | undefined } | undefined;
}

/** Room per ring: `depth` jobs of up to ringBytes / 2 each fit with space to spare. */
const RING_BYTES = 512 * 1024;

export class WorkerPool implements GuestRunner {
  private readonly slots: WorkerSlot[] = [];
  private queue: Task[] = [];
  private readonly maxQueue: number;
  private readonly queueTimeoutMs: number;
  private readonly stallMs: number;
  private readonly slotOptions: SlotOptions;
  private readonly services: WasmHostServices | undefined;
  private readonly moduleIds = new Map<string, number>();
  private readonly preopenJson = new WeakMap<readonly Preopen[], string>();
  private readonly readyWaiters: Array<() => void> = [];
  private readonly groups = new WeakMap<object, SlotGroup>();
  private nextModuleId = 1;
  private nextJobId = 1;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private timerDue = Number.POSITIVE_INFINITY;
  private bootFailures = 0;
  /** Workers replaced after a timeout or crash, for metrics and tests. */
  replaced = 0;

  constructor(options: PoolOptions = {}) {
    const size = options.size ?? Math.max(2, availableParallelism());
    this.maxQueue = options.maxQueue ?? 1024;
    this.queueTimeoutMs = options.queueTimeoutMs ?? 30_000;
    this.stallMs = options.stallMs ?? 5;
    this.slotOptions = {
      depth: options.depth ?? 16,
      ringBytes: RING_BYTES,
      // A small young generation: with a recycled WebAssembly.Memory every instance
      // survives scavenges until the next full GC (most likely held by the memory's weak
      // list of its instances, which scavenges do not clear), so each scavenge copies
      // every instance since the last one. The default size meant 5–25 ms pauses; 4 MB
      // keeps them near 1 ms for the same total GC time.
      resourceLimits: options.resourceLimits ?? { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 4 },
    };
    this.services = options.host?.services;
    if (options.host) {
      const services = options.host.services;
      this.slotOptions.host = {
        limits: { ...DEFAULT_HOST_LIMITS, ...options.host.limits },
        policy: () => services.policy,
      };
    }
    for (let i = 0; i < size; i++) this.slots.push(this.newSlot(i));
  }

  get size(): number {
    return this.slots.length;
  }

  /** HostGroup bits of the host functions whose service is there now. */
  get hostGroups(): number {
    const s = this.services;
    return (s?.policy ? HostGroup.POLICY : 0) | (s?.streams ? HostGroup.STREAMS : 0);
  }

  /** Resolves once every worker thread is up, or the pool is closed (benchmarks and tests wait for it). */
  ready(): Promise<void> {
    if (this.slots.every((s) => s.ready)) return Promise.resolve();
    return new Promise((resolve) => {
      // Workers are unref()ed: someone waiting for them must keep the process up.
      const keepAlive = setInterval(() => {}, 60_000);
      this.readyWaiters.push(() => {
        clearInterval(keepAlive);
        resolve();
      });
    });
  }

  /** Jobs the workers can hold at once, running and queued in their rings. */
  get capacity(): number {
    return this.slots.length * this.slotOptions.depth;
  }

  run(key: string, module: WasmModule, job: GuestJob, options: RunOptions): Promise<GuestResult> {
    return new Promise((resolve) => this.submit(key, module, job, options, resolve));
  }

  submit(
    key: string,
    module: WasmModule,
    job: GuestJob,
    options: RunOptions,
    done: (result: GuestResult) => void,
  ): void {
    if (this.closed) {
      done(failed('overloaded', 'runtime is shutting down'));
      return;
    }
    if (this.queue.length >= this.maxQueue) {
      done(failed('overloaded', `${this.queue.length} requests already wait for a worker`));
      return;
    }
    let moduleId = this.moduleIds.get(key);
    if (moduleId === undefined) {
      moduleId = this.nextModuleId++;
      this.moduleIds.set(key, moduleId);
    }
    let group: SlotGroup | undefined;
    if (options.group) {
      group = this.groups.get(options.group.key);
      if (!group) {
        group = { workers: options.group.workers, held: [], busy: 0 };
        this.groups.set(options.group.key, group);
      }
    }
    this.queue.push({
      module,
      moduleId,
      job,
      preopens: this.preopensOf(job.preopens),
      timeoutMs: options.timeoutMs,
      group,
      enqueuedAt: monotonicMs(),
      resolve: done,
      id: 0,
      cell: -1,
    });
    this.pump();
    if (this.queue.length > 0) this.armAt(monotonicMs() + this.queueTimeoutMs);
  }

  forget(key: string): void {
    const id = this.moduleIds.get(key);
    if (id === undefined) return;
    this.moduleIds.delete(key);
    for (const slot of this.slots) slot.forget(id);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    for (const f of this.readyWaiters.splice(0)) f();
    for (const task of this.queue.splice(0)) task.resolve(failed('overloaded', 'runtime is shutting down'));
    await Promise.all(
      this.slots.map((slot) => {
        for (const task of slot.abandon()) task.resolve(failed('crashed', 'runtime is shutting down'));
        return slot.terminate();
      }),
    );
  }

  private newSlot(index: number): WorkerSlot {
    return new WorkerSlot(
      {
        ready: () => {
          this.bootFailures = 0;
          this.pump();
          if (this.slots.every((s) => s.ready)) for (const f of this.readyWaiters.splice(0)) f();
        },
        wake: (slot) => {
          slot.drain(this.deliver);
          this.pump();
          this.stopWatchingWhenIdle();
        },
        failed: (slot, message) => this.replace(slot, 'crashed', message),
        call: (slot) => {
          if (slot.calls) serveCall(slot.calls, this.services);
        },
        decisions: (entries) => {
          try {
            this.services?.policy?.record(entries);
          } catch {
            // The service is going away (agent stopping); the pool must keep reading results.
          }
        },
      },
      this.slotOptions,
      index,
    );
  }

  private readonly deliver = (task: Task, result: GuestResult): void => task.resolve(result);

  /** The watchdog's timer keeps the process alive while jobs are pending, and only then. */
  private stopWatchingWhenIdle(): void {
    if (this.timer === undefined || this.queue.length > 0) return;
    for (const slot of this.slots) if (slot.inflight.size > 0) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDue = Number.POSITIVE_INFINITY;
  }

  /** Mounts are the same for every request of a workload: JSON-encode them once. */
  private preopensOf(preopens: readonly Preopen[]): string {
    if (preopens.length === 0) return '';
    let json = this.preopenJson.get(preopens);
    if (json === undefined) {
      json = JSON.stringify(preopens);
      this.preopenJson.set(preopens, json);
    }
    return json;
  }

  /** Hands queued tasks to the least busy worker that is up and not stuck in a long job. */
  private pump(): void {
    let i = 0;
    while (i < this.queue.length) {
      const task = this.queue[i] as Task;
      const slot = this.pick(task.group);
      if (!slot) {
        // A group at its worker limit waits; the tasks behind it need not, if any
        // worker has room for them.
        if (task.group === undefined || !this.pick(undefined)) return;
        i++;
        continue;
      }
      const id = this.nextJobId;
      this.nextJobId = id >= 0x7fffffff ? 1 : id + 1;
      if (!slot.send(task, id)) return; // its ring is full: results must be read first
      this.queue.splice(i, 1);
      // Waking at once measured no worse than deferring wakes to batch the jobs of
      // one event loop turn (setImmediate), and answers sooner at light load.
      slot.wake();
      const now = monotonicMs();
      this.armAt(now + task.timeoutMs);
      if (slot.inflight.size > 1) this.armAt(now + this.stallMs);
    }
  }

  private pick(group: SlotGroup | undefined): WorkerSlot | undefined {
    const full = group !== undefined && group.busy >= group.workers;
    let best: WorkerSlot | undefined;
    let now = 0;
    for (const slot of this.slots) {
      if (!slot.ready || slot.retired || !slot.hasRoom) continue;
      if (full && !group.held[slot.index]) continue;
      if (best && slot.inflight.size >= best.inflight.size) continue;
      if (slot.inflight.size > 0) {
        const running = slot.control.running();
        if (running) {
          now ||= monotonicMs();
          if (now - running.startedAt >= this.stallMs) continue;
        }
      }
      best = slot;
    }
    return best;
  }

  private armAt(due: number): void {
    if (due >= this.timerDue || this.closed) return;
    clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(this.check, Math.max(1, Math.ceil(due - monotonicMs())));
  }

  /** The watchdog: budgets of running jobs, workers stuck in long jobs, the queue timeout. */
  private readonly check = (): void => {
    this.timer = undefined;
    this.timerDue = Number.POSITIVE_INFINITY;
    const now = monotonicMs();
    let next = Number.POSITIVE_INFINITY;
    for (const slot of [...this.slots]) {
      if (slot.inflight.size === 0) continue;
      const running = slot.control.running();
      const task = running && slot.inflight.get(running.id);
      if (running && task) {
        const deadline = running.startedAt + task.timeoutMs;
        if (now >= deadline) {
          if (slot.control.stop(task.id)) {
            this.replace(slot, 'timeout', `guest ran longer than ${task.timeoutMs} ms and was stopped`);
            continue;
          }
          next = Math.min(next, now + 1); // it just finished: its result is on the way
        } else {
          next = Math.min(next, deadline);
        }
        if (slot.inflight.size > 1) {
          const stuckAt = running.startedAt + this.stallMs;
          if (now >= stuckAt) this.requeue(slot.revokeUnstarted());
          else next = Math.min(next, stuckAt);
        }
      }
      // Jobs that have not started cannot reach their deadline before now + budget.
      for (const t of slot.inflight.view()) if (t !== task) next = Math.min(next, now + t.timeoutMs);
    }
    while (this.queue.length > 0) {
      const head = this.queue[0] as Task;
      const due = head.enqueuedAt + this.queueTimeoutMs;
      if (due > now) {
        next = Math.min(next, due);
        break;
      }
      this.queue.shift();
      head.resolve(failed('overloaded', `no worker became free within ${this.queueTimeoutMs} ms`));
    }
    this.pump();
    if (next < Number.POSITIVE_INFINITY) this.armAt(next);
  };

  private requeue(tasks: Task[]): void {
    if (tasks.length > 0) this.queue = [...tasks, ...this.queue];
  }

  /**
   * Replaces a worker: results it wrote are delivered, jobs it had not started go
   * back to the queue, and the job it was running (if any) fails with `outcome`.
   */
  private replace(slot: WorkerSlot, outcome: 'timeout' | 'crashed', message: string): void {
    const at = this.slots.indexOf(slot);
    if (at < 0 || slot.retired || this.closed) return;
    slot.retired = true;
    slot.drain(this.deliver);
    const back = slot.revokeUnstarted();
    for (const task of slot.abandon()) task.resolve(failed(outcome, message));
    this.replaced++;
    void slot.terminate();
    this.requeue(back);
    if (slot.ready) {
      this.slots[at] = this.newSlot(at);
    } else {
      this.bootFailed(at, message);
    }
    this.pump();
    if (this.queue.length > 0) this.armAt(monotonicMs() + this.queueTimeoutMs);
  }

  /**
   * A worker died before it was up. The next one will most likely fail the same way
   * (bad flags, no memory), so retry with growing pauses instead of spinning, and
   * once no worker has come up three times running, fail what waits.
   */
  private bootFailed(at: number, message: string): void {
    this.bootFailures++;
    if (this.bootFailures >= 3 && !this.slots.some((s) => s.ready && !s.retired)) {
      for (const task of this.queue.splice(0)) {
        task.resolve(failed('crashed', `worker threads do not start: ${message}`));
      }
    }
    const retry = setTimeout(
      () => {
        if (!this.closed) this.slots[at] = this.newSlot(at);
      },
      Math.min(5000, 50 * 2 ** this.bootFailures),
    );
    retry.unref();
  }
}
