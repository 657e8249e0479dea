/** Computes a pod's status (phase, conditions, container statuses) from the agent's records. */
import type { Container, PodSpec } from '../../api/kinds/pod-spec.js';
import type { KubeObject } from '../../api/object.js';
import type { ContainerRecord, PodRecord, TerminatedState } from './records.js';

function stateOf(record: ContainerRecord | undefined): Record<string, unknown> {
  if (!record) return { waiting: { reason: 'ContainerCreating' } };
  if (record.state === 'running') return { running: { startedAt: record.startedAt } };
  if (record.state === 'terminated' && record.terminated)
    return { terminated: terminatedJson(record.terminated) };
  return {
    waiting: {
      reason: record.reason ?? 'ContainerCreating',
      ...(record.message && { message: record.message }),
    },
  };
}

function terminatedJson(t: TerminatedState): Record<string, unknown> {
  return {
    exitCode: t.exitCode,
    reason: t.reason,
    ...(t.message && { message: t.message }),
    ...(t.startedAt && { startedAt: t.startedAt }),
    finishedAt: t.finishedAt,
  };
}

function phaseOf(
  containers: Container[],
  records: Record<string, ContainerRecord>,
  restartPolicy: string,
): string {
  const list = containers.map((c) => records[c.name]);
  if (list.some((r) => r?.state === 'running')) return 'Running';
  const allTerminated = list.every(
    (r) => r?.state === 'terminated' || (r?.state === 'waiting' && r.reason === 'CrashLoopBackOff'),
  );
  if (allTerminated && list.length > 0) {
    const succeeded = list.every((r) => (r?.terminated ?? r?.lastTerminated)?.exitCode === 0);
    if (restartPolicy === 'Never') return succeeded ? 'Succeeded' : 'Failed';
    if (restartPolicy === 'OnFailure' && succeeded) return 'Succeeded';
    return 'Running';
  }
  return 'Pending';
}

export function computePodStatus(
  pod: KubeObject,
  record: PodRecord,
  hostIP: string,
  now: string,
): Record<string, unknown> {
  const spec = pod.spec as PodSpec;
  const containers = spec.containers ?? [];
  const statuses = containers.map((c) => {
    const r = record.containers[c.name];
    return {
      name: c.name,
      ready: r?.state === 'running' && r.ready,
      restartCount: r?.restartCount ?? 0,
      image: c.image ?? '',
      imageID: r?.imageID ?? '',
      started: r?.state === 'running',
      state: stateOf(r),
      ...(r?.lastTerminated && { lastState: { terminated: terminatedJson(r.lastTerminated) } }),
    };
  });
  const initDone = (spec.initContainers ?? []).every(
    (c) => record.containers[c.name]?.terminated?.exitCode === 0,
  );
  const allReady = statuses.length > 0 && statuses.every((s) => s.ready);
  record.conditionTimes ??= {};
  const times = record.conditionTimes;
  const condition = (type: string, ok: boolean, reason?: string) => {
    const status = ok ? 'True' : 'False';
    const prior = times[type];
    const time = prior && prior.status === status ? prior.time : now;
    times[type] = { status, time };
    return { type, status, lastTransitionTime: time, lastProbeTime: null, ...(reason && !ok && { reason }) };
  };
  const initStatuses = (spec.initContainers ?? []).map((c) => {
    const r = record.containers[c.name];
    return {
      name: c.name,
      ready: r?.terminated?.exitCode === 0,
      restartCount: r?.restartCount ?? 0,
      image: c.image ?? '',
      imageID: r?.imageID ?? '',
      state: stateOf(r),
    };
  });
  return {
    phase: phaseOf(containers, record.containers, spec.restartPolicy ?? 'Always'),
    conditions: [
      condition('PodReadyToStartContainers', true),
      condition('Initialized', initDone, 'ContainersNotInitialized'),
      condition('ContainersReady', allReady, 'ContainersNotReady'),
      condition('Ready', allReady, 'ContainersNotReady'),
      condition('PodScheduled', true),
    ],
    hostIP,
    podIP: hostIP,
    startTime: record.startTime,
    ...(initStatuses.length > 0 && { initContainerStatuses: initStatuses }),
    containerStatuses: statuses,
    hostPorts: record.hostPorts.map((p) => ({
      container: p.container,
      containerPort: p.containerPort,
      hostPort: p.hostPort,
    })),
  };
}
