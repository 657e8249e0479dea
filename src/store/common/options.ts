/**
 * Options every store takes, and the checks both factories run: defaults, then
 * validation (unknown options rejected with the list of known ones), then a frozen
 * resolved object.
 */
import { EdgewiseError } from '../../api/errors.js';

/** The logging a store does (background failures only). A pino logger satisfies it. */
export interface StoreLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

/** Automatic compaction: keep the newest revisions of history, drop the rest. */
export interface CompactionPolicy {
  /**
   * Revisions of history to keep; watches and continued lists can start this far back.
   * @default 100000
   */
  retainRevisions?: number;
  /**
   * How often the policy runs, in milliseconds (an unref'd timer: it never keeps the
   * process alive).
   * @default 60000
   */
  intervalMs?: number;
}

export interface CommonStoreOptions {
  /**
   * Automatic compaction policy, or `false` to compact only when `compact()` is called.
   * @default { retainRevisions: 100000, intervalMs: 60000 }
   */
  compaction?: CompactionPolicy | false;
  /**
   * Receives failures of background work (compaction, PostgreSQL notifications),
   * which have no caller to reject.
   * @default a logger that emits process warnings
   */
  logger?: StoreLogger;
}

export interface ResolvedCommonOptions {
  readonly compaction: Readonly<Required<CompactionPolicy>> | false;
  readonly logger: StoreLogger;
}

export const DEFAULT_COMPACTION: Readonly<Required<CompactionPolicy>> = Object.freeze({
  retainRevisions: 100_000,
  intervalMs: 60_000,
});

const warningLogger: StoreLogger = {
  warn: (obj, msg) => process.emitWarning(`${msg} ${JSON.stringify(obj)}`, { code: 'EDGEWISE_STORE' }),
  error: (obj, msg) => process.emitWarning(`${msg} ${JSON.stringify(obj)}`, { code: 'EDGEWISE_STORE' }),
};

/** Checks one option's value; returns what is wrong, or undefined. */
export type OptionCheck = (value: unknown) => string | undefined;

export const isString: OptionCheck = (v) =>
  typeof v === 'string' && v !== '' ? undefined : 'must be a non-empty string';
export const isPositiveInteger: OptionCheck = (v) =>
  Number.isSafeInteger(v) && (v as number) > 0 ? undefined : 'must be a positive integer';

const isLogger: OptionCheck = (v) =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as StoreLogger).warn === 'function' &&
  typeof (v as StoreLogger).error === 'function'
    ? undefined
    : 'must have warn(obj, msg) and error(obj, msg) methods';

const isCompaction: OptionCheck = (v) => {
  if (v === false) return undefined;
  if (typeof v !== 'object' || v === null) return 'must be false or { retainRevisions?, intervalMs? }';
  try {
    checkOptions('compaction', v, { retainRevisions: isPositiveInteger, intervalMs: isPositiveInteger });
  } catch (err) {
    // Reported by the caller as the problem with the `compaction` option.
    return (err as Error).message;
  }
  return undefined;
};

export const COMMON_OPTION_CHECKS: Record<string, OptionCheck> = {
  compaction: isCompaction,
  logger: isLogger,
};

/**
 * Throws EW_BAD_REQUEST naming the first unknown, missing or invalid option.
 * `undefined` values count as omitted.
 */
export function checkOptions(
  where: string,
  options: unknown,
  checks: Record<string, OptionCheck>,
  required: readonly string[] = [],
): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new EdgewiseError('EW_BAD_REQUEST', `${where} options must be an object`);
  }
  const given = options as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(checks, key)) {
      throw new EdgewiseError(
        'EW_BAD_REQUEST',
        `unknown ${where} option "${key}"; known options: ${Object.keys(checks).join(', ')}`,
      );
    }
  }
  for (const key of required) {
    if (given[key] === undefined)
      throw new EdgewiseError('EW_BAD_REQUEST', `${where} option "${key}" is required`);
  }
  for (const [key, check] of Object.entries(checks)) {
    if (given[key] === undefined) continue;
    const problem = check(given[key]);
    if (problem) throw new EdgewiseError('EW_BAD_REQUEST', `${where} option "${key}" ${problem}`);
  }
}

/** Applies defaults to already-checked common options. */
export function resolveCommonOptions(options: CommonStoreOptions): ResolvedCommonOptions {
  const compaction =
    options.compaction === false
      ? false
      : Object.freeze({ ...DEFAULT_COMPACTION, ...stripUndefined(options.compaction ?? {}) });
  return Object.freeze({ compaction, logger: options.logger ?? warningLogger });
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
