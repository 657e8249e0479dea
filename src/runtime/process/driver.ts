/**
 * The `process` runtime driver: runs a host command as a workload, for edge boxes
 * without containers. Workloads outlive the agent — detached, logging to files — and a
 * restarted agent re-adopts them instead of starting them twice. See
 * docs/runtime-process.md.
 */

import { once } from 'node:events';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { EdgewiseError } from '../../api/errors.js';
import type {
  DriverCapabilities,
  LogLine,
  LogOptions,
  RuntimeDriver,
  StartedWorkload,
  WorkloadSpec,
  WorkloadStatus,
} from '../driver.js';
import { ControlFiles, type RunState } from './control.js';
import { workloadEnv } from './env.js';
import { programOf, resolveExecutable } from './executable.js';
import { fingerprint } from './fingerprint.js';
import { launch } from './launch.js';
import { readLogs } from './logs/reader.js';
import { materializeMounts } from './mounts.js';
import {
  type ProcessDriverOptions,
  type ResolvedProcessDriverOptions,
  resolveProcessDriverOptions,
} from './options.js';
import { inspectPrevious } from './previous.js';
import { bootId, identify, killStragglers, type ProcessIdentity, signalGroup } from './proc.js';
import { type RecordedWorkload, Registry } from './registry.js';
import { ProcessRun, type RunContext, type RunTarget } from './run.js';
import { createErrorStatus, startErrorStatus } from './status.js';

/** The RuntimeClass handler this driver serves. */
export const PROCESS_HANDLER = 'process';

/** How long stop() waits for the wrapper to exec the program before signalling anyway. */
const PROGRAM_START_WAIT_MS = 2_000;

/** How long stop() waits for a process group to vanish after SIGKILL before giving up. */
const KILL_WAIT_MS = 10_000;

type StatusListener = (id: string, status: WorkloadStatus) => void;

export class ProcessDriver implements RuntimeDriver {
  readonly name = 'process';
  readonly options: ResolvedProcessDriverOptions;
  private readonly runs = new Map<string, ProcessRun>();
  /** Workloads that could not start: their status stays visible until stop(id) or a new start. */
  private readonly failed = new Map<string, WorkloadStatus>();
  private readonly listeners: StatusListener[] = [];
  private readonly locks = new Map<string, Promise<void>>();
  private readonly registry: Registry;
  private readonly ctx: RunContext;
  /** For runs the driver replaces on its own (changed spec, orphan): nobody needs their end. */
  private readonly quietCtx: RunContext;
  private closed = false;

  constructor(options: ProcessDriverOptions = {}) {
    this.options = resolveProcessDriverOptions(options);
    this.registry = new Registry(this.options.stateDir);
    this.ctx = { options: this.options, notify: (id, status) => this.emit(id, status) };
    this.quietCtx = { options: this.options, notify: () => {} };
  }

  async capabilities(): Promise<DriverCapabilities> {
    if (process.platform !== 'linux') {
      return { available: false, reason: 'the process driver needs Linux (it reads /proc)', handlers: [] };
    }
    try {
      accessSync(this.options.shell, constants.X_OK);
    } catch {
      // Any access failure means the same thing to a user: no usable shell.
      return { available: false, reason: `${this.options.shell} is missing or not executable`, handlers: [] };
    }
    return { available: true, handlers: [PROCESS_HANDLER] };
  }

  /**
   * Starts the workload, or returns the running one when the same spec is already
   * running — in this driver or, re-adopted, from a previous agent. A run that ended
   * is started again; a running one with a different spec is replaced.
   */
  start(spec: WorkloadSpec): Promise<StartedWorkload> {
    return this.exclusive(spec.id, () => this.startNow(spec));
  }

  /** SIGTERM to the process group, SIGKILL after the grace period; resolves once gone. */
  stop(id: string, options: { graceSeconds?: number } = {}): Promise<void> {
    return this.exclusive(id, () => this.stopNow(id, options.graceSeconds ?? this.options.graceSeconds));
  }

  status(id: string): WorkloadStatus | undefined {
    return this.runs.get(id)?.status ?? this.failed.get(id);
  }

  onStatusChange(listener: StatusListener): void {
    this.listeners.push(listener);
  }

  logs(id: string, options?: LogOptions): AsyncIterable<LogLine> {
    const run = this.runs.get(id);
    if (!run) return (async function* () {})();
    return readLogs(run.collectors, options);
  }

  /**
   * Lets go of every workload. With `onClose: 'detach'` (the default) they keep running
   * for the next agent to re-adopt; with `onClose: 'stop'` they are stopped first.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all(this.locks.values());
    if (this.options.onClose === 'stop') await this.stopAll();
    this.closed = true;
    for (const run of this.runs.values()) run.detach();
    this.runs.clear();
    this.failed.clear();
  }

  /**
   * Stops every workload this driver tracks or has recorded in its stateDir — a
   * deliberate shutdown of the node's workloads, unlike close().
   */
  async stopAll(options: { graceSeconds?: number } = {}): Promise<void> {
    const ids = new Set([...this.runs.keys(), ...this.registry.list().map((r) => r.id)]);
    await Promise.all([...ids].map((id) => this.stop(id, options)));
  }

  /** Workloads recorded in stateDir (started by this or an earlier agent and not stopped). */
  recorded(): RecordedWorkload[] {
    return this.registry.list();
  }

  private async startNow(spec: WorkloadSpec): Promise<StartedWorkload> {
    if (this.closed) throw new EdgewiseError('EW_UNAVAILABLE', 'the process driver is closed');
    if (spec.handler !== PROCESS_HANDLER) {
      throw new EdgewiseError(
        'EW_INVALID',
        `runtime handler "${spec.handler}" is not served by the process driver (${PROCESS_HANDLER})`,
      );
    }
    const fp = fingerprint(spec);
    const current = this.runs.get(spec.id);
    if (current) {
      if (!current.finished && current.fingerprint === fp) return { status: current.status };
      await this.halt(current, this.options.graceSeconds);
      this.runs.delete(spec.id);
    } else {
      const resumed = await this.resume(spec, fp);
      if (resumed) return { status: resumed.status };
    }
    this.failed.delete(spec.id);
    return { status: await this.launchFresh(spec, fp) };
  }

  /** Re-adopts or reports what a previous agent left; undefined means "start afresh". */
  private async resume(spec: WorkloadSpec, fp: string): Promise<ProcessRun | undefined> {
    const control = new ControlFiles(spec.workDir);
    const previous = inspectPrevious(control, this.options.logger);
    switch (previous.kind) {
      case 'none':
        return undefined;
      case 'running': {
        if (previous.state.fingerprint !== fp) {
          this.options.logger.info(
            { workload: spec.id },
            'spec changed while the agent was away; replacing the process',
          );
          await this.halt(
            ProcessRun.adopted(previous.state, spec, control, this.quietCtx),
            this.options.graceSeconds,
          );
          return undefined;
        }
        const run = ProcessRun.adopted(previous.state, spec, control, this.ctx);
        this.track(run, spec);
        return run;
      }
      case 'orphan': {
        // Its spec is unknown (no state file), so it cannot be trusted to be this one.
        const state = orphanState(spec.id, previous.identity);
        await this.halt(ProcessRun.adopted(state, spec, control, this.quietCtx), this.options.graceSeconds);
        return undefined;
      }
      case 'ended': {
        killStragglers(previous.state);
        // An exit nobody has reported yet is reported now, not overwritten by a new
        // run: restartPolicy decides whether it runs again (a Job must not run twice).
        if (previous.reported || previous.state.fingerprint !== fp) return undefined;
        const run = ProcessRun.ended(previous.state, spec, control, this.quietCtx);
        this.track(run, spec);
        return run;
      }
    }
  }

  private async launchFresh(spec: WorkloadSpec, fp: string): Promise<WorkloadStatus> {
    const control = new ControlFiles(spec.workDir);
    this.prepare(spec, control);
    const env = workloadEnv(spec, this.options.path);
    const program = programOf(spec);
    if (!program) {
      return this.startError(
        spec.id,
        `container "${spec.container}" has neither command nor args: nothing to run`,
      );
    }
    const executable = resolveExecutable(program.program, env.PATH ?? '', spec.workDir);
    if (!executable) {
      return this.startError(
        spec.id,
        program.program.includes('/')
          ? `executable "${program.program}" not found or not executable (relative to ${spec.workDir})`
          : `executable "${program.program}" not found in PATH (${env.PATH ?? ''})`,
      );
    }
    this.registry.record(spec);
    const child = launch({
      spec,
      program: executable,
      args: program.args,
      env,
      control,
      options: this.options,
    });
    const pid = child.pid;
    if (pid === undefined) {
      const [err] = (await once(child, 'error')) as [Error];
      return this.startError(
        spec.id,
        `cannot run ${this.options.shell} to start "${program.program}": ${err.message}`,
      );
    }
    child.on('error', (err) =>
      this.options.logger.warn({ err, workload: spec.id }, 'workload process error'),
    );
    const identity = identify(pid) ?? { pid, startTime: -1, bootId: bootId() };
    const state: RunState = {
      id: spec.id,
      fingerprint: fp,
      ...identity,
      startedAt: new Date().toISOString(),
    };
    let run: ProcessRun;
    try {
      control.writeState(state);
      run = ProcessRun.spawned(state, spec, control, this.ctx, child);
    } catch (err) {
      // A process nobody can track would run forever and twice after a restart.
      signalGroup(pid, 'SIGKILL');
      throw this.setupFailed(spec, err);
    }
    this.track(run, spec);
    return run.status;
  }

  /** Directories, mount symlinks and a clean control directory; CreateContainerError on failure. */
  private prepare(spec: WorkloadSpec, control: ControlFiles): void {
    try {
      mkdirSync(spec.workDir, { recursive: true });
      mkdirSync(spec.logDir, { recursive: true });
      materializeMounts(spec.workDir, spec.mounts);
      control.reset();
    } catch (err) {
      throw this.setupFailed(spec, err);
    }
  }

  private setupFailed(spec: WorkloadSpec, err: unknown): EdgewiseError {
    const error = EdgewiseError.is(err)
      ? err
      : new EdgewiseError(
          'EW_INTERNAL',
          `process driver: preparing ${spec.id} failed: ${err instanceof Error ? err.message : String(err)}`,
          undefined,
          { cause: err },
        );
    this.failed.set(spec.id, createErrorStatus(error.message));
    this.emit(spec.id, createErrorStatus(error.message));
    return error;
  }

  private startError(id: string, message: string): WorkloadStatus {
    const status = startErrorStatus(message);
    this.failed.set(id, status);
    this.emit(id, status);
    return status;
  }

  private track(run: ProcessRun, spec: WorkloadSpec): void {
    this.runs.set(spec.id, run);
    this.registry.record(spec);
    this.emit(spec.id, run.status);
  }

  private async stopNow(id: string, graceSeconds: number): Promise<void> {
    this.failed.delete(id);
    const run = this.runs.get(id) ?? this.recordedRun(id);
    if (!run) return;
    await this.halt(run, graceSeconds);
    this.runs.delete(id);
    run.control.remove();
    this.registry.forget(id);
  }

  /**
   * A workload this agent has not started but an earlier one recorded: adopted just
   * to be stopped (a pod deleted while the agent was down).
   */
  private recordedRun(id: string): ProcessRun | undefined {
    const entry = this.registry.lookup(id);
    if (!entry) return undefined;
    const control = new ControlFiles(entry.workDir);
    const target: RunTarget = { id, logDir: entry.logDir };
    const previous = inspectPrevious(control, this.options.logger);
    switch (previous.kind) {
      case 'running':
        return ProcessRun.adopted(previous.state, target, control, this.ctx);
      case 'orphan':
        return ProcessRun.adopted(orphanState(id, previous.identity), target, control, this.ctx);
      case 'ended':
        killStragglers(previous.state);
        return ProcessRun.ended(previous.state, target, control, this.quietCtx);
      case 'none':
        control.remove();
        this.registry.forget(id);
        return undefined;
    }
  }

  private async halt(run: ProcessRun, graceSeconds: number): Promise<void> {
    if (run.finished) return;
    await run.waitForProgram(PROGRAM_START_WAIT_MS);
    run.signal('SIGTERM');
    if (await run.waitExit(graceSeconds * 1000)) return;
    run.signal('SIGKILL');
    if (await run.waitExit(KILL_WAIT_MS)) return;
    throw new EdgewiseError(
      'EW_TIMEOUT',
      `workload ${run.target.id} (pid ${run.identity.pid}) still runs ${KILL_WAIT_MS / 1000} s after SIGKILL`,
    );
  }

  /** Runs operations on one workload id one at a time, in call order. */
  private exclusive<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(id) ?? Promise.resolve();
    const result = previous.then(fn);
    // The chain only orders calls; each caller gets its own result and error.
    const settled = result.then(
      () => {},
      () => {},
    );
    this.locks.set(id, settled);
    void settled.then(() => {
      if (this.locks.get(id) === settled) this.locks.delete(id);
    });
    return result;
  }

  private emit(id: string, status: WorkloadStatus): void {
    for (const listener of this.listeners) {
      try {
        listener(id, status);
      } catch (err) {
        this.options.logger.error({ err, workload: id }, 'status listener threw');
      }
    }
  }
}

/** State for a wrapper found without a state file; its empty fingerprint matches no spec. */
function orphanState(id: string, identity: ProcessIdentity): RunState {
  return { id, fingerprint: '', ...identity, startedAt: new Date().toISOString() };
}
