/** Shared helpers for the process driver tests: temp dirs, specs, bounded waits, cleanup. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { LogLine, RuntimeDriver, WorkloadSpec, WorkloadStatus } from '../../../src/runtime/driver.js';
import type { ProcessDriverOptions } from '../../../src/runtime/process/index.js';

export const quietLogger = pino({ level: 'warn' });

/** Driver options for tests: fast polls so waits are short, warnings still printed. */
export function testOptions(root: string, extra: ProcessDriverOptions = {}): ProcessDriverOptions {
  return { stateDir: path.join(root, 'state'), logPollMs: 20, exitPollMs: 20, logger: quietLogger, ...extra };
}

export class TempRoot {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'edgewise-process-'));
  private counter = 0;

  /** A fresh workload name with its own workDir and logDir. */
  next(prefix = 'w'): string {
    this.counter += 1;
    return `${prefix}${this.counter}`;
  }

  /**
   * Kills every wrapper group started under this root that is still alive — only
   * processes whose command line names one of our control directories — then removes
   * the directory.
   */
  cleanup(): void {
    for (const pid of wrapperPids(this.dir)) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Pids of live wrappers whose control directory lies under `root`. */
export function wrapperPids(root: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // exited while we looked
    }
    if (argv[3] === 'edgewise-process' && argv[4]?.startsWith(root)) pids.push(Number(entry));
  }
  return pids;
}

/** True while a process with this pid exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** The wrapper pid the driver recorded for a workload. */
export function recordedPid(spec: WorkloadSpec): number {
  const state = JSON.parse(readFileSync(path.join(spec.workDir, '.edgewise', 'state.json'), 'utf8')) as {
    pid: number;
  };
  return state.pid;
}

/** A spec that runs `node -e script args…`. */
export function nodeSpec(
  root: TempRoot,
  script: string,
  overrides: Partial<WorkloadSpec> = {},
): WorkloadSpec {
  const name = overrides.container ?? root.next();
  const uid = `uid-${name}`;
  return {
    id: `${uid}/${name}`,
    pod: { namespace: 'default', name: `pod-${name}`, uid },
    container: name,
    handler: 'process',
    image: 'host',
    command: [process.execPath],
    args: ['-e', script],
    env: {},
    workDir: path.join(root.dir, 'work', name),
    logDir: path.join(root.dir, 'logs', name),
    ports: [],
    mounts: [],
    limits: {},
    ...overrides,
  };
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `ms`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function waitForState(
  driver: RuntimeDriver,
  id: string,
  state: WorkloadStatus['state'],
  ms = 10_000,
): Promise<WorkloadStatus> {
  return waitFor(
    `${id} to be ${state}`,
    () => {
      const s = driver.status(id);
      return s?.state === state ? s : undefined;
    },
    ms,
  );
}

/** Reads up to `max` lines of an iterator, failing if it does not finish within `ms`. */
export async function collect(
  lines: AsyncIterable<LogLine>,
  ms = 10_000,
  max = Number.POSITIVE_INFINITY,
): Promise<LogLine[]> {
  const out: LogLine[] = [];
  const it = lines[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject(new Error(`log iterator still open after ${ms} ms (${out.length} lines)`));
    }, ms);
  });
  try {
    while (out.length < max) {
      const next = await Promise.race([it.next(), timeout]);
      if (next.done) break;
      out.push(next.value);
    }
  } finally {
    clearTimeout(timer);
    // A generator stuck in a pending next() would make return() wait forever too.
    if (!timedOut) await it.return?.();
  }
  return out;
}

/** Like waitFor, for an asynchronous check. */
export async function waitForAsync<T>(
  what: string,
  check: () => Promise<T | undefined>,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
