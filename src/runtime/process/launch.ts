/**
 * Spawns a workload so that it outlives the agent: detached into its own session and
 * process group (setsid), stdio straight into its log files rather than pipes into the
 * agent (a pipe would break — SIGPIPE — when the agent dies), and unref'd so the
 * agent can exit without waiting for it. Node opens files with O_CLOEXEC, so the
 * agent's sockets and files do not leak into the workload.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { WorkloadSpec } from '../driver.js';
import type { ControlFiles } from './control.js';
import { logFile } from './logs/files.js';
import type { ResolvedProcessDriverOptions } from './options.js';
import { wrapperArgs } from './wrapper.js';

export interface LaunchRequest {
  spec: WorkloadSpec;
  /** Absolute path of the program, already resolved. */
  program: string;
  args: string[];
  env: Record<string, string>;
  control: ControlFiles;
  options: ResolvedProcessDriverOptions;
}

/** Starts the wrapper. `pid` is undefined when spawning failed; the 'error' event says why. */
export function launch(req: LaunchRequest): ChildProcess {
  const { spec, options } = req;
  // O_APPEND: the program's writes always land at the end, so copy-and-truncate
  // rotation leaves no hole of zeros at the old offset.
  const out = openSync(logFile(spec.logDir, 'stdout'), 'a');
  let err: number | undefined;
  try {
    err = openSync(logFile(spec.logDir, 'stderr'), 'a');
    const limits = { mode: options.memoryLimit, memoryBytes: spec.limits.memoryBytes };
    const child = spawn(options.shell, wrapperArgs(req.control.dir, limits, req.program, req.args), {
      cwd: spec.workDir,
      env: req.env,
      detached: true,
      stdio: ['ignore', out, err],
    });
    child.unref();
    return child;
  } finally {
    // The child has its own copies of the descriptors; the agent keeps none open.
    closeSync(out);
    if (err !== undefined) closeSync(err);
  }
}
