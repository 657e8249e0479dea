/**
 * One running Wasm workload: its compiled module, mounts, limits, log and the
 * WAGI handlers for its ports. Requests share nothing but the compiled code.
 */
import type { IncomingMessage } from 'node:http';
import type { HttpHandler, WorkloadSpec, WorkloadStatus } from '../driver.js';
import type { GuestJob, GuestResult, GuestRunner, RunOptions } from './exec/job.js';
import { failed } from './exec/job.js';
import { Limiter } from './exec/limiter.js';
import type { WorkloadLog } from './logs.js';
import type { CompiledModule } from './module/cache.js';
import type { ResolvedWasmDriverOptions } from './options.js';
import { createWagiHandler, type WagiInvocation } from './wagi/handler.js';
import type { Route } from './wagi/routes.js';
import type { Preopen } from './wasi/host.js';

export interface WorkloadCounters {
  requests: number;
  /** Requests by non-ok outcome or CGI error status. */
  failures: Record<string, number>;
}

export class WasmWorkload {
  status: WorkloadStatus;
  stopped = false;
  readonly counters: WorkloadCounters = { requests: 0, failures: {} };
  readonly handlers = new Map<number, HttpHandler>();
  private readonly limiter: Limiter;
  readonly timeoutMs: number;

  constructor(
    readonly spec: WorkloadSpec,
    readonly compiled: CompiledModule,
    readonly preopens: Preopen[],
    readonly routes: Route[],
    readonly log: WorkloadLog,
    private readonly runner: GuestRunner,
    private readonly options: ResolvedWasmDriverOptions,
    capacity: { workers: number; jobs: number },
  ) {
    const cpu = spec.limits.cpuMillis;
    // A workload limited to N millicores runs on at most ceil(N/1000) workers at once
    // (its requests queue up on those), so one runaway workload cannot take every core
    // of the pool. Without a CPU limit it may fill the pool, queues included.
    const workers =
      cpu === undefined ? capacity.workers : Math.max(1, Math.min(capacity.workers, Math.ceil(cpu / 1000)));
    this.limiter = new Limiter(
      Math.max(1, Math.floor((capacity.jobs / capacity.workers) * workers)),
      options.maxQueuePerWorkload,
    );
    // …and its per-request budget shrinks with its share of a core.
    this.timeoutMs =
      cpu === undefined
        ? options.requestTimeoutMs
        : Math.max(
            options.minRequestTimeoutMs,
            Math.round(options.requestTimeoutMs * Math.min(1, cpu / 1000)),
          );
    this.runOptions = {
      timeoutMs: this.timeoutMs,
      group: cpu === undefined ? undefined : { key: this, workers },
    };
    this.status = { state: 'running', ready: true, startedAt: new Date().toISOString() };
    for (const port of spec.ports) {
      if (port.protocol !== 'TCP') continue;
      this.handlers.set(
        port.containerPort,
        createWagiHandler({
          invoke: (inv, done) => this.invoke(inv, done),
          routes,
          server: { defaultHost: `localhost:${port.hostPort}`, tls: false, moduleEnv: spec.env },
          maxRequestBytes: options.maxRequestBytes,
          onResult: (result, req, status) => this.record(result, req, status),
        }),
      );
    }
  }

  job(inv: WagiInvocation): GuestJob {
    return {
      entrypoint: inv.entrypoint,
      argv: inv.argv,
      environ: inv.environ,
      stdin: inv.stdin,
      preopens: this.preopens,
      stdoutLimit: this.options.maxResponseBytes,
      stderrLimit: this.options.maxStderrBytes,
      memory: this.compiled.memory,
      cgi: true,
      hostImports: this.compiled.hostImports,
    };
  }

  invoke(inv: WagiInvocation, done: (result: GuestResult) => void): void {
    if (this.stopped) {
      done(failed('overloaded', 'workload is stopping'));
      return;
    }
    if (!this.limiter.enter(() => this.runHeld(inv, done))) {
      done(failed('overloaded', `workload ${this.spec.id} has too many requests waiting`));
    }
  }

  /** Runs with a concurrency slot held; the slot is given back when the run ends. */
  private runHeld(inv: WagiInvocation, done: (result: GuestResult) => void): void {
    this.runner.submit(this.compiled.key, this.compiled.module, this.job(inv), this.runOptions, (result) => {
      this.limiter.release();
      done(result);
    });
  }

  private readonly runOptions: RunOptions;

  private record(result: GuestResult, req: IncomingMessage, status: number): void {
    this.counters.requests++;
    this.log.appendOutput('stderr', result.stderr, result.stderrTruncated);
    if (result.outcome === 'ok' && status < 500) return;
    const key = result.outcome === 'ok' ? `http_${status}` : result.outcome;
    this.counters.failures[key] = (this.counters.failures[key] ?? 0) + 1;
    // memory.grow failing is invisible to the host (the guest sees -1 and usually
    // traps), so a trap reports how close the guest was to its limit.
    const limit = this.compiled.memoryLimitBytes;
    const atLimit =
      result.outcome === 'trap' && result.memoryBytes > 0
        ? ` (linear memory ${result.memoryBytes} of ${limit} bytes${result.memoryBytes > 0.9 * limit ? ', at its limit' : ''})`
        : '';
    // Host-side failures go into the same log so `edgewise logs` explains a 5xx.
    this.log.append(
      'stderr',
      `[edgewise] ${req.method} ${req.url} -> ${status}: ${result.message ?? result.outcome}${atLimit}`,
    );
  }
}
