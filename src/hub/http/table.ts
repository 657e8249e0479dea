/**
 * Server-side printing: `meta.k8s.io/v1` Table responses, which kubectl requests for
 * `get` and the edgewise CLI prints as-is. Column definitions come from the kind.
 */
import { humanDuration } from '../../api/duration.js';
import type { KubeObject } from '../../api/object.js';
import type { CellValue, ResourceType } from '../../api/resource-type.js';

export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface TableRow {
  cells: CellValue[];
  object: unknown;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string; continue?: string };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function columnDefinitions(type: ResourceType): TableColumnDefinition[] {
  return type.columns.map((c) => ({
    name: c.name,
    // Ages are rendered on the server, so date columns travel as strings.
    type: c.type === 'date' ? 'string' : c.type,
    format: c.name === 'Name' ? 'name' : '',
    description: c.description ?? '',
    priority: c.priority,
  }));
}

function rowObject(object: KubeObject, include: IncludeObject): unknown {
  if (include === 'None') return null;
  if (include === 'Object') return object;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata };
}

export function toRows(
  type: ResourceType,
  objects: readonly KubeObject[],
  now: Date,
  include: IncludeObject,
): TableRow[] {
  return objects.map((object) => ({
    cells: type.columns.map((c) => {
      const value = c.cell(object);
      if (c.type !== 'date') return value;
      return typeof value === 'string' ? humanDuration(now.getTime() - Date.parse(value)) : '<unknown>';
    }),
    object: rowObject(object, include),
  }));
}

export function toTable(
  type: ResourceType,
  objects: readonly KubeObject[],
  now: Date,
  include: IncludeObject,
  listMeta: Table['metadata'] = {},
): Table {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: columnDefinitions(type),
    rows: toRows(type, objects, now, include),
  };
}
