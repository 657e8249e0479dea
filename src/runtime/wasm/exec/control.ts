/**
 * The words a worker and the pool share besides the rings: who sleeps, which job
 * runs since when, and one claim cell per job in flight.
 *
 * A job in flight has a cell holding its id. The worker claims it before running
 * (id → -id) and the pool may revoke it first (id → 0): one compare-exchange
 * decides, so a job the pool takes back to run elsewhere can never also start here.
 * The same goes for stopping a runaway guest: the pool turns RUNNING from the job's
 * id to STOPPED, and a worker that finds RUNNING changed when its job ends starts
 * nothing more — the job the pool times out is exactly the job that was running.
 */

const WORKER_IDLE = 0;
const POOL_WAITING = 1;
const RUNNING = 2;
/** Byte offset of the Float64 start time of the running job. */
const STARTED_AT = 16;
/** Byte offset of the claim cells. */
const CELLS = 24;
/** Value of RUNNING once the pool has decided to stop the worker. */
export const STOPPED = -1;

/** Milliseconds on a clock every thread of the process shares (CLOCK_MONOTONIC). */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export class ControlBlock {
  private readonly words: Int32Array;
  private readonly startedAt: Float64Array;
  private readonly cells: Int32Array;

  private constructor(readonly sab: SharedArrayBuffer) {
    this.words = new Int32Array(sab, 0, 4);
    this.startedAt = new Float64Array(sab, STARTED_AT, 1);
    this.cells = new Int32Array(sab, CELLS);
  }

  static create(cells: number): ControlBlock {
    const block = new ControlBlock(new SharedArrayBuffer(CELLS + cells * 4));
    // The pool starts out waiting for results: the first one must wake it.
    Atomics.store(block.words, POOL_WAITING, 1);
    return block;
  }

  static attach(sab: SharedArrayBuffer): ControlBlock {
    return new ControlBlock(sab);
  }

  get cellCount(): number {
    return this.cells.length;
  }

  // --- pool side ----------------------------------------------------------------

  /** Marks a job in flight in `cell`. */
  offer(cell: number, id: number): void {
    Atomics.store(this.cells, cell, id);
  }

  /** Takes a job back unless the worker has claimed it; true when taken. */
  revoke(cell: number, id: number): boolean {
    return Atomics.compareExchange(this.cells, cell, id, 0) === id;
  }

  /** The job running now and when it started, or undefined. */
  running(): { id: number; startedAt: number } | undefined {
    const id = Atomics.load(this.words, RUNNING);
    if (id <= 0) return undefined;
    // begin() writes the time before publishing the id, so this read sees that job's time.
    const startedAt = this.startedAt[0] as number;
    return Atomics.load(this.words, RUNNING) === id ? { id, startedAt } : undefined;
  }

  /** Stops the worker if `id` is still the job it runs; true when it was. */
  stop(id: number): boolean {
    return Atomics.compareExchange(this.words, RUNNING, id, STOPPED) === id;
  }

  workerIdle(): boolean {
    return Atomics.load(this.words, WORKER_IDLE) === 1;
  }

  /** Asks the worker to post a wake-up after its next result. */
  poolWaits(waiting: boolean): void {
    Atomics.store(this.words, POOL_WAITING, waiting ? 1 : 0);
  }

  // --- worker side --------------------------------------------------------------

  /** Claims a job for running; false when the pool revoked it. */
  claim(cell: number, id: number): boolean {
    return Atomics.compareExchange(this.cells, cell, id, -id) === id;
  }

  begin(id: number): void {
    this.startedAt[0] = monotonicMs();
    Atomics.store(this.words, RUNNING, id);
  }

  /** Ends the running job; false when the pool stopped this worker meanwhile. */
  end(id: number): boolean {
    return Atomics.compareExchange(this.words, RUNNING, id, 0) === id;
  }

  idle(idle: boolean): void {
    Atomics.store(this.words, WORKER_IDLE, idle ? 1 : 0);
  }

  /** True once per wait of the pool: the caller must post it a wake-up. */
  takeWakeRequest(): boolean {
    return (
      Atomics.load(this.words, POOL_WAITING) === 1 &&
      Atomics.compareExchange(this.words, POOL_WAITING, 1, 0) === 1
    );
  }

  /** Sleeps this thread for `ms` (nobody notifies word 3). */
  nap(ms: number): void {
    Atomics.wait(this.words, 3, 0, ms);
  }

  /** Blocks this thread for good (a stopped worker waits to be terminated). */
  park(): never {
    for (;;) Atomics.wait(this.words, 3, 0);
  }
}
