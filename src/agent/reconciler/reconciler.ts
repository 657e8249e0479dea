/**
 * The agent's control loop: compares the pods the hub assigned (from local state)
 * with what the drivers run, and acts — start, restart with back-off per
 * restartPolicy, wait for missing configuration, stop on deletion — then queues
 * each pod's status for the hub. It reads only local state, so it works the same
 * with the hub gone.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { configMapType, secretType } from '../../api/kinds/core.js';
import { runtimeClassType } from '../../api/kinds/edge.js';
import { podType } from '../../api/kinds/pod.js';
import type { Container, PodSpec } from '../../api/kinds/pod-spec.js';
import type { EventReport } from '../../api/link-protocol.js';
import type { KubeObject } from '../../api/object.js';
import { tryParseQuantity } from '../../api/quantity.js';
import type { HttpHandler, RuntimeDriver, WorkloadSpec, WorkloadStatus } from '../../runtime/driver.js';
import type { AgentState } from '../state/agent-state.js';
import { ConfigError, type ObjectLookup, resolveEnv } from './env.js';
import { computePodStatus } from './pod-status.js';
import { allocateFreeHostPorts, DEFAULT_PORT_RANGE, PortAllocationError, type PortRange } from './ports.js';
import { type ContainerRecord, type PodRecord, splitWorkloadId, workloadId } from './records.js';
import { containerMounts, prepareVolumes } from './volumes.js';

/** Kubelet's crash back-off: 10 s doubling to 5 min, reset after 10 min of running. */
const BACKOFF_INITIAL_S = 10;
const BACKOFF_MAX_S = 300;
const BACKOFF_RESET_MS = 10 * 60 * 1000;
/** Image pull back-off: 5 s doubling to 1 min (the kubelet's goes to 5 min; a site wants its modules sooner). */
const PULL_BACKOFF_INITIAL_MS = 5000;
const PULL_BACKOFF_MAX_MS = 60_000;
/** Waiting reasons that mean the image could not be had, retried with pull back-off. */
const PULL_FAILURES = new Set(['ErrImagePull', 'InvalidImageName', 'ErrImageNeverPull']);

export interface ResolvedArtifact {
  path: string;
  digest?: string;
}

export interface ServedPort {
  hostPort: number;
  containerPort: number;
  handler: HttpHandler;
}

export interface ReconcilerOptions {
  state: AgentState;
  /** Drivers by the RuntimeClass handler they serve (`''` is the default handler). */
  drivers: Map<string, RuntimeDriver>;
  dataDir: string;
  nodeName: string;
  hostIP: string;
  logger: Logger;
  now?: () => Date;
  portRange?: PortRange;
  /** Resolves an image to a local artifact for handlers that need one (Wasm modules); undefined: none needed. */
  resolveArtifact?: (
    image: string,
    handler: string,
    pullPolicy: string,
  ) => Promise<ResolvedArtifact | undefined>;
  /** Told when a container's in-process HTTP handlers appear (WAGI) or go away. */
  onServe?: (podKey: string, container: string, ports: ServedPort[]) => void;
  /** Variables every workload gets (the agent's local API URL, the node name); a pod's own env wins. */
  extraEnv?: Record<string, string>;
  /** Told when reports were queued, so the link can flush the outbox. */
  onReport?: () => void;
}

function ts(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class Reconciler {
  readonly #o: Required<Pick<ReconcilerOptions, 'now' | 'portRange'>> & ReconcilerOptions;
  readonly #log: Logger;
  #running: Promise<void> | undefined;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: ReconcilerOptions) {
    this.#o = { now: () => new Date(), portRange: DEFAULT_PORT_RANGE, ...options };
    this.#log = options.logger.child({ component: 'agent.reconciler' });
    for (const driver of new Set(options.drivers.values())) {
      driver.onStatusChange((id, status) => this.#onDriverStatus(id, status));
    }
  }

  /** Asks for a sync soon; concurrent requests coalesce into one more pass. */
  trigger(delayMs = 0): void {
    if (this.#closed) return;
    if (delayMs > 0) {
      const timer = setTimeout(() => this.trigger(), delayMs);
      timer.unref();
      return;
    }
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    this.#running = this.#sync()
      .catch((err: unknown) => this.#log.error({ err }, 'sync failed'))
      .finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          this.trigger();
        }
      });
  }

  /** Resolves when the current pass (if any) is done (tests, shutdown). */
  async settle(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.settle();
  }

  get #lookup(): ObjectLookup {
    const { state } = this.#o;
    return {
      configMap: (ns, name) => state.object(configMapType.storage, ns, name),
      secret: (ns, name) => state.object(secretType.storage, ns, name),
    };
  }

  async #sync(): Promise<void> {
    const { state } = this.#o;
    const pods = state.objects(podType.storage);
    const desired = new Set(pods.map((p) => p.metadata.uid ?? ''));
    let nextWake = Number.POSITIVE_INFINITY;
    for (const pod of pods) {
      try {
        const wake = pod.metadata.deletionTimestamp ? await this.#terminate(pod) : await this.#ensure(pod);
        nextWake = Math.min(nextWake, wake);
      } catch (err) {
        this.#log.error({ err, pod: pod.metadata.name }, 'pod sync failed');
      }
    }
    for (const uid of state.allPodRuntimeUids()) {
      if (!desired.has(uid)) await this.#forget(uid);
    }
    if (Number.isFinite(nextWake)) {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = setTimeout(() => this.trigger(), Math.max(50, nextWake - this.#o.now().getTime()));
      this.#timer.unref();
    }
  }

  #record(pod: KubeObject): PodRecord {
    const uid = pod.metadata.uid ?? '';
    return (
      this.#o.state.podRuntime<PodRecord>(uid) ?? {
        uid,
        namespace: pod.metadata.namespace ?? 'default',
        name: pod.metadata.name ?? '',
        startTime: ts(this.#o.now()),
        hostPorts: [],
        containers: {},
      }
    );
  }

  #handlerOf(pod: KubeObject): string {
    const rcName = (pod.spec as PodSpec).runtimeClassName;
    if (!rcName) return '';
    const rc = this.#o.state.object(runtimeClassType.storage, '', rcName);
    if (!rc) throw new ConfigError(`RuntimeClass "${rcName}" has not reached this node`, 'RunContainerError');
    return String(rc.handler ?? '');
  }

  /** Brings one pod to its desired state; returns when it next needs attention (epoch ms). */
  async #ensure(pod: KubeObject): Promise<number> {
    const record = this.#record(pod);
    const spec = pod.spec as PodSpec;
    let wake = Number.POSITIVE_INFINITY;
    let driver: RuntimeDriver | undefined;
    let handler = '';
    try {
      handler = this.#handlerOf(pod);
      driver = this.#o.drivers.get(handler);
      if (!driver)
        throw new ConfigError(
          `no runtime on this node serves handler "${handler || '(default)'}"`,
          'RunContainerError',
        );
      if (
        record.hostPorts.length === 0 &&
        [...(spec.initContainers ?? []), ...spec.containers].some((c) => (c.ports ?? []).length > 0)
      ) {
        record.hostPorts = await allocateFreeHostPorts(
          spec.containers,
          this.#usedPorts(record.uid),
          this.#o.portRange,
          this.#o.hostIP,
        );
      }
    } catch (err) {
      if (!(err instanceof ConfigError || err instanceof PortAllocationError)) throw err;
      const reason = err instanceof ConfigError ? err.reason : 'RunContainerError';
      for (const c of spec.containers) this.#waiting(record, c.name, reason, err.message);
      this.#save(pod, record);
      return this.#o.now().getTime() + 5000;
    }
    const podDir = path.join(this.#o.dataDir, 'pods', record.uid);
    // Init containers run one at a time, each to success, before the app containers.
    for (const c of spec.initContainers ?? []) {
      const r = record.containers[c.name];
      if (r?.terminated?.exitCode === 0) continue;
      wake = Math.min(wake, await this.#ensureContainer(pod, record, c, driver, handler, podDir, true));
      this.#save(pod, record);
      return wake;
    }
    for (const c of spec.containers)
      wake = Math.min(wake, await this.#ensureContainer(pod, record, c, driver, handler, podDir, false));
    this.#save(pod, record);
    return wake;
  }

  async #ensureContainer(
    pod: KubeObject,
    record: PodRecord,
    c: Container,
    driver: RuntimeDriver,
    handler: string,
    podDir: string,
    init: boolean,
  ): Promise<number> {
    const id = workloadId(record.uid, c.name);
    record.containers[c.name] ??= {
      restartCount: 0,
      state: 'waiting',
      reason: 'ContainerCreating',
      ready: false,
    };
    const r = record.containers[c.name] as ContainerRecord;
    const live = driver.status(id);
    if (live?.state === 'running') {
      r.state = 'running';
      r.ready = live.ready;
      r.startedAt ??= live.startedAt ?? ts(this.#o.now());
      return Number.POSITIVE_INFINITY;
    }
    const now = this.#o.now().getTime();
    const restartPolicy = init ? 'OnFailure' : ((pod.spec as PodSpec).restartPolicy ?? 'Always');
    if (r.state === 'terminated' || (r.state === 'waiting' && r.reason === 'CrashLoopBackOff')) {
      const last = r.terminated ?? r.lastTerminated;
      const restart =
        restartPolicy === 'Always' || (restartPolicy === 'OnFailure' && (last?.exitCode ?? 1) !== 0);
      if (!restart) return Number.POSITIVE_INFINITY;
      if (r.backoffUntil !== undefined && now < r.backoffUntil) {
        if (r.terminated) r.lastTerminated = r.terminated;
        delete r.terminated;
        r.state = 'waiting';
        r.reason = 'CrashLoopBackOff';
        r.message = `back-off ${r.backoffSeconds ?? BACKOFF_INITIAL_S}s restarting failed container=${c.name} pod=${record.name}`;
        return r.backoffUntil;
      }
      if (r.terminated) r.lastTerminated = r.terminated;
      delete r.terminated;
      r.restartCount++;
    }
    if (r.pullRetryAt !== undefined && now < r.pullRetryAt) {
      if (r.reason === 'ErrImagePull') {
        r.reason = 'ImagePullBackOff';
        r.message = `Back-off pulling image "${c.image ?? ''}": ${r.pullError ?? ''}`;
      }
      return r.pullRetryAt;
    }
    try {
      const spec = await this.#workloadSpec(pod, record, c, handler, podDir);
      delete r.pullFailures;
      delete r.pullRetryAt;
      delete r.pullError;
      const started = await driver.start(spec);
      r.imageID = spec.artifactDigest ?? r.imageID;
      this.#applyDriverStatus(r, started.status);
      if (started.httpHandlers && this.#o.onServe) {
        const ports = record.hostPorts
          .filter((p) => p.container === c.name && started.httpHandlers?.has(p.containerPort))
          .map((p) => ({
            hostPort: p.hostPort,
            containerPort: p.containerPort,
            handler: started.httpHandlers?.get(p.containerPort) as HttpHandler,
          }));
        this.#o.onServe(`${record.namespace}/${record.name}`, c.name, ports);
      }
      if (r.state === 'running') this.#event(pod, 'Normal', 'Started', `Started container ${c.name}`);
    } catch (err) {
      const reason = err instanceof ConfigError ? err.reason : 'RunContainerError';
      const message = err instanceof Error ? err.message : String(err);
      if (PULL_FAILURES.has(reason)) {
        if (r.pullError !== message) this.#event(pod, 'Warning', 'Failed', message);
        r.pullFailures = (r.pullFailures ?? 0) + 1;
        r.pullRetryAt =
          now + Math.min(PULL_BACKOFF_MAX_MS, PULL_BACKOFF_INITIAL_MS * 2 ** (r.pullFailures - 1));
        r.pullError = message;
        this.#waiting(record, c.name, reason, message);
        return r.pullRetryAt;
      }
      if (r.reason !== reason || r.message !== message)
        this.#event(pod, 'Warning', 'Failed', `Error: ${message}`);
      this.#waiting(record, c.name, reason, message);
      return now + 5000;
    }
    return Number.POSITIVE_INFINITY;
  }

  async #workloadSpec(
    pod: KubeObject,
    record: PodRecord,
    c: Container,
    handler: string,
    podDir: string,
  ): Promise<WorkloadSpec> {
    const env = {
      ...this.#o.extraEnv,
      ...resolveEnv(c, { pod, nodeName: this.#o.nodeName, hostIP: this.#o.hostIP }, this.#lookup),
    };
    // Workloads that bind their own sockets learn their host port as PORT (the PaaS convention), unless set.
    const firstPort = record.hostPorts.find((p) => p.container === c.name);
    if (firstPort && env.PORT === undefined) env.PORT = String(firstPort.hostPort);
    const volumes = prepareVolumes(pod, podDir, this.#lookup);
    const mounts = containerMounts(c, volumes);
    let artifact: ResolvedArtifact | undefined;
    if (this.#o.resolveArtifact && c.image) {
      try {
        artifact = await this.#o.resolveArtifact(c.image, handler, c.imagePullPolicy ?? 'IfNotPresent');
      } catch (err) {
        if (err instanceof ConfigError) throw err;
        throw new ConfigError(err instanceof Error ? err.message : String(err), 'ErrImagePull');
      }
    }
    const limits = c.resources?.limits ?? {};
    const memory = limits.memory !== undefined ? tryParseQuantity(limits.memory) : undefined;
    const cpu = limits.cpu !== undefined ? tryParseQuantity(limits.cpu) : undefined;
    return {
      id: workloadId(record.uid, c.name),
      pod: { namespace: record.namespace, name: record.name, uid: record.uid },
      container: c.name,
      handler,
      image: c.image ?? '',
      ...(artifact && { artifactPath: artifact.path }),
      ...(artifact?.digest && { artifactDigest: artifact.digest }),
      command: c.command ?? [],
      args: c.args ?? [],
      env,
      workDir: path.join(podDir, 'containers', c.name),
      logDir: path.join(podDir, 'logs', c.name),
      ports: record.hostPorts
        .filter((p) => p.container === c.name)
        .map((p) => ({ containerPort: p.containerPort, hostPort: p.hostPort, protocol: p.protocol })),
      mounts,
      limits: {
        ...(memory && { memoryBytes: Number(memory.value()) }),
        ...(cpu && { cpuMillis: Number(cpu.milliValue()) }),
      },
    };
  }

  #applyDriverStatus(r: ContainerRecord, status: WorkloadStatus): void {
    if (status.state === 'running') {
      r.state = 'running';
      r.ready = status.ready;
      r.startedAt = status.startedAt ?? ts(this.#o.now());
      delete r.reason;
      delete r.message;
    } else if (status.state === 'terminated') {
      r.state = 'terminated';
      r.ready = false;
      r.terminated = {
        exitCode: status.exitCode ?? 1,
        reason: status.reason ?? (status.exitCode === 0 ? 'Completed' : 'Error'),
        ...(status.message && { message: status.message }),
        ...(r.startedAt && { startedAt: r.startedAt }),
        finishedAt: status.finishedAt ?? ts(this.#o.now()),
      };
    } else {
      r.state = 'waiting';
      r.ready = false;
      r.reason = status.reason ?? 'ContainerCreating';
      if (status.message) r.message = status.message;
    }
  }

  #waiting(record: PodRecord, container: string, reason: string, message: string): void {
    record.containers[container] ??= { restartCount: 0, state: 'waiting', ready: false };
    const r = record.containers[container] as ContainerRecord;
    r.state = 'waiting';
    r.ready = false;
    r.reason = reason;
    r.message = message;
  }

  /** A driver saw a workload change (exit, crash, ready): record it, set back-off, resync. */
  #onDriverStatus(id: string, status: WorkloadStatus): void {
    const { uid, container } = splitWorkloadId(id);
    const record = this.#o.state.podRuntime<PodRecord>(uid);
    const r = record?.containers[container];
    if (!record || !r) return;
    const wasRunning = r.state === 'running';
    this.#applyDriverStatus(r, status);
    if (status.state === 'terminated' && wasRunning && !record.terminated) {
      const ranFor = this.#o.now().getTime() - Date.parse(r.startedAt ?? '');
      const previous = r.backoffSeconds;
      r.backoffSeconds =
        previous === undefined || ranFor > BACKOFF_RESET_MS
          ? BACKOFF_INITIAL_S
          : Math.min(BACKOFF_MAX_S, previous * 2);
      // The first restart is immediate, as the kubelet's is; back-off grows from the second.
      r.backoffUntil =
        previous === undefined || ranFor > BACKOFF_RESET_MS
          ? this.#o.now().getTime()
          : this.#o.now().getTime() + r.backoffSeconds * 1000;
    }
    this.#o.state.setPodRuntime(uid, record);
    this.trigger();
  }

  /** Stops a pod whose deletion began; reports it so the hub completes the deletion. */
  async #terminate(pod: KubeObject): Promise<number> {
    const record = this.#record(pod);
    if (record.terminated) return Number.POSITIVE_INFINITY;
    const grace =
      pod.metadata.deletionGracePeriodSeconds ?? (pod.spec as PodSpec).terminationGracePeriodSeconds ?? 30;
    let handler = '';
    try {
      handler = this.#handlerOf(pod);
    } catch {
      // Without its RuntimeClass the pod never started; there is nothing to stop.
    }
    const driver = this.#o.drivers.get(handler);
    for (const c of [...((pod.spec as PodSpec).initContainers ?? []), ...(pod.spec as PodSpec).containers]) {
      const r = record.containers[c.name];
      if (r?.state === 'running') this.#event(pod, 'Normal', 'Killing', `Stopping container ${c.name}`);
      await driver?.stop(workloadId(record.uid, c.name), { graceSeconds: grace });
      this.#o.onServe?.(`${record.namespace}/${record.name}`, c.name, []);
      if (r && r.state === 'running') {
        r.state = 'terminated';
        r.ready = false;
        r.terminated = {
          exitCode: 0,
          reason: 'Completed',
          finishedAt: ts(this.#o.now()),
          ...(r.startedAt && { startedAt: r.startedAt }),
        };
      }
    }
    record.terminated = true;
    this.#save(pod, record);
    this.#o.state.enqueueTerminated({ namespace: record.namespace, name: record.name, uid: record.uid });
    this.#o.onReport?.();
    return Number.POSITIVE_INFINITY;
  }

  /** The pod is gone from desired state (deleted at the hub): stop anything left and clean up. */
  async #forget(uid: string): Promise<void> {
    const record = this.#o.state.podRuntime<PodRecord>(uid);
    if (record) {
      for (const name of Object.keys(record.containers)) {
        for (const driver of new Set(this.#o.drivers.values()))
          await driver.stop(workloadId(uid, name), { graceSeconds: 0 });
        this.#o.onServe?.(`${record.namespace}/${record.name}`, name, []);
      }
    }
    this.#o.state.deletePodRuntime(uid);
    rmSync(path.join(this.#o.dataDir, 'pods', uid), { recursive: true, force: true });
  }

  #usedPorts(exceptUid: string): Set<number> {
    const used = new Set<number>();
    for (const uid of this.#o.state.allPodRuntimeUids()) {
      if (uid === exceptUid) continue;
      for (const p of this.#o.state.podRuntime<PodRecord>(uid)?.hostPorts ?? []) used.add(p.hostPort);
    }
    return used;
  }

  #save(pod: KubeObject, record: PodRecord): void {
    const status = computePodStatus(pod, record, this.#o.hostIP, ts(this.#o.now()));
    const text = JSON.stringify(status);
    if (text !== record.lastReported) {
      record.lastReported = text;
      this.#o.state.enqueuePodStatus({
        namespace: record.namespace,
        name: record.name,
        uid: record.uid,
        status,
      });
      this.#o.onReport?.();
    }
    this.#o.state.setPodRuntime(record.uid, record);
  }

  /** Re-queues every pod's current status (after reconnecting, so the hub converges). */
  reportAll(): void {
    for (const pod of this.#o.state.objects(podType.storage)) {
      const record = this.#o.state.podRuntime<PodRecord>(pod.metadata.uid ?? '');
      if (!record) continue;
      delete record.lastReported;
      this.#save(pod, record);
    }
  }

  #event(pod: KubeObject, type: EventReport['type'], reason: string, message: string): void {
    this.#o.state.enqueueEvent({
      involvedObject: {
        apiVersion: 'v1',
        kind: 'Pod',
        namespace: pod.metadata.namespace ?? 'default',
        name: pod.metadata.name ?? '',
        ...(pod.metadata.uid && { uid: pod.metadata.uid }),
      },
      type,
      reason,
      message,
      time: ts(this.#o.now()),
    });
    this.#o.onReport?.();
  }
}
