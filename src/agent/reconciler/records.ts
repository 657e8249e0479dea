/** What the agent remembers about each pod between syncs and across restarts (pod_runtime table). */

export interface TerminatedState {
  exitCode: number;
  reason: string;
  message?: string;
  startedAt?: string;
  finishedAt: string;
}

export interface ContainerRecord {
  restartCount: number;
  state: 'waiting' | 'running' | 'terminated';
  reason?: string;
  message?: string;
  startedAt?: string;
  terminated?: TerminatedState;
  lastTerminated?: TerminatedState;
  ready: boolean;
  /** Epoch ms before which a crashed container is not restarted (CrashLoopBackOff). */
  backoffUntil?: number;
  backoffSeconds?: number;
  /** Digest of the artifact the container runs, reported as imageID. */
  imageID?: string;
  /** Failed image pulls in a row, the epoch ms before which the next is not tried, and the last error. */
  pullFailures?: number;
  pullRetryAt?: number;
  pullError?: string;
}

export interface HostPortRecord {
  container: string;
  containerPort: number;
  hostPort: number;
  protocol: 'TCP' | 'UDP';
}

export interface PodRecord {
  uid: string;
  namespace: string;
  name: string;
  startTime: string;
  hostPorts: HostPortRecord[];
  containers: Record<string, ContainerRecord>;
  /** Set once the pod's containers were stopped after deletion began. */
  terminated?: boolean;
  /** The status last queued for the hub, to queue only changes. */
  lastReported?: string;
  /** Condition transition times, kept so unchanged conditions keep their times. */
  conditionTimes?: Record<string, { status: string; time: string }>;
}

export function workloadId(uid: string, container: string): string {
  return `${uid}/${container}`;
}

export function splitWorkloadId(id: string): { uid: string; container: string } {
  const slash = id.indexOf('/');
  return { uid: id.slice(0, slash), container: id.slice(slash + 1) };
}
