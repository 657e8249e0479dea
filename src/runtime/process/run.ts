/**
 * One run of a workload's process: started here, re-adopted from a previous agent, or
 * found already ended. Watches for the exit, collects logs, and turns the exit into a
 * terminated status exactly once.
 */
import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import type { WorkloadSpec, WorkloadStatus } from '../driver.js';
import type { ControlFiles, RunState } from './control.js';
import { StreamCollector } from './logs/collector.js';
import { STREAMS } from './logs/files.js';
import type { ResolvedProcessDriverOptions } from './options.js';
import { isRunning, killStragglers, type ProcessIdentity, programStarted, signalGroup } from './proc.js';
import { type Ending, runningStatus, terminatedStatus } from './status.js';

/** What a run needs to know of its workload: the id it reports under and where its logs are. */
export type RunTarget = Pick<WorkloadSpec, 'id' | 'logDir'>;

export interface RunContext {
  options: ResolvedProcessDriverOptions;
  /** Called with every status change of this run. */
  notify(id: string, status: WorkloadStatus): void;
}

export class ProcessRun {
  readonly target: RunTarget;
  readonly fingerprint: string;
  readonly control: ControlFiles;
  readonly identity: ProcessIdentity;
  readonly startedAt: string;
  readonly collectors: StreamCollector[];
  status: WorkloadStatus;
  private readonly ctx: RunContext;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly exited: Promise<void>;
  private resolveExited: () => void = () => {};
  private finishedFlag = false;
  private detached = false;
  private killSent = false;

  private constructor(state: RunState, target: RunTarget, control: ControlFiles, ctx: RunContext) {
    this.target = target;
    this.fingerprint = state.fingerprint;
    this.control = control;
    this.identity = { pid: state.pid, startTime: state.startTime, bootId: state.bootId };
    this.startedAt = state.startedAt;
    this.ctx = ctx;
    this.status = runningStatus(state.startedAt);
    this.exited = new Promise((resolve) => {
      this.resolveExited = resolve;
    });
    const { maxLogFileBytes, maxLogFiles, maxLogLineBytes } = ctx.options;
    const limits = { maxFileBytes: maxLogFileBytes, maxFiles: maxLogFiles, maxLineBytes: maxLogLineBytes };
    this.collectors = STREAMS.map((s) => new StreamCollector(target.logDir, s, limits));
  }

  /** A run this driver just spawned; its exit arrives as the child's 'exit' event. */
  static spawned(
    state: RunState,
    target: RunTarget,
    control: ControlFiles,
    ctx: RunContext,
    child: ChildProcess,
  ): ProcessRun {
    const run = new ProcessRun(state, target, control, ctx);
    child.on('exit', (code, signal) => run.finalize(code, signal));
    run.startLogTimer();
    // The wrapper may already have ended before its identity could be read.
    if (state.startTime < 0) run.checkExit();
    return run;
  }

  /** A run a previous agent started and that still runs: not our child, so it is polled. */
  static adopted(state: RunState, target: RunTarget, control: ControlFiles, ctx: RunContext): ProcessRun {
    const run = new ProcessRun(state, target, control, ctx);
    run.startLogTimer();
    run.timers.push(
      setInterval(() => run.guard('exit check', () => run.checkExit()), ctx.options.exitPollMs).unref(),
    );
    return run;
  }

  /** A run that ended while no agent watched it: reported from its exit record. */
  static ended(state: RunState, target: RunTarget, control: ControlFiles, ctx: RunContext): ProcessRun {
    const run = new ProcessRun(state, target, control, ctx);
    run.finalize(null, null);
    return run;
  }

  get finished(): boolean {
    return this.finishedFlag;
  }

  /** Signals the whole process group, if the wrapper is still the process we started. */
  signal(signal: NodeJS.Signals): void {
    if (this.finishedFlag || !isRunning(this.identity)) return;
    if (signal === 'SIGKILL') this.killSent = true;
    signalGroup(this.identity.pid, signal);
  }

  /**
   * Waits up to `ms` until the program has been exec'd (or the run ended). A SIGTERM
   * that reaches the wrapper's child between fork and exec lands in the shell's trap
   * and is lost at exec, so stop() right after start() waits for this first.
   */
  async waitForProgram(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.finishedFlag && Date.now() < deadline) {
      if (!isRunning(this.identity) || programStarted(this.identity)) return;
      await sleep(10);
    }
  }

  /** Waits up to `ms` for the run to end; true when it did. */
  async waitExit(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.finishedFlag) {
      this.checkExit();
      const left = deadline - Date.now();
      if (this.finishedFlag || left <= 0) break;
      await Promise.race([this.exited, sleep(Math.min(50, left))]);
    }
    return this.finishedFlag;
  }

  /** Finalizes the run if its wrapper is gone (exited, reaped, or its pid reused). */
  checkExit(): void {
    if (!this.finishedFlag && !this.detached && !isRunning(this.identity)) this.finalize(null, null);
  }

  /** Stops watching without touching the process (agent restart). */
  detach(): void {
    if (this.detached || this.finishedFlag) return;
    this.detached = true;
    this.clearTimers();
    for (const c of this.collectors) c.detach();
  }

  private startLogTimer(): void {
    const tick = () => {
      for (const c of this.collectors) this.guard(`${c.stream} log collection`, () => c.tick());
    };
    this.timers.push(setInterval(tick, this.ctx.options.logPollMs).unref());
  }

  private finalize(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.finishedFlag || this.detached) return;
    this.finishedFlag = true;
    this.clearTimers();
    // Each step is guarded: whatever fails, the run must still end with a status.
    let ending: Ending = { record: { status: 128 + constants.signals.SIGKILL }, inferred: 'unrecorded' };
    this.guard('reading the exit record', () => {
      ending = this.ending(code, signal);
    });
    // Daemons the program forked die with it, as in a container.
    this.guard('killing leftover processes', () => killStragglers(this.identity));
    for (const c of this.collectors) this.guard(`${c.stream} log drain`, () => c.finish());
    this.guard('recording the exit', () => {
      // Later agents read the same outcome, and know it has been reported.
      if (ending.inferred) this.control.writeExit(ending.record);
      this.control.markReported();
    });
    this.status = terminatedStatus(ending, this.startedAt, new Date().toISOString());
    this.resolveExited();
    this.ctx.notify(this.target.id, this.status);
  }

  private ending(code: number | null, signal: NodeJS.Signals | null): Ending {
    const record = this.control.readExit();
    if (record) return { record };
    if (this.killSent)
      return { record: { status: 128 + constants.signals.SIGKILL }, inferred: 'killed-by-driver' };
    // Only SIGKILL gets past the wrapper's traps, and the wrapper's exit code is the program's.
    if (signal && signal !== 'SIGKILL') return { record: { status: 128 + constants.signals[signal] } };
    if (code !== null && !signal) return { record: { status: code } };
    return { record: { status: 128 + constants.signals.SIGKILL }, inferred: 'unrecorded' };
  }

  private clearTimers(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
  }

  /** Background work must not crash the agent; failures go to the log with the workload id. */
  private guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.ctx.options.logger.warn({ err, workload: this.target.id }, `${what} failed`);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
