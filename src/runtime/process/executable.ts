/**
 * Finds the program a workload runs, before spawning, so a missing executable is a
 * clear StartError naming the command rather than a shell's "not found" and exit 127.
 */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import type { WorkloadSpec } from '../driver.js';

/**
 * The program and its arguments. Like a container without an image entrypoint, an
 * empty `command` means `args[0]` is the program and the rest its arguments.
 */
export function programOf(spec: WorkloadSpec): { program: string; args: string[] } | undefined {
  const argv = spec.command.length > 0 ? [...spec.command, ...spec.args] : [...spec.args];
  const [program, ...args] = argv;
  return program === undefined || program === '' ? undefined : { program, args };
}

/**
 * The absolute path of `program`: relative to `cwd` when it contains a slash, else
 * the first match in `searchPath` (an empty entry means `cwd`, as in POSIX). Returns
 * undefined when nothing executable is found.
 */
export function resolveExecutable(program: string, searchPath: string, cwd: string): string | undefined {
  if (program.includes('/')) {
    const full = path.resolve(cwd, program);
    return isExecutableFile(full) ? full : undefined;
  }
  for (const dir of searchPath.split(':')) {
    const full = path.resolve(cwd, dir, program);
    if (isExecutableFile(full)) return full;
  }
  return undefined;
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    // Any failure (missing, not executable, unreadable dir) means "not this one";
    // the caller reports the command as not found.
    return false;
  }
}
