/** k8s.io/apimachinery meta/v1 messages (pkg/apis/meta/v1/generated.proto). */
import {
  BOOL,
  field,
  INT64,
  map,
  message,
  msg,
  pointer,
  RAW_JSON,
  repeated,
  STRING,
  TIME,
} from '../schema.js';

export const OwnerReference = message('OwnerReference', [
  field(5, 'apiVersion', STRING),
  field(1, 'kind', STRING),
  field(3, 'name', STRING),
  field(4, 'uid', STRING),
  pointer(6, 'controller', BOOL),
  pointer(7, 'blockOwnerDeletion', BOOL),
]);

export const ManagedFieldsEntry = message('ManagedFieldsEntry', [
  field(1, 'manager', STRING),
  field(2, 'operation', STRING),
  field(3, 'apiVersion', STRING),
  field(4, 'time', TIME),
  field(6, 'fieldsType', STRING),
  pointer(7, 'fieldsV1', RAW_JSON),
  field(8, 'subresource', STRING),
]);

export const ObjectMeta = message('ObjectMeta', [
  field(1, 'name', STRING),
  field(2, 'generateName', STRING),
  field(3, 'namespace', STRING),
  field(4, 'selfLink', STRING),
  field(5, 'uid', STRING),
  field(6, 'resourceVersion', STRING),
  field(7, 'generation', INT64),
  field(8, 'creationTimestamp', TIME),
  field(9, 'deletionTimestamp', TIME),
  pointer(10, 'deletionGracePeriodSeconds', INT64),
  map(11, 'labels', STRING),
  map(12, 'annotations', STRING),
  repeated(
    13,
    'ownerReferences',
    msg(() => OwnerReference),
  ),
  repeated(14, 'finalizers', STRING),
  repeated(
    17,
    'managedFields',
    msg(() => ManagedFieldsEntry),
  ),
]);

export const LabelSelectorRequirement = message('LabelSelectorRequirement', [
  field(1, 'key', STRING),
  field(2, 'operator', STRING),
  repeated(3, 'values', STRING),
]);

export const LabelSelector = message('LabelSelector', [
  map(1, 'matchLabels', STRING),
  repeated(
    2,
    'matchExpressions',
    msg(() => LabelSelectorRequirement),
  ),
]);
