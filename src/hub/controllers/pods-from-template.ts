/** Building pods from a workload's template, and reading who owns a pod. */
import { createHash, randomBytes } from 'node:crypto';
import type { PodTemplateSpec } from '../../api/kinds/pod-spec.js';
import type { KubeObject, OwnerReference } from '../../api/object.js';

export const TEMPLATE_HASH_LABEL = 'pod-template-hash';

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function randomSuffix(length = 5): string {
  let out = '';
  for (const b of randomBytes(length)) out += ALPHABET[b % ALPHABET.length];
  return out;
}

/** Canonical JSON (sorted keys) so equal templates hash equally whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A short, label-safe hash of a pod template: pods with a different one are from an older revision. */
export function templateHash(template: unknown): string {
  const digest = createHash('sha256').update(canonical(template)).digest();
  let out = '';
  for (let i = 0; i < 10; i++) out += ALPHABET[(digest[i] ?? 0) % ALPHABET.length];
  return out;
}

export function controllerOf(object: KubeObject): OwnerReference | undefined {
  return object.metadata.ownerReferences?.find((o) => o.controller === true);
}

export function ownerReferenceTo(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

export interface PodFromTemplateOptions {
  owner: KubeObject;
  template: PodTemplateSpec;
  name: string;
  hash: string;
  nodeName?: string;
}

export function podFromTemplate(options: PodFromTemplateOptions): KubeObject {
  const { owner, template, name, hash } = options;
  const spec = structuredClone(template.spec) as Record<string, unknown>;
  if (options.nodeName) spec.nodeName = options.nodeName;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: owner.metadata.namespace ?? 'default',
      labels: { ...(template.metadata?.labels ?? {}), [TEMPLATE_HASH_LABEL]: hash },
      ...(template.metadata?.annotations && { annotations: { ...template.metadata.annotations } }),
      ownerReferences: [ownerReferenceTo(owner)],
    },
    spec,
  };
}

export function isTerminating(pod: KubeObject): boolean {
  return pod.metadata.deletionTimestamp !== undefined;
}

export function isPodReady(pod: KubeObject): boolean {
  const conditions =
    (pod.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

export function podPhase(pod: KubeObject): string {
  return (pod.status as { phase?: string } | undefined)?.phase ?? 'Pending';
}

/** Resolves maxSurge/maxUnavailable (an int or a percentage of `total`). */
export function scaledValue(value: unknown, total: number, roundUp: boolean, fallback: number): number {
  if (typeof value === 'number') return Math.max(0, Math.floor(value));
  if (typeof value === 'string' && /^\d+%$/.test(value)) {
    const exact = (Number(value.slice(0, -1)) * total) / 100;
    return roundUp ? Math.ceil(exact) : Math.floor(exact);
  }
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return fallback;
}
