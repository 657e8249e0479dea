/** core/v1 Container and the messages it holds (k8s.io/api core/v1/generated.proto). */
import {
  BOOL,
  field,
  INT_OR_STRING,
  INT32,
  INT64,
  inline,
  map,
  message,
  msg,
  pointer,
  QUANTITY,
  repeated,
  STRING,
} from '../schema.js';

export const LocalObjectReference = message('LocalObjectReference', [field(1, 'name', STRING)]);

export const ContainerPort = message('ContainerPort', [
  field(1, 'name', STRING),
  field(2, 'hostPort', INT32),
  field(3, 'containerPort', INT32),
  field(4, 'protocol', STRING),
  field(5, 'hostIP', STRING),
]);

export const ObjectFieldSelector = message('ObjectFieldSelector', [
  field(1, 'apiVersion', STRING),
  field(2, 'fieldPath', STRING),
]);

export const ResourceFieldSelector = message('ResourceFieldSelector', [
  field(1, 'containerName', STRING),
  field(2, 'resource', STRING),
  field(3, 'divisor', QUANTITY),
]);

export const ConfigMapKeySelector = message('ConfigMapKeySelector', [
  inline(1, () => LocalObjectReference),
  field(2, 'key', STRING),
  pointer(3, 'optional', BOOL),
]);

export const SecretKeySelector = message('SecretKeySelector', [
  inline(1, () => LocalObjectReference),
  field(2, 'key', STRING),
  pointer(3, 'optional', BOOL),
]);

export const EnvVarSource = message('EnvVarSource', [
  field(
    1,
    'fieldRef',
    msg(() => ObjectFieldSelector),
  ),
  field(
    2,
    'resourceFieldRef',
    msg(() => ResourceFieldSelector),
  ),
  field(
    3,
    'configMapKeyRef',
    msg(() => ConfigMapKeySelector),
  ),
  field(
    4,
    'secretKeyRef',
    msg(() => SecretKeySelector),
  ),
]);

export const EnvVar = message('EnvVar', [
  field(1, 'name', STRING),
  field(2, 'value', STRING),
  field(
    3,
    'valueFrom',
    msg(() => EnvVarSource),
  ),
]);

export const ConfigMapEnvSource = message('ConfigMapEnvSource', [
  inline(1, () => LocalObjectReference),
  pointer(2, 'optional', BOOL),
]);

export const SecretEnvSource = message('SecretEnvSource', [
  inline(1, () => LocalObjectReference),
  pointer(2, 'optional', BOOL),
]);

export const EnvFromSource = message('EnvFromSource', [
  field(1, 'prefix', STRING),
  field(
    2,
    'configMapRef',
    msg(() => ConfigMapEnvSource),
  ),
  field(
    3,
    'secretRef',
    msg(() => SecretEnvSource),
  ),
]);

export const ResourceClaim = message('ResourceClaim', [field(1, 'name', STRING)]);

export const ResourceRequirements = message('ResourceRequirements', [
  map(1, 'limits', QUANTITY),
  map(2, 'requests', QUANTITY),
  repeated(
    3,
    'claims',
    msg(() => ResourceClaim),
  ),
]);

export const VolumeMount = message('VolumeMount', [
  field(1, 'name', STRING),
  field(2, 'readOnly', BOOL),
  field(3, 'mountPath', STRING),
  field(4, 'subPath', STRING),
  pointer(5, 'mountPropagation', STRING),
  field(6, 'subPathExpr', STRING),
]);

export const VolumeDevice = message('VolumeDevice', [
  field(1, 'name', STRING),
  field(2, 'devicePath', STRING),
]);

export const ExecAction = message('ExecAction', [repeated(1, 'command', STRING)]);

export const HTTPHeader = message('HTTPHeader', [field(1, 'name', STRING), field(2, 'value', STRING)]);

export const HTTPGetAction = message('HTTPGetAction', [
  field(1, 'path', STRING),
  field(2, 'port', INT_OR_STRING),
  field(3, 'host', STRING),
  field(4, 'scheme', STRING),
  repeated(
    5,
    'httpHeaders',
    msg(() => HTTPHeader),
  ),
]);

export const TCPSocketAction = message('TCPSocketAction', [
  field(1, 'port', INT_OR_STRING),
  field(2, 'host', STRING),
]);

/** ProbeHandler (Handler before 1.23); Lifecycle hooks use the same first three fields. */
export const ProbeHandler = message('ProbeHandler', [
  field(
    1,
    'exec',
    msg(() => ExecAction),
  ),
  field(
    2,
    'httpGet',
    msg(() => HTTPGetAction),
  ),
  field(
    3,
    'tcpSocket',
    msg(() => TCPSocketAction),
  ),
]);

export const Probe = message('Probe', [
  inline(1, () => ProbeHandler),
  field(2, 'initialDelaySeconds', INT32),
  field(3, 'timeoutSeconds', INT32),
  field(4, 'periodSeconds', INT32),
  field(5, 'successThreshold', INT32),
  field(6, 'failureThreshold', INT32),
  pointer(7, 'terminationGracePeriodSeconds', INT64),
]);

export const Lifecycle = message('Lifecycle', [
  field(
    1,
    'postStart',
    msg(() => ProbeHandler),
  ),
  field(
    2,
    'preStop',
    msg(() => ProbeHandler),
  ),
]);

export const Capabilities = message('Capabilities', [
  repeated(1, 'add', STRING),
  repeated(2, 'drop', STRING),
]);

export const SELinuxOptions = message('SELinuxOptions', [
  field(1, 'user', STRING),
  field(2, 'role', STRING),
  field(3, 'type', STRING),
  field(4, 'level', STRING),
]);

export const SeccompProfile = message('SeccompProfile', [
  field(1, 'type', STRING),
  pointer(2, 'localhostProfile', STRING),
]);

export const WindowsSecurityContextOptions = message('WindowsSecurityContextOptions', [
  pointer(1, 'gmsaCredentialSpecName', STRING),
  pointer(2, 'gmsaCredentialSpec', STRING),
  pointer(3, 'runAsUserName', STRING),
]);

export const SecurityContext = message('SecurityContext', [
  field(
    1,
    'capabilities',
    msg(() => Capabilities),
  ),
  pointer(2, 'privileged', BOOL),
  field(
    3,
    'seLinuxOptions',
    msg(() => SELinuxOptions),
  ),
  field(
    10,
    'windowsOptions',
    msg(() => WindowsSecurityContextOptions),
  ),
  pointer(4, 'runAsUser', INT64),
  pointer(8, 'runAsGroup', INT64),
  pointer(5, 'runAsNonRoot', BOOL),
  pointer(6, 'readOnlyRootFilesystem', BOOL),
  pointer(7, 'allowPrivilegeEscalation', BOOL),
  pointer(9, 'procMount', STRING),
  field(
    11,
    'seccompProfile',
    msg(() => SeccompProfile),
  ),
]);

export const Container = message('Container', [
  field(1, 'name', STRING),
  field(2, 'image', STRING),
  repeated(3, 'command', STRING),
  repeated(4, 'args', STRING),
  field(5, 'workingDir', STRING),
  repeated(
    6,
    'ports',
    msg(() => ContainerPort),
  ),
  repeated(
    19,
    'envFrom',
    msg(() => EnvFromSource),
  ),
  repeated(
    7,
    'env',
    msg(() => EnvVar),
  ),
  field(
    8,
    'resources',
    msg(() => ResourceRequirements),
  ),
  pointer(24, 'restartPolicy', STRING),
  repeated(
    9,
    'volumeMounts',
    msg(() => VolumeMount),
  ),
  repeated(
    21,
    'volumeDevices',
    msg(() => VolumeDevice),
  ),
  field(
    10,
    'livenessProbe',
    msg(() => Probe),
  ),
  field(
    11,
    'readinessProbe',
    msg(() => Probe),
  ),
  field(
    22,
    'startupProbe',
    msg(() => Probe),
  ),
  field(
    12,
    'lifecycle',
    msg(() => Lifecycle),
  ),
  field(13, 'terminationMessagePath', STRING),
  field(20, 'terminationMessagePolicy', STRING),
  field(14, 'imagePullPolicy', STRING),
  field(
    15,
    'securityContext',
    msg(() => SecurityContext),
  ),
  field(16, 'stdin', BOOL),
  field(17, 'stdinOnce', BOOL),
  field(18, 'tty', BOOL),
]);
