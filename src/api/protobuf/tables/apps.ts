/** apps/v1 Deployment and DaemonSet (k8s.io/api apps/v1/generated.proto). */
import {
  BOOL,
  field,
  INT_OR_STRING,
  INT32,
  INT64,
  message,
  msg,
  pointer,
  repeated,
  STRING,
  TIME,
} from '../schema.js';
import { LabelSelector, ObjectMeta } from './meta.js';
import { PodTemplateSpec } from './pod-spec.js';

/** RollingUpdateDeployment and RollingUpdateDaemonSet share one layout. */
export const RollingUpdate = message('RollingUpdate', [
  pointer(1, 'maxUnavailable', INT_OR_STRING),
  pointer(2, 'maxSurge', INT_OR_STRING),
]);

export const DeploymentStrategy = message('DeploymentStrategy', [
  field(1, 'type', STRING),
  field(
    2,
    'rollingUpdate',
    msg(() => RollingUpdate),
  ),
]);

export const DeploymentSpec = message('DeploymentSpec', [
  pointer(1, 'replicas', INT32),
  field(
    2,
    'selector',
    msg(() => LabelSelector),
  ),
  field(
    3,
    'template',
    msg(() => PodTemplateSpec),
  ),
  field(
    4,
    'strategy',
    msg(() => DeploymentStrategy),
  ),
  field(5, 'minReadySeconds', INT32),
  pointer(6, 'revisionHistoryLimit', INT32),
  field(7, 'paused', BOOL),
  pointer(9, 'progressDeadlineSeconds', INT32),
]);

export const DeploymentCondition = message('DeploymentCondition', [
  field(1, 'type', STRING),
  field(2, 'status', STRING),
  field(6, 'lastUpdateTime', TIME),
  field(7, 'lastTransitionTime', TIME),
  field(4, 'reason', STRING),
  field(5, 'message', STRING),
]);

export const DeploymentStatus = message('DeploymentStatus', [
  field(1, 'observedGeneration', INT64),
  field(2, 'replicas', INT32),
  field(3, 'updatedReplicas', INT32),
  field(7, 'readyReplicas', INT32),
  field(4, 'availableReplicas', INT32),
  field(5, 'unavailableReplicas', INT32),
  repeated(
    6,
    'conditions',
    msg(() => DeploymentCondition),
  ),
  pointer(8, 'collisionCount', INT32),
]);

export const Deployment = message('Deployment', [
  field(
    1,
    'metadata',
    msg(() => ObjectMeta),
  ),
  field(
    2,
    'spec',
    msg(() => DeploymentSpec),
  ),
  field(
    3,
    'status',
    msg(() => DeploymentStatus),
  ),
]);

export const DaemonSetUpdateStrategy = message('DaemonSetUpdateStrategy', [
  field(1, 'type', STRING),
  field(
    2,
    'rollingUpdate',
    msg(() => RollingUpdate),
  ),
]);

export const DaemonSetSpec = message('DaemonSetSpec', [
  field(
    1,
    'selector',
    msg(() => LabelSelector),
  ),
  field(
    2,
    'template',
    msg(() => PodTemplateSpec),
  ),
  field(
    3,
    'updateStrategy',
    msg(() => DaemonSetUpdateStrategy),
  ),
  field(4, 'minReadySeconds', INT32),
  pointer(6, 'revisionHistoryLimit', INT32),
]);

export const DaemonSetCondition = message('DaemonSetCondition', [
  field(1, 'type', STRING),
  field(2, 'status', STRING),
  field(3, 'lastTransitionTime', TIME),
  field(4, 'reason', STRING),
  field(5, 'message', STRING),
]);

export const DaemonSetStatus = message('DaemonSetStatus', [
  field(1, 'currentNumberScheduled', INT32),
  field(2, 'numberMisscheduled', INT32),
  field(3, 'desiredNumberScheduled', INT32),
  field(4, 'numberReady', INT32),
  field(5, 'observedGeneration', INT64),
  field(6, 'updatedNumberScheduled', INT32),
  field(7, 'numberAvailable', INT32),
  field(8, 'numberUnavailable', INT32),
  pointer(9, 'collisionCount', INT32),
  repeated(
    10,
    'conditions',
    msg(() => DaemonSetCondition),
  ),
]);

export const DaemonSet = message('DaemonSet', [
  field(
    1,
    'metadata',
    msg(() => ObjectMeta),
  ),
  field(
    2,
    'spec',
    msg(() => DaemonSetSpec),
  ),
  field(
    3,
    'status',
    msg(() => DaemonSetStatus),
  ),
]);
