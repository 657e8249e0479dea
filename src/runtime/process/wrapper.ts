/**
 * The `sh` wrapper every workload runs under. It is the process-group leader the
 * driver signals and watches, and it outlives the agent, so it — not the agent —
 * records how the program ended:
 *
 * - writes its own pid to `<ctl>/pid` before anything else, so a pid is on disk even
 *   if the agent dies between spawn and writing state.json;
 * - applies the memory limit with `ulimit` (inherited by the program);
 * - runs the program in the foreground and writes its exit status to `<ctl>/exit`.
 *
 * Signals that would kill the wrapper before it records the status are trapped with a
 * no-op handler, not ignored: an ignored signal stays ignored across exec, a handled
 * one is reset to default, so the program still dies from SIGTERM as it should. POSIX
 * runs the trap only after the foreground program has finished, and keeps `$?`. A
 * signal that arrives before the program starts means "stop": the wrapper then
 * exits with 143 (SIGTERM) without running it.
 * Only SIGKILL (from stop() after the grace period, or the OOM killer) ends the
 * wrapper without a record; the driver fills that gap itself when it sent the signal.
 *
 * Only shell built-ins are used: the workload's PATH may not contain /bin.
 */
export const WRAPPER_SCRIPT = [
  // Variable names are prefixed: the wrapper's shell variables would otherwise
  // overwrite same-named variables of the workload's environment.
  '__ew_ctl=$1 __ew_limit=$2 __ew_kib=$3 __ew_stop=',
  'shift 3',
  'echo $$ > "$__ew_ctl/pid"',
  "trap '__ew_stop=1' TERM INT HUP QUIT",
  'case $__ew_limit in',
  '  data) ulimit -d "$__ew_kib" || { echo "edgewise: cannot set a memory limit of $__ew_kib KiB (ulimit -d)" >&2; echo "126 limit" > "$__ew_ctl/exit"; exit 126; } ;;',
  '  as) ulimit -v "$__ew_kib" || { echo "edgewise: cannot set a memory limit of $__ew_kib KiB (ulimit -v)" >&2; echo "126 limit" > "$__ew_ctl/exit"; exit 126; } ;;',
  'esac',
  // stop() right after start(): the signal reached only the wrapper; do not start the program.
  'if [ -n "$__ew_stop" ]; then echo 143 > "$__ew_ctl/exit"; exit 143; fi',
  '"$@"',
  '__ew_rc=$?',
  'echo "$__ew_rc" > "$__ew_ctl/exit"',
  'exit "$__ew_rc"',
].join('\n');

/** `$0` of the wrapper script: it shows in `ps` and, with the control dir after it, marks the process as ours. */
export const WRAPPER_NAME = 'edgewise-process';

export interface WrapperLimits {
  mode: 'data' | 'address-space' | 'none';
  memoryBytes: number | undefined;
}

/** Arguments for `sh -c WRAPPER_SCRIPT …` that run `program args…`. */
export function wrapperArgs(
  controlDir: string,
  limits: WrapperLimits,
  program: string,
  args: string[],
): string[] {
  const applies = limits.mode !== 'none' && limits.memoryBytes !== undefined;
  const mode = !applies ? 'none' : limits.mode === 'data' ? 'data' : 'as';
  // ulimit counts KiB; round up so a limit is never tighter than asked.
  const kib = applies ? String(Math.ceil((limits.memoryBytes as number) / 1024)) : '0';
  return ['-c', WRAPPER_SCRIPT, WRAPPER_NAME, controlDir, mode, kib, program, ...args];
}
