/** `edgewise get datasyncs` columns (between NAME and AGE). */
import type { PrinterColumn } from '../resource-type.js';
import { field } from './common.js';
import { sinkTarget } from './data-sync-sinks.js';

function count(path: string): (o: Parameters<PrinterColumn['cell']>[0]) => number {
  return (o) => Number(field(o, 'status', path) ?? 0);
}

function condition(o: Parameters<PrinterColumn['cell']>[0], type: string): string {
  const conditions = field(o, 'status', 'conditions');
  if (!Array.isArray(conditions)) return 'Unknown';
  const found = conditions.find((c) => (c as { type?: string }).type === type) as
    | { status?: string }
    | undefined;
  return found?.status ?? 'Unknown';
}

export const dataSyncColumns: PrinterColumn[] = [
  {
    name: 'Streams',
    type: 'string',
    priority: 0,
    cell: (o) => {
      const s = field(o, 'spec', 'streams');
      return Array.isArray(s) ? s.join(',') : '';
    },
  },
  { name: 'Sink', type: 'string', priority: 0, cell: (o) => sinkTarget(field(o, 'spec', 'sink')) },
  { name: 'Nodes', type: 'integer', priority: 0, cell: count('nodes') },
  { name: 'Backlog', type: 'integer', priority: 0, cell: count('backlog') },
  { name: 'Delivered', type: 'integer', priority: 0, cell: count('delivered') },
  { name: 'Sink Ready', type: 'string', priority: 0, cell: (o) => condition(o, 'SinkReady') },
  { name: 'Priority', type: 'integer', priority: 1, cell: (o) => Number(field(o, 'spec', 'priority') ?? 0) },
  {
    name: 'Policy',
    type: 'string',
    priority: 1,
    cell: (o) => String(field(o, 'spec', 'egress', 'policy', 'decision') ?? '<none>'),
  },
];
