/** ProcessDriver options: defaults → validation → a frozen object. */
import { type Logger, pino } from 'pino';
import { EdgewiseError } from '../../api/errors.js';

export interface ProcessDriverOptions {
  /**
   * Where the driver records which workloads it started (one small JSON file per
   * workload), so a restarted agent can stop a workload it has not been asked to
   * start again — a pod deleted while the agent was down. Without it, `stop(id)` of an
   * id this instance never started is a no-op, as the interface says.
   * @default undefined (no registry)
   */
  stateDir?: string;
  /**
   * PATH given to workloads whose env does not set one, and searched for `command`.
   * @default the agent's own PATH, else `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`
   */
  path?: string;
  /** The POSIX shell that runs the wrapper around each workload. @default '/bin/sh' */
  shell?: string;
  /**
   * What `close()` does with running workloads. `detach`: leave them running so the
   * next agent re-adopts them (an agent restart or upgrade); `stop`: stop them all
   * with `graceSeconds` (a deliberate shutdown such as `edgewise up` and Ctrl-C).
   * @default 'detach'
   */
  onClose?: 'detach' | 'stop';
  /** Grace between SIGTERM and SIGKILL when `stop` is given none. @default 30 */
  graceSeconds?: number;
  /**
   * How `limits.memoryBytes` is applied. `data`: RLIMIT_DATA (`ulimit -d`), which
   * counts heap and private writable mappings but not reserved address space, so
   * runtimes such as Node.js, the JVM and Go still start; `address-space`: RLIMIT_AS
   * (`ulimit -v`), stricter and breaks those runtimes; `none`: not applied.
   * @default 'data'
   */
  memoryLimit?: 'data' | 'address-space' | 'none';
  /** Bytes a stdout or stderr log file may reach before it is rotated. @default 10 MiB */
  maxLogFileBytes?: number;
  /** Log files kept per stream, the live one included (2 → `stdout.log` and `stdout.log.1`). @default 3 */
  maxLogFiles?: number;
  /** Longest log line; longer output is split into several lines. @default 64 KiB */
  maxLogLineBytes?: number;
  /** How often log files are checked for new lines, timestamps and rotation. @default 500 */
  logPollMs?: number;
  /** How often a re-adopted workload (not our child) is checked for exit. @default 500 */
  exitPollMs?: number;
  /** Where warnings go (a log file that cannot be rotated, …). @default pino at level info */
  logger?: Logger;
}

export type ResolvedProcessDriverOptions = Readonly<
  Required<Omit<ProcessDriverOptions, 'stateDir' | 'logger'>> & {
    stateDir: string | undefined;
    logger: Logger;
  }
>;

const MiB = 1024 * 1024;
const FALLBACK_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const POSITIVE = ['maxLogFileBytes', 'maxLogFiles', 'maxLogLineBytes', 'logPollMs', 'exitPollMs'] as const;
const KNOWN = new Set<string>([
  ...POSITIVE,
  'stateDir',
  'path',
  'shell',
  'onClose',
  'graceSeconds',
  'memoryLimit',
  'logger',
]);

export function resolveProcessDriverOptions(
  options: ProcessDriverOptions = {},
): ResolvedProcessDriverOptions {
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      throw new EdgewiseError(
        'EW_INVALID',
        `unknown ProcessDriver option "${key}"; known: ${[...KNOWN].join(', ')}`,
      );
    }
  }
  for (const key of POSITIVE) {
    const v = options[key];
    if (v !== undefined && (!Number.isInteger(v) || v <= 0)) {
      throw invalidOption(key, 'a positive integer', v);
    }
  }
  const grace = options.graceSeconds;
  if (grace !== undefined && (!Number.isFinite(grace) || grace < 0)) {
    throw invalidOption('graceSeconds', 'a number ≥ 0', grace);
  }
  if (options.onClose !== undefined && options.onClose !== 'detach' && options.onClose !== 'stop') {
    throw invalidOption('onClose', '"detach" or "stop"', options.onClose);
  }
  const limit = options.memoryLimit;
  if (limit !== undefined && limit !== 'data' && limit !== 'address-space' && limit !== 'none') {
    throw invalidOption('memoryLimit', '"data", "address-space" or "none"', limit);
  }
  for (const key of ['stateDir', 'path', 'shell'] as const) {
    const v = options[key];
    if (v !== undefined && (typeof v !== 'string' || v === ''))
      throw invalidOption(key, 'a non-empty string', v);
  }
  return Object.freeze({
    stateDir: options.stateDir,
    // The one place the agent's environment is read: the CLI may pass `path` instead.
    path: options.path ?? process.env.PATH ?? FALLBACK_PATH,
    shell: options.shell ?? '/bin/sh',
    onClose: options.onClose ?? 'detach',
    graceSeconds: options.graceSeconds ?? 30,
    memoryLimit: options.memoryLimit ?? 'data',
    maxLogFileBytes: options.maxLogFileBytes ?? 10 * MiB,
    maxLogFiles: options.maxLogFiles ?? 3,
    maxLogLineBytes: options.maxLogLineBytes ?? 64 * 1024,
    logPollMs: options.logPollMs ?? 500,
    exitPollMs: options.exitPollMs ?? 500,
    logger: (options.logger ?? pino({ level: 'info' })).child({ component: 'runtime.process' }),
  });
}

function invalidOption(key: string, expected: string, got: unknown): EdgewiseError {
  return new EdgewiseError(
    'EW_INVALID',
    `ProcessDriver option ${key} must be ${expected}, got ${String(got)}`,
  );
}
