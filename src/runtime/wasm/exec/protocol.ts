/**
 * What the pool and a worker say to each other. Jobs and results go through two
 * shared rings (ring.ts, codec.ts); the MessagePort carries only what cannot —
 * compiled modules — or should not — records too big for a ring — with a PORTED
 * record in the ring marking its place, so everything arrives in order.
 */
import type { MessagePort } from 'node:worker_threads';
import type { HostChannels } from '../host/worker-backend.js';
import type { WasmModule } from '../wa.js';
import type { GuestJob, GuestResult } from './job.js';

/** Record kinds in the job ring. */
export const JOB = 1;
/** The next message on the port stands here in the order. */
export const PORTED = 2;

export interface WorkerInit {
  control: SharedArrayBuffer;
  jobs: SharedArrayBuffer;
  results: SharedArrayBuffer;
  port: MessagePort;
  /** Present when the pool answers host functions (it was given host services). */
  host?: HostChannels | undefined;
}

/** Pool → worker over the port. */
export type PortedToWorker =
  | { type: 'load'; module: number; compiled: WasmModule }
  | { type: 'forget'; module: number }
  /** The policy in force, ahead of the first policy job after it changed (host/worker-backend.ts). */
  | { type: 'policy'; module: string; config: unknown }
  | { type: 'job'; id: number; cell: number; module: number; job: GuestJob };

/** Worker → pool over the port. */
export interface PortedResult {
  id: number;
  result: GuestResult;
}

/** Worker → pool over parentPort: booted, results are waiting, or a host call waits (host/call-block.ts). */
export const READY = 'ready';
export const WAKE = 0;
export const CALL = 1;
