/**
 * Values printed the way OPA prints terms (sprintf's %v, print, error
 * messages): strings quoted inside collections, sets in braces, the empty set
 * as `set()`, items separated by ", ".
 */
import { formatNumber } from './number.js';
import { type RObject, RSet, type Value } from './value.js';

export function formatValue(v: Value): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
    case 'bigint':
      return formatNumber(v);
    case 'string':
      return JSON.stringify(v);
  }
  if (Array.isArray(v)) return `[${v.map(formatValue).join(', ')}]`;
  if (v instanceof RSet) {
    if (v.size === 0) return 'set()';
    return `{${v.sorted().map(formatValue).join(', ')}}`;
  }
  const o = v as RObject;
  return `{${o
    .keys()
    .map((k) => `${formatValue(k)}: ${formatValue(o.get(k) as Value)}`)
    .join(', ')}}`;
}

/** Like formatValue, but a top-level string prints bare (sprintf's %v and %s). */
export function formatBare(v: Value): string {
  return typeof v === 'string' ? v : formatValue(v);
}
