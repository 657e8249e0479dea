/** `edgewise describe KIND NAME`: an object in readable form, with its events. */
import type { Command } from 'commander';
import type { KubeList, KubeObject } from '../../api/object.js';
import type { CliContext } from '../context.js';
import { resourcePath, type ServedResource } from '../discovery.js';
import { UserError } from '../errors.js';
import { alignColumns } from '../printers.js';

export function registerDescribe(program: Command, context: () => CliContext): void {
  program
    .command('describe')
    .description('Show an object in detail with its recent events: describe KIND [NAME…]')
    .argument('<kind>', 'kind, plural or short name')
    .argument('[names...]', 'object names (all in the namespace when omitted)')
    .option('-l, --selector <selector>', 'label selector')
    .option('-A, --all-namespaces', 'across all namespaces')
    .action(async (kind: string, names: string[], opts: { selector?: string; allNamespaces?: boolean }) => {
      const ctx = context();
      const resource = await ctx.discovery.resolve(kind);
      const namespace = resource.namespaced && !opts.allNamespaces ? ctx.namespace : undefined;
      let objects: KubeObject[];
      if (names.length > 0) {
        objects = [];
        for (const name of names)
          objects.push(
            (await ctx.client.json<KubeObject>('GET', resourcePath(resource, namespace, name))).value,
          );
      } else {
        const query = opts.selector ? `?labelSelector=${encodeURIComponent(opts.selector)}` : '';
        objects = (await ctx.client.json<KubeList>('GET', `${resourcePath(resource, namespace)}${query}`))
          .value.items;
        if (objects.length === 0) throw new UserError(`no ${resource.plural} found`);
      }
      const blocks: string[] = [];
      for (const object of objects) blocks.push(await describeObject(ctx, resource, object));
      ctx.out(blocks.join('\n\n\n'));
    });
}

const LABEL_WIDTH = 14;

function line(label: string, value: string, indent = ''): string {
  return `${indent}${`${label}:`.padEnd(LABEL_WIDTH)}${value}`;
}

function mapLines(label: string, map: Record<string, string> | undefined): string[] {
  const entries = Object.entries(map ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return [line(label, '<none>')];
  return entries.map(([k, v], i) =>
    i === 0 ? line(label, `${k}=${v}`) : `${' '.repeat(LABEL_WIDTH)}${k}=${v}`,
  );
}

function title(key: string): string {
  return key.charAt(0).toUpperCase() + key.slice(1).replace(/([a-z])([A-Z])/g, '$1 $2');
}

/** Renders any JSON value as indented `Key: value` lines. */
function renderValue(value: unknown, indent: string): string[] {
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${indent}<none>`];
    return value.flatMap((item) => {
      if (item !== null && typeof item === 'object') {
        const inner = renderValue(item, `${indent}  `);
        return [`${indent}- ${(inner[0] ?? '').trimStart()}`, ...inner.slice(1)];
      }
      return [`${indent}- ${String(item)}`];
    });
  }
  if (value !== null && typeof value === 'object') {
    const out: string[] = [];
    for (const [k, v] of Object.entries(value)) {
      if (v !== null && typeof v === 'object') {
        out.push(`${indent}${title(k)}:`);
        out.push(...renderValue(v, `${indent}  `));
      } else {
        out.push(`${indent}${title(k)}:  ${String(v)}`);
      }
    }
    return out.length ? out : [`${indent}<none>`];
  }
  return [`${indent}${String(value)}`];
}

async function describeObject(
  ctx: CliContext,
  resource: ServedResource,
  object: KubeObject,
): Promise<string> {
  const meta = object.metadata;
  const out: string[] = [line('Name', meta.name ?? '')];
  if (resource.namespaced) out.push(line('Namespace', meta.namespace ?? ''));
  out.push(...mapLines('Labels', meta.labels));
  const annotations = { ...(meta.annotations ?? {}) };
  // The apply record is the manifest itself, already shown below.
  delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
  out.push(...mapLines('Annotations', annotations));
  out.push(line('API Version', object.apiVersion));
  out.push(line('Kind', object.kind));
  out.push(line('Created', meta.creationTimestamp ?? ''));
  if (meta.deletionTimestamp) out.push(line('Terminating', `since ${meta.deletionTimestamp}`));
  for (const [key, value] of Object.entries(object)) {
    if (['apiVersion', 'kind', 'metadata'].includes(key)) continue;
    out.push('');
    if (resource.kind === 'ConfigMap' && key === 'data') {
      out.push('Data', '====');
      for (const [k, v] of Object.entries(value as Record<string, string>))
        out.push(`${k}:`, '----', String(v), '');
      continue;
    }
    if (resource.kind === 'Secret' && key === 'data') {
      out.push('Data', '====');
      for (const [k, v] of Object.entries(value as Record<string, string>))
        out.push(`${k}:  ${Buffer.from(String(v), 'base64').length} bytes`);
      continue;
    }
    if (value !== null && typeof value === 'object') {
      out.push(`${title(key)}:`);
      out.push(...renderValue(value, '  '));
    } else {
      out.push(line(title(key), String(value)));
    }
  }
  out.push('');
  out.push(...(await eventLines(ctx, resource, object)));
  return out.join('\n');
}

async function eventLines(ctx: CliContext, resource: ServedResource, object: KubeObject): Promise<string[]> {
  const fields = [
    `involvedObject.name=${object.metadata.name ?? ''}`,
    `involvedObject.kind=${resource.kind}`,
  ];
  const namespace = object.metadata.namespace ?? 'default';
  if (object.metadata.uid) fields.push(`involvedObject.uid=${object.metadata.uid}`);
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/events?fieldSelector=${encodeURIComponent(fields.join(','))}`;
  const events = (await ctx.client.json<KubeList>('GET', path)).value.items;
  if (events.length === 0) return ['Events:  <none>'];
  const rows = [['Type', 'Reason', 'Count', 'Last Seen', 'From', 'Message']];
  for (const e of events) {
    rows.push([
      String(e.type ?? ''),
      String(e.reason ?? ''),
      String(e.count ?? 1),
      String(e.lastTimestamp ?? e.metadata.creationTimestamp ?? ''),
      String((e.source as { component?: string } | undefined)?.component ?? e.reportingComponent ?? ''),
      String(e.message ?? ''),
    ]);
  }
  return [
    'Events:',
    ...alignColumns(rows)
      .split('\n')
      .map((l) => `  ${l}`),
  ];
}
