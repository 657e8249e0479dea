/**
 * What a pod needs besides itself: the ConfigMaps, Secrets and RuntimeClass it
 * names. The hub ships exactly these to the pod's node; the agent resolves them.
 */
import type { KubeObject } from '../object.js';
import type { PodSpec } from './pod-spec.js';

export interface PodReferences {
  configMaps: Set<string>;
  secrets: Set<string>;
  runtimeClass?: string;
}

export function podReferences(pod: KubeObject): PodReferences {
  const spec = (pod.spec ?? {}) as Partial<PodSpec>;
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    for (const e of c.env ?? []) {
      if (e.valueFrom?.configMapKeyRef?.name) configMaps.add(e.valueFrom.configMapKeyRef.name);
      if (e.valueFrom?.secretKeyRef?.name) secrets.add(e.valueFrom.secretKeyRef.name);
    }
    for (const from of c.envFrom ?? []) {
      if (from.configMapRef?.name) configMaps.add(from.configMapRef.name);
      if (from.secretRef?.name) secrets.add(from.secretRef.name);
    }
  }
  for (const v of spec.volumes ?? []) {
    if (v.configMap?.name) configMaps.add(v.configMap.name);
    if (v.secret?.secretName) secrets.add(v.secret.secretName);
  }
  const refs: PodReferences = { configMaps, secrets };
  if (spec.runtimeClassName) refs.runtimeClass = spec.runtimeClassName;
  return refs;
}
