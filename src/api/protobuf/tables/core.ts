/** core/v1 top-level kinds: ConfigMap, Secret, Namespace, Pod. */
import { BOOL, BYTES, field, INT32, map, message, msg, pointer, repeated, STRING, TIME } from '../schema.js';
import { ObjectMeta } from './meta.js';
import { PodSpec } from './pod-spec.js';

export const ConfigMap = message('ConfigMap', [
  field(
    1,
    'metadata',
    msg(() => ObjectMeta),
  ),
  pointer(4, 'immutable', BOOL),
  map(2, 'data', STRING),
  map(3, 'binaryData', BYTES),
]);

export const Secret = message('Secret', [
  field(
    1,
    'metadata',
    msg(() => ObjectMeta),
  ),
  pointer(5, 'immutable', BOOL),
  map(2, 'data', BYTES),
  map(4, 'stringData', STRING),
  field(3, 'type', STRING),
]);

export const NamespaceCondition = message('NamespaceCondition', [
  field(1, 'type', STRING),
  field(2, 'status', STRING),
  field(4, 'lastTransitionTime', TIME),
  field(5, 'reason', STRING),
  field(6, 'message', STRING),
]);

export const NamespaceSpec = message('NamespaceSpec', [repeated(1, 'finalizers', STRING)]);

export const NamespaceStatus = message('NamespaceStatus', [
  field(1, 'phase', STRING),
  repeated(
    2,
    'conditions',
    msg(() => NamespaceCondition),
  ),
]);

export const Namespace = message('Namespace', [
  field(
    1,
    'metadata',
    msg(() => ObjectMeta),
  ),
  field(
    2,
    'spec',
    msg(() => NamespaceSpec),
  ),
  field(
    3,
    'status',
    msg(() => NamespaceStatus),
  ),
]);

export const PodCondition = message('PodCondition', [
  field(1, 'type', STRING),
  field(2, 'status', STRING),
  field(3, 'lastProbeTime', TIME),
  field(4, 'lastTransitionTime', TIME),
  field(5, 'reason', STRING),
  field(6, 'message', STRING),
]);

export const ContainerStateWaiting = message('ContainerStateWaiting', [
  field(1, 'reason', STRING),
  field(2, 'message', STRING),
]);

export const ContainerStateRunning = message('ContainerStateRunning', [field(1, 'startedAt', TIME)]);

export const ContainerStateTerminated = message('ContainerStateTerminated', [
  field(1, 'exitCode', INT32),
  field(2, 'signal', INT32),
  field(3, 'reason', STRING),
  field(4, 'message', STRING),
  field(5, 'startedAt', TIME),
  field(6, 'finishedAt', TIME),
  field(7, 'containerID', STRING),
]);

export const ContainerState = message('ContainerState', [
  field(
    1,
    'waiting',
    msg(() => ContainerStateWaiting),
  ),
  field(
    2,
    'running',
    msg(() => ContainerStateRunning),
  ),
  field(
    3,
    'terminated',
    msg(() => ContainerStateTerminated),
  ),
]);

export const ContainerStatus = message('ContainerStatus', [
  field(1, 'name', STRING),
  field(
    2,
    'state',
    msg(() => ContainerState),
  ),
  field(
    3,
    'lastState',
    msg(() => ContainerState),
  ),
  field(4, 'ready', BOOL),
  field(5, 'restartCount', INT32),
  field(6, 'image', STRING),
  field(7, 'imageID', STRING),
  field(8, 'containerID', STRING),
  pointer(9, 'started', BOOL),
]);

export const PodIP = message('PodIP', [field(1, 'ip', STRING)]);

export const PodStatus = message('PodStatus', [
  field(1, 'phase', STRING),
  repeated(
    2,
    'conditions',
    msg(() => PodCondition),
  ),
  field(3, 'message', STRING),
  field(4, 'reason', STRING),
  field(11, 'nominatedNodeName', STRING),
  field(5, 'hostIP', STRING),
  field(6, 'podIP', STRING),
  repeated(
    12,
    'podIPs',
    msg(() => PodIP),
  ),
  field(7, 'startTime', TIME),
  repeated(
    10,
    'initContainerStatuses',
    msg(() => ContainerStatus),
  ),
  repeated(
    8,
    'containerStatuses',
    msg(() => ContainerStatus),
  ),
  field(9, 'qosClass', STRING),
]);

export const Pod = message('Pod', [
  field(
    1,
    'metadata',
    msg(() => ObjectMeta),
  ),
  field(
    2,
    'spec',
    msg(() => PodSpec),
  ),
  field(
    3,
    'status',
    msg(() => PodStatus),
  ),
]);
