/**
 * core/v1 Volume and the common volume sources. Cloud- and vendor-specific
 * sources (AWS EBS, Ceph, …) are not listed, so they are skipped when decoding.
 */
import {
  BOOL,
  field,
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
import { LocalObjectReference, ObjectFieldSelector, ResourceFieldSelector } from './containers.js';

export const KeyToPath = message('KeyToPath', [
  field(1, 'key', STRING),
  field(2, 'path', STRING),
  pointer(3, 'mode', INT32),
]);

export const HostPathVolumeSource = message('HostPathVolumeSource', [
  field(1, 'path', STRING),
  pointer(2, 'type', STRING),
]);

export const EmptyDirVolumeSource = message('EmptyDirVolumeSource', [
  field(1, 'medium', STRING),
  pointer(2, 'sizeLimit', QUANTITY),
]);

export const SecretVolumeSource = message('SecretVolumeSource', [
  field(1, 'secretName', STRING),
  repeated(
    2,
    'items',
    msg(() => KeyToPath),
  ),
  pointer(3, 'defaultMode', INT32),
  pointer(4, 'optional', BOOL),
]);

export const NFSVolumeSource = message('NFSVolumeSource', [
  field(1, 'server', STRING),
  field(2, 'path', STRING),
  field(3, 'readOnly', BOOL),
]);

export const PersistentVolumeClaimVolumeSource = message('PersistentVolumeClaimVolumeSource', [
  field(1, 'claimName', STRING),
  field(2, 'readOnly', BOOL),
]);

export const DownwardAPIVolumeFile = message('DownwardAPIVolumeFile', [
  field(1, 'path', STRING),
  field(
    2,
    'fieldRef',
    msg(() => ObjectFieldSelector),
  ),
  field(
    3,
    'resourceFieldRef',
    msg(() => ResourceFieldSelector),
  ),
  pointer(4, 'mode', INT32),
]);

export const DownwardAPIVolumeSource = message('DownwardAPIVolumeSource', [
  repeated(
    1,
    'items',
    msg(() => DownwardAPIVolumeFile),
  ),
  pointer(2, 'defaultMode', INT32),
]);

export const ConfigMapVolumeSource = message('ConfigMapVolumeSource', [
  inline(1, () => LocalObjectReference),
  repeated(
    2,
    'items',
    msg(() => KeyToPath),
  ),
  pointer(3, 'defaultMode', INT32),
  pointer(4, 'optional', BOOL),
]);

export const SecretProjection = message('SecretProjection', [
  inline(1, () => LocalObjectReference),
  repeated(
    2,
    'items',
    msg(() => KeyToPath),
  ),
  pointer(4, 'optional', BOOL),
]);

export const ConfigMapProjection = message('ConfigMapProjection', [
  inline(1, () => LocalObjectReference),
  repeated(
    2,
    'items',
    msg(() => KeyToPath),
  ),
  pointer(4, 'optional', BOOL),
]);

export const DownwardAPIProjection = message('DownwardAPIProjection', [
  repeated(
    1,
    'items',
    msg(() => DownwardAPIVolumeFile),
  ),
]);

export const ServiceAccountTokenProjection = message('ServiceAccountTokenProjection', [
  field(1, 'audience', STRING),
  pointer(2, 'expirationSeconds', INT64),
  field(3, 'path', STRING),
]);

export const VolumeProjection = message('VolumeProjection', [
  field(
    1,
    'secret',
    msg(() => SecretProjection),
  ),
  field(
    2,
    'downwardAPI',
    msg(() => DownwardAPIProjection),
  ),
  field(
    3,
    'configMap',
    msg(() => ConfigMapProjection),
  ),
  field(
    4,
    'serviceAccountToken',
    msg(() => ServiceAccountTokenProjection),
  ),
]);

export const ProjectedVolumeSource = message('ProjectedVolumeSource', [
  repeated(
    1,
    'sources',
    msg(() => VolumeProjection),
  ),
  pointer(2, 'defaultMode', INT32),
]);

export const CSIVolumeSource = message('CSIVolumeSource', [
  field(1, 'driver', STRING),
  pointer(2, 'readOnly', BOOL),
  pointer(3, 'fsType', STRING),
  map(4, 'volumeAttributes', STRING),
  field(
    5,
    'nodePublishSecretRef',
    msg(() => LocalObjectReference),
  ),
]);

/** VolumeSource is a union; JSON inlines it into Volume. Field order follows the Go struct. */
export const VolumeSource = message('VolumeSource', [
  field(
    1,
    'hostPath',
    msg(() => HostPathVolumeSource),
  ),
  field(
    2,
    'emptyDir',
    msg(() => EmptyDirVolumeSource),
  ),
  field(
    6,
    'secret',
    msg(() => SecretVolumeSource),
  ),
  field(
    7,
    'nfs',
    msg(() => NFSVolumeSource),
  ),
  field(
    10,
    'persistentVolumeClaim',
    msg(() => PersistentVolumeClaimVolumeSource),
  ),
  field(
    16,
    'downwardAPI',
    msg(() => DownwardAPIVolumeSource),
  ),
  field(
    19,
    'configMap',
    msg(() => ConfigMapVolumeSource),
  ),
  field(
    26,
    'projected',
    msg(() => ProjectedVolumeSource),
  ),
  field(
    28,
    'csi',
    msg(() => CSIVolumeSource),
  ),
]);

export const Volume = message('Volume', [field(1, 'name', STRING), inline(2, () => VolumeSource)]);
