/**
 * What Linux says about a process, read from /proc. A pid alone does not identify a
 * process — pids are recycled — so the driver pairs it with the start time (clock
 * ticks since boot, field 22 of /proc/<pid>/stat) and the boot id.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  /** One letter: R running, S sleeping, Z zombie, … */
  state: string;
  pgrp: number;
  /** Clock ticks after boot at which the process started. */
  startTime: number;
}

/** The process's stat line, or undefined when no such pid exists. */
export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (err) {
    if (isGone(err)) return undefined;
    throw err;
  }
  // comm (field 2) is in parentheses and may itself contain spaces or parentheses,
  // so fields are counted from the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = rest[0];
  const pgrp = Number(rest[2]);
  const startTime = Number(rest[19]);
  if (state === undefined || !Number.isInteger(pgrp) || !Number.isInteger(startTime)) {
    throw new Error(`unexpected format of /proc/${pid}/stat: ${text.slice(0, 200)}`);
  }
  return { pid, state, pgrp, startTime };
}

let cachedBootId: string | undefined;

/** This boot's id; a start time from another boot means another process. */
export function bootId(): string {
  cachedBootId ??= readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  return cachedBootId;
}

/** The identity recorded for a workload's wrapper process. */
export interface ProcessIdentity {
  pid: number;
  startTime: number;
  bootId: string;
}

/** True while the process recorded as `id` still runs (not exited, not a recycled pid). */
export function isRunning(id: ProcessIdentity): boolean {
  if (id.bootId !== bootId()) return false;
  const stat = readProcStat(id.pid);
  return stat !== undefined && stat.startTime === id.startTime && stat.state !== 'Z' && stat.state !== 'X';
}

/** The identity of a live process, or undefined when it is already gone. */
export function identify(pid: number): ProcessIdentity | undefined {
  const stat = readProcStat(pid);
  return stat ? { pid, startTime: stat.startTime, bootId: bootId() } : undefined;
}

/**
 * Sends a signal to a whole process group. Returns false when the group no longer
 * exists (ESRCH), which callers treat as "already gone".
 */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/**
 * Kills what is left of a workload's process group after its leader (the wrapper)
 * is gone — daemons a workload forked — as a container's exit ends all its
 * processes. A group id cannot be handed to a new process while members of the old
 * group live, so when /proc/<pgid> shows a different process, the old group is empty
 * and nothing is signalled.
 */
export function killStragglers(leader: ProcessIdentity): void {
  if (leader.bootId !== bootId()) return;
  const stat = readProcStat(leader.pid);
  if (stat && stat.startTime !== leader.startTime) return;
  signalGroup(leader.pid, 'SIGKILL');
}

function isGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ESRCH';
}

/** The argv of a live process, or undefined when it is gone. */
export function readCmdline(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch (err) {
    if (isGone(err)) return undefined;
    throw err;
  }
}

/**
 * True once a process other than the leader runs in the leader's group with a
 * different command line — the wrapper's child has exec'd the program. Between fork
 * and exec the child is a copy of the shell with its signal traps, and a signal sent
 * then would be swallowed; see ProcessRun.waitForProgram.
 */
export function programStarted(leader: ProcessIdentity): boolean {
  const leaderArgv = readCmdline(leader.pid)?.join('\0');
  if (leaderArgv === undefined) return false;
  for (const entry of readdirSync('/proc')) {
    if (entry.charCodeAt(0) > 57 || entry === String(leader.pid)) continue;
    const pid = Number(entry);
    const stat = readProcStat(pid);
    if (stat?.pgrp !== leader.pid) continue;
    const argv = readCmdline(pid)?.join('\0');
    if (argv !== undefined && argv !== leaderArgv) return true;
  }
  return false;
}
