/**
 * Taints and tolerations, matched exactly as Kubernetes' `Toleration.ToleratesTaint`
 * does, so manifests written for Kubernetes behave the same here.
 */
import type { Taint } from '../../api/kinds/node.js';
import type { Toleration } from '../../api/kinds/pod-spec.js';

/**
 * True when `toleration` tolerates `taint`:
 * - an empty effect matches every effect;
 * - an empty key matches every key (validation only allows it with `Exists`);
 * - `Exists` matches any value; `Equal` (the default) needs the same value.
 */
export function tolerates(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  switch (toleration.operator ?? 'Equal') {
    case 'Exists':
      return true;
    case 'Equal':
      return (toleration.value ?? '') === (taint.value ?? '');
    default:
      return false;
  }
}

/** The first toleration in `tolerations` that tolerates `taint`, as Kubernetes picks it. */
export function findToleration(tolerations: readonly Toleration[], taint: Taint): Toleration | undefined {
  for (const toleration of tolerations) {
    if (tolerates(toleration, taint)) return toleration;
  }
  return undefined;
}

/** The first taint none of `tolerations` tolerates, or undefined when all are tolerated. */
export function firstUntolerated<T extends Taint>(
  taints: readonly T[],
  tolerations: readonly Toleration[],
): T | undefined {
  for (const taint of taints) {
    if (findToleration(tolerations, taint) === undefined) return taint;
  }
  return undefined;
}

/** How many of `taints` no toleration tolerates (the PreferNoSchedule penalty). */
export function countUntolerated(taints: readonly Taint[], tolerations: readonly Toleration[]): number {
  let count = 0;
  for (const taint of taints) {
    if (findToleration(tolerations, taint) === undefined) count++;
  }
  return count;
}

/** `key=value:Effect`, or `key:Effect` without a value, as kubectl prints taints. */
export function formatTaint(taint: Taint): string {
  return taint.value ? `${taint.key}=${taint.value}:${taint.effect}` : `${taint.key}:${taint.effect}`;
}

/**
 * The pod's tolerations plus a RuntimeClass's, skipping exact duplicates. Kubernetes'
 * RuntimeClass admission merges them the same way, so the result tolerates exactly
 * what either list tolerates.
 */
export function mergeTolerations(own: readonly Toleration[], extra: readonly Toleration[]): Toleration[] {
  const merged = [...own];
  const seen = new Set(own.map(tolerationKey));
  for (const toleration of extra) {
    const key = tolerationKey(toleration);
    if (seen.has(key)) continue;
    seen.add(key);
    merged.push(toleration);
  }
  return merged;
}

function tolerationKey(t: Toleration): string {
  return JSON.stringify([
    t.key ?? '',
    t.operator ?? 'Equal',
    t.value ?? '',
    t.effect ?? '',
    t.tolerationSeconds ?? null,
  ]);
}
