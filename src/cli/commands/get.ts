/** `edgewise get`: tables from the hub's server-side printing, or objects as YAML/JSON/names; `-w` streams. */
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import type { KubeList, KubeObject } from '../../api/object.js';
import type { CliContext } from '../context.js';
import { kindPrefix, resourcePath, type ServedResource } from '../discovery.js';
import { UserError } from '../errors.js';
import { readManifests } from '../manifests.js';
import { alignColumns, type TableResponse, tableRows, toJson, toNames, toYaml } from '../printers.js';

const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

interface GetOptions {
  output?: string;
  selector?: string;
  fieldSelector?: string;
  allNamespaces?: boolean;
  watch?: boolean;
  showLabels?: boolean;
  headers: boolean;
  filename?: string[];
}

interface Target {
  resource: ServedResource;
  names: string[];
  namespace?: string;
}

export function registerGet(program: Command, context: () => CliContext): void {
  program
    .command('get')
    .description('List or show objects: get KIND[,KIND…] [NAME…]')
    .argument('[kind]', 'kind, plural, short name (deploy, cm) or "all"; several joined with commas')
    .argument('[names...]', 'object names')
    .option('-o, --output <format>', 'yaml | json | wide | name')
    .option('-l, --selector <selector>', 'label selector, e.g. app=web,tier in (a,b)')
    .option('--field-selector <selector>', 'field selector, e.g. spec.nodeName=store-001-a')
    .option('-A, --all-namespaces', 'list across all namespaces')
    .option('-w, --watch', 'after listing, stream changes')
    .option('--show-labels', 'add a LABELS column')
    .option('--no-headers', 'omit the header row')
    .option('-f, --filename <path...>', 'get the objects named in these manifests')
    .action(async (kind: string | undefined, names: string[], opts: GetOptions) => {
      const ctx = context();
      const output = opts.output ?? '';
      if (!['', 'yaml', 'json', 'wide', 'name'].includes(output)) {
        throw new UserError(`unknown output format "${output}": use yaml, json, wide or name`);
      }
      const targets = await resolveTargets(ctx, kind, names, opts);
      if (opts.watch) {
        if (targets.length !== 1) throw new UserError('watch is only supported on one kind at a time');
        return watch(ctx, targets[0] as Target, opts, output);
      }
      const multiple = targets.length > 1;
      const collected: { resource: ServedResource; objects: KubeObject[] }[] = [];
      let printedTable = false;
      for (const target of targets) {
        if (output === '' || output === 'wide') {
          const table = await fetchTable(ctx, target, opts);
          if (table.rows.length === 0) continue;
          if (printedTable) ctx.out('');
          const withNamespace = opts.allNamespaces === true && target.resource.namespaced;
          ctx.out(
            alignColumns(
              tableRows(table, {
                wide: output === 'wide',
                withNamespace,
                showLabels: opts.showLabels === true,
                noHeaders: !opts.headers,
                ...(multiple && { kindPrefix: kindPrefix(target.resource) }),
              }),
            ),
          );
          printedTable = true;
        } else {
          collected.push({ resource: target.resource, objects: await fetchObjects(ctx, target, opts) });
        }
      }
      if (output === '' || output === 'wide') {
        if (!printedTable) ctx.err(noResourcesMessage(ctx, opts, targets));
        return;
      }
      const all = collected.flatMap((c) => c.objects);
      const single = targets.length === 1 && (targets[0]?.names.length ?? 0) === 1;
      if (output === 'yaml') ctx.out(toYaml(all, single));
      else if (output === 'json') ctx.out(toJson(all, single));
      else if (all.length > 0)
        ctx.out(
          collected
            .map((c) => toNames(c.resource, c.objects))
            .filter(Boolean)
            .join('\n'),
        );
      if (all.length === 0 && output === 'name') ctx.err(noResourcesMessage(ctx, opts, targets));
    });
}

function noResourcesMessage(ctx: CliContext, opts: GetOptions, targets: Target[]): string {
  const namespaced = targets.some((t) => t.resource.namespaced);
  if (!namespaced || opts.allNamespaces) return 'No resources found';
  return `No resources found in ${ctx.namespace} namespace.`;
}

async function resolveTargets(
  ctx: CliContext,
  kind: string | undefined,
  names: string[],
  opts: GetOptions,
): Promise<Target[]> {
  if (opts.filename) {
    if (kind) throw new UserError('give either -f or a kind, not both');
    const targets: Target[] = [];
    for (const doc of readManifests(opts.filename, ctx.io.readStdin)) {
      const resource = await ctx.discovery.forKind(doc.object.apiVersion, doc.object.kind);
      targets.push({
        resource,
        names: [doc.object.metadata.name ?? ''],
        ...(resource.namespaced && { namespace: doc.object.metadata.namespace ?? ctx.namespace }),
      });
    }
    return targets;
  }
  if (!kind) throw new UserError('you must specify the type of resource to get, e.g. `edgewise get pods`');
  // `get deploy/web cm/config` form
  if (kind.includes('/')) {
    const targets: Target[] = [];
    for (const ref of [kind, ...names]) {
      const [k, n] = ref.split('/');
      if (!k || !n) throw new UserError(`"${ref}" is not KIND/NAME`);
      targets.push({ resource: await ctx.discovery.resolve(k), names: [n] });
    }
    return targets;
  }
  const resources: ServedResource[] = [];
  for (const part of kind.split(',')) {
    try {
      resources.push(await ctx.discovery.resolve(part));
    } catch (err) {
      // Not a kind: perhaps a category (`all`, `constraints`), as kubectl resolves it.
      const members = await ctx.discovery.category(part);
      if (members.length === 0) throw err;
      resources.push(...members);
    }
  }
  if (names.length > 0 && resources.length > 1)
    throw new UserError('names can only be given with a single kind');
  return resources.map((resource) => ({ resource, names }));
}

function namespaceFor(ctx: CliContext, target: Target, opts: GetOptions): string | undefined {
  if (!target.resource.namespaced) return undefined;
  if (target.namespace) return target.namespace;
  return opts.allNamespaces ? undefined : ctx.namespace;
}

function listQuery(opts: GetOptions): string {
  const params = new URLSearchParams();
  if (opts.selector) params.set('labelSelector', opts.selector);
  if (opts.fieldSelector) params.set('fieldSelector', opts.fieldSelector);
  const text = params.toString();
  return text ? `?${text}` : '';
}

async function fetchTable(ctx: CliContext, target: Target, opts: GetOptions): Promise<TableResponse> {
  const namespace = namespaceFor(ctx, target, opts);
  if (target.names.length === 0) {
    return (
      await ctx.client.json<TableResponse>(
        'GET',
        `${resourcePath(target.resource, namespace)}${listQuery(opts)}`,
        { accept: TABLE_ACCEPT },
      )
    ).value;
  }
  const merged: TableResponse = { columnDefinitions: [], rows: [] };
  for (const name of target.names) {
    const table = (
      await ctx.client.json<TableResponse>('GET', resourcePath(target.resource, namespace, name), {
        accept: TABLE_ACCEPT,
      })
    ).value;
    merged.columnDefinitions = table.columnDefinitions;
    merged.rows.push(...table.rows);
  }
  return merged;
}

async function fetchObjects(ctx: CliContext, target: Target, opts: GetOptions): Promise<KubeObject[]> {
  const namespace = namespaceFor(ctx, target, opts);
  if (target.names.length === 0) {
    const list = (
      await ctx.client.json<KubeList>('GET', `${resourcePath(target.resource, namespace)}${listQuery(opts)}`)
    ).value;
    return list.items.map((item) => ({ ...item, apiVersion: list.apiVersion, kind: target.resource.kind }));
  }
  const objects: KubeObject[] = [];
  for (const name of target.names)
    objects.push(
      (await ctx.client.json<KubeObject>('GET', resourcePath(target.resource, namespace, name))).value,
    );
  return objects;
}

async function watch(ctx: CliContext, target: Target, opts: GetOptions, output: string): Promise<void> {
  const namespace = namespaceFor(ctx, target, opts);
  const params = new URLSearchParams(listQuery(opts).slice(1));
  params.set('watch', 'true');
  if (target.names.length === 1) params.set('fieldSelector', `metadata.name=${target.names[0]}`);
  const table = output === '' || output === 'wide';
  const res = await ctx.client.open('GET', `${resourcePath(target.resource, namespace)}?${params}`, {
    accept: table ? TABLE_ACCEPT : 'application/json',
    ...(ctx.io.signal && { signal: ctx.io.signal }),
  });
  const lines = createInterface({ input: res, crlfDelay: Number.POSITIVE_INFINITY });
  let columns: TableResponse['columnDefinitions'] = [];
  let widths: number[] | undefined;
  try {
    for await (const line of lines) {
      if (!line.trim()) continue;
      const event = JSON.parse(line) as { type: string; object: KubeObject & Partial<TableResponse> };
      if (event.type === 'ERROR')
        throw new UserError(String((event.object as { message?: string }).message ?? 'watch failed'));
      if (!table) {
        ctx.out(
          output === 'json'
            ? JSON.stringify(event.object, null, 4)
            : output === 'name'
              ? toNames(target.resource, [event.object])
              : `${toYaml([event.object], true)}\n---`,
        );
        continue;
      }
      if (event.object.columnDefinitions?.length) columns = event.object.columnDefinitions;
      const rows = tableRows(
        { columnDefinitions: columns, rows: event.object.rows ?? [] },
        {
          wide: output === 'wide',
          withNamespace: opts.allNamespaces === true && target.resource.namespaced,
          showLabels: opts.showLabels === true,
          noHeaders: widths !== undefined || !opts.headers,
        },
      );
      // Keep the header's column widths so streamed rows line up under it.
      if (!widths) widths = (rows[0] ?? []).map((c) => c.length);
      for (const row of rows) {
        ctx.out(
          row
            .map((cell, i) =>
              i === row.length - 1 ? cell : cell.padEnd(Math.max(widths?.[i] ?? 0, cell.length) + 3),
            )
            .join('')
            .trimEnd(),
        );
      }
    }
  } catch (err) {
    if ((err as Error).name !== 'AbortError' && !ctx.io.signal?.aborted) throw err;
  }
}
