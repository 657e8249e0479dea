/** WasmDriver options: defaults → validation → a frozen object. */
import { EdgewiseError } from '../../api/errors.js';
import type { GuestRunner } from './exec/job.js';
import { DEFAULT_HOST_LIMITS, type HostLimits } from './host/abi.js';
import type { WasmHostServices } from './host/services.js';

export interface WasmDriverOptions {
  /**
   * Where guests run. `worker`: a worker_threads pool whose stuck workers are
   * terminated and replaced; `inline`: on the caller's thread, cheaper but unable to
   * stop an infinite loop (benchmarks, trusted modules). @default 'worker'
   */
  isolation?: 'worker' | 'inline';
  /** Worker threads in the pool. @default max(2, availableParallelism()) */
  workers?: number;
  /** Wall-clock budget per request for a workload without a CPU limit. @default 10000 */
  requestTimeoutMs?: number;
  /** Shortest budget a CPU limit can scale a request down to. @default 100 */
  minRequestTimeoutMs?: number;
  /** Linear memory cap for workloads that set no memory limit. @default 256 MiB */
  defaultMemoryBytes?: number;
  /** Guest stdout (the whole HTTP response) beyond this fails the request with 502. @default 16 MiB */
  maxResponseBytes?: number;
  /** Request bodies beyond this get 413. @default 16 MiB */
  maxRequestBytes?: number;
  /** stderr kept per request; the rest is dropped with a note in the log. @default 64 KiB */
  maxStderrBytes?: number;
  /** Requests that may wait per workload when it is at its concurrency cap. @default 256 */
  maxQueuePerWorkload?: number;
  /** Log lines kept in memory per workload. @default 1000 */
  logRingLines?: number;
  /** Log file size before rotation. @default 10 MiB */
  maxLogFileBytes?: number;
  /** A runner to use instead of building one (tests, benchmarks sharing a pool). */
  runner?: GuestRunner;
  /**
   * What answers the `edgewise` host functions (docs/wasm.md#host-functions): the
   * agent passes its edge policy and streams features here. Read when a workload
   * starts and at each call, so it may be filled in after the driver is built.
   * Absent: modules importing host functions fail to start. Needs `isolation: 'worker'`.
   */
  hostServices?: WasmHostServices;
  /** Bounds on host function calls per request and on their arguments. @default DEFAULT_HOST_LIMITS */
  hostLimits?: Partial<HostLimits>;
}

export type ResolvedWasmDriverOptions = Readonly<
  Required<Omit<WasmDriverOptions, 'runner' | 'workers' | 'hostServices' | 'hostLimits'>>
> & {
  readonly runner: GuestRunner | undefined;
  readonly workers: number | undefined;
  readonly hostServices: WasmHostServices | undefined;
  readonly hostLimits: Readonly<HostLimits>;
};

const MiB = 1024 * 1024;
const DEFAULTS = {
  isolation: 'worker',
  requestTimeoutMs: 10_000,
  minRequestTimeoutMs: 100,
  defaultMemoryBytes: 256 * MiB,
  maxResponseBytes: 16 * MiB,
  maxRequestBytes: 16 * MiB,
  maxStderrBytes: 64 * 1024,
  maxQueuePerWorkload: 256,
  logRingLines: 1000,
  maxLogFileBytes: 10 * MiB,
} as const;

const NUMERIC = [
  'workers',
  'requestTimeoutMs',
  'minRequestTimeoutMs',
  'defaultMemoryBytes',
  'maxResponseBytes',
  'maxRequestBytes',
  'maxStderrBytes',
  'maxQueuePerWorkload',
  'logRingLines',
  'maxLogFileBytes',
] as const;
const KNOWN = new Set<string>([...NUMERIC, 'isolation', 'runner', 'hostServices', 'hostLimits']);

export function resolveWasmDriverOptions(options: WasmDriverOptions = {}): ResolvedWasmDriverOptions {
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      throw new EdgewiseError(
        'EW_INVALID',
        `unknown WasmDriver option "${key}"; known: ${[...KNOWN].join(', ')}`,
      );
    }
  }
  for (const key of NUMERIC) {
    const v = options[key];
    if (v !== undefined && (!Number.isInteger(v) || v <= 0)) {
      throw new EdgewiseError(
        'EW_INVALID',
        `WasmDriver option ${key} must be a positive integer, got ${String(v)}`,
      );
    }
  }
  if (options.isolation !== undefined && options.isolation !== 'worker' && options.isolation !== 'inline') {
    throw new EdgewiseError('EW_INVALID', `WasmDriver option isolation must be "worker" or "inline"`);
  }
  return Object.freeze({
    ...DEFAULTS,
    ...options,
    runner: options.runner,
    workers: options.workers,
    hostServices: options.hostServices,
    hostLimits: resolveHostLimits(options.hostLimits),
  });
}

function resolveHostLimits(limits: Partial<HostLimits> = {}): Readonly<HostLimits> {
  for (const [key, v] of Object.entries(limits)) {
    if (!(key in DEFAULT_HOST_LIMITS)) {
      throw new EdgewiseError(
        'EW_INVALID',
        `unknown WasmDriver hostLimits option "${key}"; known: ${Object.keys(DEFAULT_HOST_LIMITS).join(', ')}`,
      );
    }
    if (!Number.isInteger(v) || (v as number) <= 0) {
      throw new EdgewiseError(
        'EW_INVALID',
        `WasmDriver hostLimits.${key} must be a positive integer, got ${String(v)}`,
      );
    }
  }
  return Object.freeze({ ...DEFAULT_HOST_LIMITS, ...limits });
}
