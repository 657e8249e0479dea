/** core/v1 Affinity: node affinity and pod (anti-)affinity scheduling rules. */
import { field, INT32, message, msg, repeated, STRING } from '../schema.js';
import { LabelSelector } from './meta.js';

export const NodeSelectorRequirement = message('NodeSelectorRequirement', [
  field(1, 'key', STRING),
  field(2, 'operator', STRING),
  repeated(3, 'values', STRING),
]);

export const NodeSelectorTerm = message('NodeSelectorTerm', [
  repeated(
    1,
    'matchExpressions',
    msg(() => NodeSelectorRequirement),
  ),
  repeated(
    2,
    'matchFields',
    msg(() => NodeSelectorRequirement),
  ),
]);

export const NodeSelector = message('NodeSelector', [
  repeated(
    1,
    'nodeSelectorTerms',
    msg(() => NodeSelectorTerm),
  ),
]);

export const PreferredSchedulingTerm = message('PreferredSchedulingTerm', [
  field(1, 'weight', INT32),
  field(
    2,
    'preference',
    msg(() => NodeSelectorTerm),
  ),
]);

export const NodeAffinity = message('NodeAffinity', [
  field(
    1,
    'requiredDuringSchedulingIgnoredDuringExecution',
    msg(() => NodeSelector),
  ),
  repeated(
    2,
    'preferredDuringSchedulingIgnoredDuringExecution',
    msg(() => PreferredSchedulingTerm),
  ),
]);

export const PodAffinityTerm = message('PodAffinityTerm', [
  field(
    1,
    'labelSelector',
    msg(() => LabelSelector),
  ),
  repeated(2, 'namespaces', STRING),
  field(3, 'topologyKey', STRING),
  field(
    4,
    'namespaceSelector',
    msg(() => LabelSelector),
  ),
]);

export const WeightedPodAffinityTerm = message('WeightedPodAffinityTerm', [
  field(1, 'weight', INT32),
  field(
    2,
    'podAffinityTerm',
    msg(() => PodAffinityTerm),
  ),
]);

/** PodAffinity and PodAntiAffinity share one layout. */
export const PodAffinity = message('PodAffinity', [
  repeated(
    1,
    'requiredDuringSchedulingIgnoredDuringExecution',
    msg(() => PodAffinityTerm),
  ),
  repeated(
    2,
    'preferredDuringSchedulingIgnoredDuringExecution',
    msg(() => WeightedPodAffinityTerm),
  ),
]);

export const Affinity = message('Affinity', [
  field(
    1,
    'nodeAffinity',
    msg(() => NodeAffinity),
  ),
  field(
    2,
    'podAffinity',
    msg(() => PodAffinity),
  ),
  field(
    3,
    'podAntiAffinity',
    msg(() => PodAffinity),
  ),
]);
