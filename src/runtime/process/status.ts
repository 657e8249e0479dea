/** WorkloadStatus values for the ways a process workload can be or end. */
import { constants } from 'node:os';
import type { WorkloadStatus } from '../driver.js';
import type { ExitRecord } from './control.js';

export function runningStatus(startedAt: string): WorkloadStatus {
  // No probes yet: a process that runs is ready.
  return { state: 'running', startedAt, ready: true };
}

/** How a run ended, as far as anyone knows. */
export interface Ending {
  record: ExitRecord;
  /** True when the wrapper wrote no record and the status is the driver's inference. */
  inferred?: 'killed-by-driver' | 'unrecorded';
}

/**
 * Terminated status. The shell reports a program killed by signal N as 128+N, the
 * same as a program that exits with that code, so for statuses above 128 the message
 * names the likely signal; the reason is `Error` either way, as in Kubernetes.
 */
export function terminatedStatus(
  ending: Ending,
  startedAt: string | undefined,
  finishedAt: string,
): WorkloadStatus {
  const { status, failure } = ending.record;
  const base = { state: 'terminated' as const, exitCode: status, finishedAt, ready: false };
  const withStart = startedAt ? { ...base, startedAt } : base;
  if (failure === 'limit') {
    return {
      ...withStart,
      reason: 'StartError',
      message: 'the memory limit could not be applied (see the stderr log)',
    };
  }
  if (ending.inferred === 'killed-by-driver') {
    return { ...withStart, reason: 'Error', message: 'killed with SIGKILL after the grace period' };
  }
  if (ending.inferred === 'unrecorded') {
    return {
      ...withStart,
      reason: 'Error',
      message:
        'exit status was not recorded: the workload was killed with SIGKILL (possibly by the OOM killer)',
    };
  }
  if (status === 0) return { ...withStart, reason: 'Completed' };
  const signal = status > 128 ? signalName(status - 128) : undefined;
  return {
    ...withStart,
    reason: 'Error',
    message: signal ? `exit status ${status} (${signal})` : `exit status ${status}`,
  };
}

/** A workload that could not be started at all (Kubernetes/containerd use exit code 128). */
export function startErrorStatus(message: string): WorkloadStatus {
  return {
    state: 'terminated',
    reason: 'StartError',
    message,
    exitCode: 128,
    finishedAt: new Date().toISOString(),
    ready: false,
  };
}

/** A workload whose preparation failed (bad mount, unwritable dir). */
export function createErrorStatus(message: string): WorkloadStatus {
  return { state: 'waiting', reason: 'CreateContainerError', message, ready: false };
}

function signalName(n: number): string | undefined {
  for (const [name, num] of Object.entries(constants.signals)) if (num === n) return name;
  return undefined;
}
