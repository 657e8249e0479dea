/**
 * The WebAssembly runtime driver. RuntimeClass handlers `wasmedge`, `wasm`,
 * `spin` and `wasmtime` are aliases: all four run the same in-process WASI
 * preview 1 host with WAGI HTTP, whatever engine the name suggests elsewhere.
 */
import { readFile, stat } from 'node:fs/promises';
import { EdgewiseError } from '../../api/errors.js';
import type {
  DriverCapabilities,
  LogLine,
  LogOptions,
  RuntimeDriver,
  StartedWorkload,
  WorkloadSpec,
  WorkloadStatus,
} from '../driver.js';
import { InlineRunner } from './exec/inline.js';
import { cstrings, type GuestRunner } from './exec/job.js';
import { WorkerPool } from './exec/pool.js';
import { GROUP_NAMES, HostGroup } from './host/abi.js';
import { WorkloadLog } from './logs.js';
import { type CompiledModule, ModuleCache, sha256Digest } from './module/cache.js';
import {
  type ResolvedWasmDriverOptions,
  resolveWasmDriverOptions,
  type WasmDriverOptions,
} from './options.js';
import { type Route, RoutePattern, routeTable } from './wagi/routes.js';
import { type Preopen, preopenRoot } from './wasi/index.js';
import { WasmWorkload } from './workload.js';

/** RuntimeClass handlers this driver serves; all are the same WASI/WAGI host. */
export const WASM_HANDLERS = ['wasmedge', 'wasm', 'spin', 'wasmtime'] as const;

type StatusListener = (id: string, status: WorkloadStatus) => void;

export class WasmDriver implements RuntimeDriver {
  readonly name = 'wasm';
  readonly options: ResolvedWasmDriverOptions;
  readonly modules = new ModuleCache();
  private readonly workloads = new Map<string, WasmWorkload>();
  /** Workloads whose start failed: their status stays visible until stop(id). */
  private readonly failed = new Map<string, WorkloadStatus>();
  private readonly listeners: StatusListener[] = [];
  private runnerInstance: GuestRunner | undefined;
  /** Guests that can run at once (workers), and jobs the runner can hold at once. */
  private capacity = { workers: 1, jobs: 1 };

  constructor(options: WasmDriverOptions = {}) {
    this.options = resolveWasmDriverOptions(options);
  }

  /** The guest runner, created on first use so an idle driver starts no threads. */
  get runner(): GuestRunner {
    if (!this.runnerInstance) {
      if (this.options.runner) {
        this.runnerInstance = this.options.runner;
        const workers = this.options.workers ?? 2;
        this.capacity = { workers, jobs: workers };
      } else if (this.options.isolation === 'inline') {
        this.runnerInstance = new InlineRunner();
        this.capacity = { workers: 1, jobs: 1 };
      } else {
        const { hostServices, hostLimits } = this.options;
        const pool = new WorkerPool({
          ...(this.options.workers && { size: this.options.workers }),
          ...(hostServices && { host: { services: hostServices, limits: hostLimits } }),
        });
        this.capacity = { workers: pool.size, jobs: pool.capacity };
        this.runnerInstance = pool;
      }
    }
    return this.runnerInstance;
  }

  async capabilities(): Promise<DriverCapabilities> {
    const ok = typeof (globalThis as { WebAssembly?: unknown }).WebAssembly === 'object';
    return ok
      ? { available: true, handlers: [...WASM_HANDLERS] }
      : { available: false, reason: 'this Node.js has no WebAssembly support', handlers: [] };
  }

  async start(spec: WorkloadSpec): Promise<StartedWorkload> {
    const existing = this.workloads.get(spec.id);
    if (existing && sameWorkload(existing.spec, spec)) {
      return { status: existing.status, httpHandlers: existing.handlers };
    }
    if (existing) await this.stop(spec.id);
    this.failed.delete(spec.id);
    try {
      const workload = await this.load(spec);
      this.workloads.set(spec.id, workload);
      this.emit(spec.id, workload.status);
      return { status: workload.status, httpHandlers: workload.handlers };
    } catch (err) {
      const reason =
        EdgewiseError.is(err) && err.details?.causes?.[0]?.reason === 'DigestMismatch'
          ? 'ErrImagePull'
          : 'CreateContainerError';
      const status: WorkloadStatus = {
        state: 'waiting',
        reason,
        message: err instanceof Error ? err.message : String(err),
        ready: false,
      };
      this.failed.set(spec.id, status);
      this.emit(spec.id, status);
      throw err;
    }
  }

  private async load(spec: WorkloadSpec): Promise<WasmWorkload> {
    if (!(WASM_HANDLERS as readonly string[]).includes(spec.handler)) {
      throw new EdgewiseError(
        'EW_INVALID',
        `runtime handler "${spec.handler}" is not served by the wasm driver (${WASM_HANDLERS.join(', ')})`,
      );
    }
    if (!spec.artifactPath) {
      throw new EdgewiseError(
        'EW_INVALID',
        `image ${spec.image} was not resolved to a module file (no artifactPath)`,
      );
    }
    const bytes = await readArtifact(spec.artifactPath, spec.image);
    const digest = sha256Digest(bytes);
    if (spec.artifactDigest && spec.artifactDigest !== digest) {
      throw new EdgewiseError(
        'EW_INVALID',
        `module for ${spec.image} has digest ${digest}, expected ${spec.artifactDigest}`,
        { causes: [{ reason: 'DigestMismatch', message: `expected ${spec.artifactDigest}, got ${digest}` }] },
      );
    }
    const memory = spec.limits.memoryBytes ?? this.options.defaultMemoryBytes;
    const runner = this.runner;
    const compiled = await this.modules.acquire(bytes, digest, memory, `module ${spec.image}`);
    let log: WorkloadLog | undefined;
    try {
      this.checkHostImports(compiled, spec.image);
      const preopens = await preopensFor(spec);
      log = new WorkloadLog(spec.logDir, {
        ringLines: this.options.logRingLines,
        maxFileBytes: this.options.maxLogFileBytes,
      });
      const routes = await this.routesOf(compiled, spec, preopens);
      return new WasmWorkload(spec, compiled, preopens, routes, log, runner, this.options, this.capacity);
    } catch (err) {
      await log?.close();
      this.releaseModule(compiled.key);
      throw err;
    }
  }

  /**
   * A module importing host functions starts only where they are answered: their
   * feature runs on this agent, and guests run on worker threads (a guest on the
   * agent's own thread could not wait for the main thread to answer it).
   */
  private checkHostImports(compiled: CompiledModule, image: string): void {
    const missing = compiled.hostImports & ~(this.runner.hostGroups ?? 0);
    if (missing === 0) return;
    const problems: string[] = [];
    for (const group of [HostGroup.POLICY, HostGroup.STREAMS]) {
      if ((missing & group) === 0) continue;
      const names = GROUP_NAMES[group] as { imports: string; feature: string };
      const service = group === HostGroup.POLICY ? 'policy' : 'streams';
      problems.push(
        this.options.hostServices?.[service]
          ? `${names.imports}, which need guests on worker threads (isolation 'worker')`
          : `${names.imports}, which the ${names.feature} feature answers, and it is not running on this agent`,
      );
    }
    throw new EdgewiseError('EW_INVALID', `module ${image} imports ${problems.join('; and ')}`, {
      causes: problems.map((message) => ({ reason: 'HostFunctionUnavailable', message })),
    });
  }

  /** Calls the module's `_routes` export once, if it has one, to learn its sub-routes. */
  private async routesOf(
    compiled: CompiledModule,
    spec: WorkloadSpec,
    preopens: Preopen[],
  ): Promise<Route[]> {
    const base = RoutePattern.parse('/...');
    if (!compiled.exports.has('_routes')) return routeTable(base, undefined);
    const result = await this.runner.run(
      compiled.key,
      compiled.module,
      {
        entrypoint: '_routes',
        argv: '',
        environ: cstrings(Object.entries(spec.env).map(([k, v]) => `${k}=${v}`)),
        stdin: new Uint8Array(0),
        preopens,
        stdoutLimit: 64 * 1024,
        stderrLimit: 0,
        memory: compiled.memory,
        hostImports: compiled.hostImports,
      },
      { timeoutMs: this.options.requestTimeoutMs },
    );
    if (result.outcome !== 'ok') {
      throw new EdgewiseError(
        'EW_INVALID',
        `module ${spec.image}: _routes failed: ${result.message ?? result.outcome}`,
      );
    }
    return routeTable(base, Buffer.from(result.stdout).toString('utf8'));
  }

  async stop(id: string): Promise<void> {
    this.failed.delete(id);
    const w = this.workloads.get(id);
    if (!w) return;
    this.workloads.delete(id);
    w.stopped = true;
    await w.log.close();
    this.releaseModule(w.compiled.key);
    this.emit(id, {
      ...w.status,
      state: 'terminated',
      reason: 'Completed',
      ready: false,
      exitCode: 0,
      finishedAt: new Date().toISOString(),
    });
  }

  private releaseModule(key: string): void {
    if (this.modules.release(key)) this.runnerInstance?.forget(key);
  }

  status(id: string): WorkloadStatus | undefined {
    return this.workloads.get(id)?.status ?? this.failed.get(id);
  }

  /** Request counters of a running workload (for metrics). */
  counters(id: string): WasmWorkload['counters'] | undefined {
    return this.workloads.get(id)?.counters;
  }

  onStatusChange(listener: StatusListener): void {
    this.listeners.push(listener);
  }

  logs(id: string, options?: LogOptions): AsyncIterable<LogLine> {
    const w = this.workloads.get(id);
    if (!w) return (async function* () {})();
    return w.log.lines(options);
  }

  async close(): Promise<void> {
    for (const id of [...this.workloads.keys()]) await this.stop(id);
    this.failed.clear();
    // A runner passed in by the caller is theirs to close.
    if (this.runnerInstance && !this.options.runner) await this.runnerInstance.close();
    this.runnerInstance = undefined;
  }

  private emit(id: string, status: WorkloadStatus): void {
    for (const l of this.listeners) l(id, status);
  }
}

function sameWorkload(a: WorkloadSpec, b: WorkloadSpec): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

async function readArtifact(file: string, image: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new EdgewiseError(
      'EW_NOT_FOUND',
      `module file for ${image} cannot be read: ${(err as Error).message}`,
      undefined,
      {
        cause: err,
      },
    );
  }
}

/** Mounts become WASI preopens; only directories can be preopened. */
async function preopensFor(spec: WorkloadSpec): Promise<Preopen[]> {
  const out: Preopen[] = [];
  for (const m of spec.mounts) {
    const info = await stat(m.hostPath).catch((err: unknown) => {
      throw new EdgewiseError(
        'EW_INVALID',
        `mount ${m.guestPath}: ${m.hostPath} is missing: ${(err as Error).message}`,
      );
    });
    if (!info.isDirectory()) {
      throw new EdgewiseError(
        'EW_INVALID',
        `mount ${m.guestPath}: ${m.hostPath} is not a directory (WASI preopens are directories)`,
      );
    }
    out.push({ guestPath: m.guestPath, hostPath: preopenRoot(m.hostPath), writable: !m.readOnly });
  }
  return out;
}
