/** Output formats for `get`: kubectl-style tables, YAML, JSON and names. */
import { stringify } from 'yaml';
import type { KubeObject } from '../api/object.js';
import { kindPrefix, type ServedResource } from './discovery.js';

export interface TableResponse {
  columnDefinitions: { name: string; type: string; priority: number }[];
  rows: {
    cells: unknown[];
    object?: { metadata?: { name?: string; namespace?: string; labels?: Record<string, string> } } | null;
  }[];
}

export interface TableOptions {
  wide: boolean;
  withNamespace: boolean;
  showLabels: boolean;
  noHeaders: boolean;
  /** Prefix names with `kind.group/` as kubectl does when several kinds are printed. */
  kindPrefix?: string;
}

/** Cells to text as kubectl prints them. */
function cellText(value: unknown): string {
  if (value === null || value === undefined) return '<none>';
  if (typeof value === 'string') return value === '' ? '<none>' : value;
  return String(value);
}

/** Turns a Table response into rows of strings (header first unless noHeaders). */
export function tableRows(table: TableResponse, options: TableOptions): string[][] {
  const columns = table.columnDefinitions
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => options.wide || c.priority === 0);
  const rows: string[][] = [];
  if (!options.noHeaders) {
    const header = columns.map(({ c }) => c.name.toUpperCase());
    if (options.withNamespace) header.unshift('NAMESPACE');
    if (options.showLabels) header.push('LABELS');
    rows.push(header);
  }
  for (const row of table.rows) {
    const cells = columns.map(({ c, i }) => {
      const text = cellText(row.cells[i]);
      return c.name === 'Name' && options.kindPrefix ? `${options.kindPrefix}/${text}` : text;
    });
    const meta = row.object?.metadata ?? {};
    if (options.withNamespace) cells.unshift(meta.namespace ?? '');
    if (options.showLabels) {
      const labels = Object.entries(meta.labels ?? {}).map(([k, v]) => `${k}=${v}`);
      cells.push(labels.length ? labels.join(',') : '<none>');
    }
    rows.push(cells);
  }
  return rows;
}

/** Aligns rows in columns three spaces apart, as kubectl's tabwriter does. */
export function alignColumns(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, [...cell].length);
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) =>
          i === row.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + 3 - ([...cell].length - cell.length)),
        )
        .join('')
        .trimEnd(),
    )
    .join('\n');
}

export function toYaml(objects: KubeObject[], single: boolean): string {
  const value = single
    ? objects[0]
    : { apiVersion: 'v1', kind: 'List', items: objects, metadata: { resourceVersion: '' } };
  return stringify(value, { lineWidth: 0 }).trimEnd();
}

export function toJson(objects: KubeObject[], single: boolean): string {
  const value = single
    ? objects[0]
    : { apiVersion: 'v1', kind: 'List', items: objects, metadata: { resourceVersion: '' } };
  return JSON.stringify(value, null, 4);
}

export function toNames(resource: ServedResource, objects: KubeObject[]): string {
  return objects.map((o) => `${kindPrefix(resource)}/${o.metadata.name ?? ''}`).join('\n');
}
