/**
 * The interface every runtime driver implements (wasm, process, container, vm).
 * The agent's reconciler resolves a Pod into one WorkloadSpec per container and
 * drives the driver that owns the Pod's RuntimeClass handler; drivers never see
 * the hub, the store or the link.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Resolved, runtime-ready description of one container of one Pod on this node. */
export interface WorkloadSpec {
  /** Stable id for this container instance: `<pod uid>/<container name>`. */
  id: string;
  pod: { namespace: string; name: string; uid: string };
  container: string;
  /** The RuntimeClass handler (`wasmedge`, `wasm`, `spin`, `process`, `runc`, …). */
  handler: string;
  /** The image reference as written in the Pod. */
  image: string;
  /**
   * Where the runtime finds its artifact once resolved by the agent: a Wasm module
   * file, a rootfs directory, a disk image. Absent for the process driver, which runs
   * `command` from the host.
   */
  artifactPath?: string;
  /** sha256 digest of the artifact (`sha256:…`) when known; keys compile caches. */
  artifactDigest?: string;
  command: string[];
  args: string[];
  /** Fully resolved environment (literal values, ConfigMap/Secret refs already applied). */
  env: Record<string, string>;
  /** Working directory on the host, created by the agent under its data dir. */
  workDir: string;
  /** Host directory where the driver keeps this workload's logs. */
  logDir: string;
  ports: WorkloadPort[];
  /** Files mounted into the workload: host path → path inside the guest. */
  mounts: WorkloadMount[];
  limits: ResourceLimits;
}

export interface WorkloadPort {
  name?: string;
  containerPort: number;
  protocol: 'TCP' | 'UDP';
  /** The node port the agent chose (hostPort if given, else allocated). */
  hostPort: number;
}

export interface WorkloadMount {
  hostPath: string;
  guestPath: string;
  readOnly: boolean;
}

export interface ResourceLimits {
  /** Memory cap in bytes; undefined means unlimited. */
  memoryBytes?: number;
  /** CPU cap in millicores; undefined means unlimited. */
  cpuMillis?: number;
}

export type WorkloadState = 'waiting' | 'running' | 'terminated';

export interface WorkloadStatus {
  state: WorkloadState;
  /** Machine-readable reason, Kubernetes style: `ContainerCreating`, `Completed`, `Error`, `OOMKilled`, `ErrImagePull`… */
  reason?: string;
  message?: string;
  exitCode?: number;
  startedAt?: string;
  finishedAt?: string;
  /** True once the workload accepts traffic (for HTTP workloads: its port is served). */
  ready: boolean;
}

export interface LogOptions {
  /** Only the last N lines. */
  tail?: number;
  /** Keep the iterator open and yield new lines as they are written. */
  follow?: boolean;
  /** Stream: stdout, stderr or both (default both). */
  stream?: 'stdout' | 'stderr';
  signal?: AbortSignal;
}

export interface LogLine {
  time: string;
  stream: 'stdout' | 'stderr';
  line: string;
}

/**
 * A request handler for runtimes that serve HTTP in-process (WAGI). The agent's
 * gateway owns the sockets and routes requests here; drivers whose workloads listen
 * on their own sockets leave it undefined.
 */
export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface StartedWorkload {
  status: WorkloadStatus;
  /** Per containerPort, when the runtime serves HTTP itself. */
  httpHandlers?: Map<number, HttpHandler>;
}

export interface DriverCapabilities {
  /** False when the driver cannot run on this machine (binary missing, no KVM, …). */
  available: boolean;
  /** Why not, in words a user understands. */
  reason?: string;
  /** RuntimeClass handlers this driver serves on this node. */
  handlers: string[];
}

export interface RuntimeDriver {
  readonly name: string;
  capabilities(): Promise<DriverCapabilities>;
  /** Starts (or re-adopts after an agent restart) a workload. Idempotent per spec.id. */
  start(spec: WorkloadSpec): Promise<StartedWorkload>;
  /** Stops and forgets a workload; resolves once it no longer runs. Unknown ids are a no-op. */
  stop(id: string, options?: { graceSeconds?: number }): Promise<void>;
  status(id: string): WorkloadStatus | undefined;
  /** Called by the driver whenever a workload's status changes (exit, crash, ready). */
  onStatusChange(listener: (id: string, status: WorkloadStatus) => void): void;
  logs(id: string, options?: LogOptions): AsyncIterable<LogLine>;
  /**
   * Releases the driver; the agent calls it on shutdown. Workloads that live inside the
   * agent (wasm) stop with it; drivers whose workloads outlive the agent (process) leave
   * them running for the next agent to re-adopt unless configured to stop them.
   */
  close(): Promise<void>;
}
