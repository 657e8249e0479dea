/**
 * What a previous agent left in a workload's control directory, checked against the
 * live system: a run that still runs (same pid, start time and boot), a run that ended
 * while no agent watched, or a wrapper with no state file (the agent died between
 * spawning it and writing state.json).
 */
import type { Logger } from 'pino';
import type { ControlFiles, RunState } from './control.js';
import { identify, isRunning, type ProcessIdentity, readCmdline } from './proc.js';
import { WRAPPER_NAME } from './wrapper.js';

export type Previous =
  | { kind: 'none' }
  | { kind: 'running'; state: RunState }
  | { kind: 'ended'; state: RunState; reported: boolean }
  | { kind: 'orphan'; identity: ProcessIdentity };

export function inspectPrevious(control: ControlFiles, logger: Logger): Previous {
  let state: RunState | undefined;
  try {
    state = control.readState();
  } catch (err) {
    // A damaged state file must not stop the node from running the workload; the
    // wrapper's own pid file below still finds a live process.
    logger.warn({ err, dir: control.dir }, 'unreadable workload state file; checking the wrapper pid file');
  }
  if (state) {
    if (isRunning(state)) return { kind: 'running', state };
    return { kind: 'ended', state, reported: control.isReported() };
  }
  const pid = control.readWrapperPid();
  if (pid === undefined) return { kind: 'none' };
  // Without a recorded start time, the command line proves the pid is still our
  // wrapper for this very directory and not a recycled pid.
  const argv = readCmdline(pid);
  if (!argv || argv[3] !== WRAPPER_NAME || argv[4] !== control.dir) return { kind: 'none' };
  const identity = identify(pid);
  return identity ? { kind: 'orphan', identity } : { kind: 'none' };
}
