/** Removing fields a policy marks for redaction, on a copy of the record. */

/** `patient.name` or `["patient", "name"]` → path segments; anything else → undefined. */
export function toPath(value: unknown): string[] | undefined {
  if (typeof value === 'string' && value !== '') return value.split('.');
  if (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((s) => typeof s === 'string' || typeof s === 'number')
  )
    return value.map(String);
  return undefined;
}

/** A copy of `data` without the fields at `paths`; returns whether anything was removed. */
export function redact(data: unknown, paths: readonly string[][]): { data: unknown; removed: boolean } {
  if (paths.length === 0) return { data, removed: false };
  const copy = structuredClone(data);
  let removed = false;
  for (const path of paths) {
    let cur: unknown = copy;
    for (const [i, key] of path.entries()) {
      if (cur === null || typeof cur !== 'object') break;
      const container = cur as Record<string, unknown>;
      if (!Object.hasOwn(container, key)) break;
      if (i === path.length - 1) {
        if (Array.isArray(container)) container.splice(Number(key), 1);
        else delete container[key];
        removed = true;
      } else cur = container[key];
    }
  }
  return { data: copy, removed };
}
