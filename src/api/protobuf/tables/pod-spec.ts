/** core/v1 PodSpec and PodTemplateSpec, the part Deployments, DaemonSets and Pods share. */
import {
  BOOL,
  field,
  INT32,
  INT64,
  map,
  message,
  msg,
  pointer,
  QUANTITY,
  repeated,
  STRING,
} from '../schema.js';
import { Affinity } from './affinity.js';
import {
  Container,
  LocalObjectReference,
  SELinuxOptions,
  SeccompProfile,
  WindowsSecurityContextOptions,
} from './containers.js';
import { LabelSelector, ObjectMeta } from './meta.js';
import { Volume } from './volumes.js';

export const Sysctl = message('Sysctl', [field(1, 'name', STRING), field(2, 'value', STRING)]);

export const PodSecurityContext = message('PodSecurityContext', [
  field(
    1,
    'seLinuxOptions',
    msg(() => SELinuxOptions),
  ),
  field(
    8,
    'windowsOptions',
    msg(() => WindowsSecurityContextOptions),
  ),
  pointer(2, 'runAsUser', INT64),
  pointer(6, 'runAsGroup', INT64),
  pointer(3, 'runAsNonRoot', BOOL),
  repeated(4, 'supplementalGroups', INT64),
  pointer(5, 'fsGroup', INT64),
  repeated(
    7,
    'sysctls',
    msg(() => Sysctl),
  ),
  pointer(9, 'fsGroupChangePolicy', STRING),
  field(
    10,
    'seccompProfile',
    msg(() => SeccompProfile),
  ),
]);

export const Toleration = message('Toleration', [
  field(1, 'key', STRING),
  field(2, 'operator', STRING),
  field(3, 'value', STRING),
  field(4, 'effect', STRING),
  pointer(5, 'tolerationSeconds', INT64),
]);

export const HostAlias = message('HostAlias', [field(1, 'ip', STRING), repeated(2, 'hostnames', STRING)]);

export const PodDNSConfigOption = message('PodDNSConfigOption', [
  field(1, 'name', STRING),
  pointer(2, 'value', STRING),
]);

export const PodDNSConfig = message('PodDNSConfig', [
  repeated(1, 'nameservers', STRING),
  repeated(2, 'searches', STRING),
  repeated(
    3,
    'options',
    msg(() => PodDNSConfigOption),
  ),
]);

export const PodReadinessGate = message('PodReadinessGate', [field(1, 'conditionType', STRING)]);

export const TopologySpreadConstraint = message('TopologySpreadConstraint', [
  field(1, 'maxSkew', INT32),
  field(2, 'topologyKey', STRING),
  field(3, 'whenUnsatisfiable', STRING),
  field(
    4,
    'labelSelector',
    msg(() => LabelSelector),
  ),
]);

export const PodOS = message('PodOS', [field(1, 'name', STRING)]);

export const PodSchedulingGate = message('PodSchedulingGate', [field(1, 'name', STRING)]);

export const PodSpec = message('PodSpec', [
  repeated(
    1,
    'volumes',
    msg(() => Volume),
  ),
  repeated(
    20,
    'initContainers',
    msg(() => Container),
  ),
  repeated(
    2,
    'containers',
    msg(() => Container),
  ),
  field(3, 'restartPolicy', STRING),
  pointer(4, 'terminationGracePeriodSeconds', INT64),
  pointer(5, 'activeDeadlineSeconds', INT64),
  field(6, 'dnsPolicy', STRING),
  map(7, 'nodeSelector', STRING),
  field(8, 'serviceAccountName', STRING),
  field(9, 'serviceAccount', STRING),
  pointer(21, 'automountServiceAccountToken', BOOL),
  field(10, 'nodeName', STRING),
  field(11, 'hostNetwork', BOOL),
  field(12, 'hostPID', BOOL),
  field(13, 'hostIPC', BOOL),
  pointer(27, 'shareProcessNamespace', BOOL),
  field(
    14,
    'securityContext',
    msg(() => PodSecurityContext),
  ),
  repeated(
    15,
    'imagePullSecrets',
    msg(() => LocalObjectReference),
  ),
  field(16, 'hostname', STRING),
  field(17, 'subdomain', STRING),
  field(
    18,
    'affinity',
    msg(() => Affinity),
  ),
  field(19, 'schedulerName', STRING),
  repeated(
    22,
    'tolerations',
    msg(() => Toleration),
  ),
  repeated(
    23,
    'hostAliases',
    msg(() => HostAlias),
  ),
  field(24, 'priorityClassName', STRING),
  pointer(25, 'priority', INT32),
  field(
    26,
    'dnsConfig',
    msg(() => PodDNSConfig),
  ),
  repeated(
    28,
    'readinessGates',
    msg(() => PodReadinessGate),
  ),
  pointer(29, 'runtimeClassName', STRING),
  pointer(30, 'enableServiceLinks', BOOL),
  pointer(31, 'preemptionPolicy', STRING),
  map(32, 'overhead', QUANTITY),
  repeated(
    33,
    'topologySpreadConstraints',
    msg(() => TopologySpreadConstraint),
  ),
  pointer(35, 'setHostnameAsFQDN', BOOL),
  field(
    36,
    'os',
    msg(() => PodOS),
  ),
  pointer(37, 'hostUsers', BOOL),
  repeated(
    38,
    'schedulingGates',
    msg(() => PodSchedulingGate),
  ),
]);

export const PodTemplateSpec = message('PodTemplateSpec', [
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
]);
