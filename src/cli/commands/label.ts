/** `edgewise label KIND NAME key=value key2- [--overwrite]`, on any kind. */
import type { Command } from 'commander';
import { checkLabelValue, checkQualifiedName } from '../../api/names.js';
import type { KubeList, KubeObject } from '../../api/object.js';
import type { CliContext } from '../context.js';
import { kindPrefix, resourcePath } from '../discovery.js';
import { UserError } from '../errors.js';

interface LabelChange {
  key: string;
  /** null removes the label. */
  value: string | null;
}

export function parseLabelChanges(args: string[]): LabelChange[] {
  return args.map((arg) => {
    if (arg.endsWith('-') && !arg.includes('=')) {
      const key = arg.slice(0, -1);
      const problems = checkQualifiedName(key);
      if (problems.length) throw new UserError(`invalid label key "${key}": ${problems.join('; ')}`);
      return { key, value: null };
    }
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new UserError(`invalid label "${arg}": expected key=value or key-`);
    const key = arg.slice(0, eq);
    const value = arg.slice(eq + 1);
    const problems = [
      ...checkQualifiedName(key).map((p) => `key "${key}": ${p}`),
      ...checkLabelValue(value).map((p) => `value "${value}": ${p}`),
    ];
    if (problems.length) throw new UserError(`invalid label "${arg}": ${problems.join('; ')}`);
    return { key, value };
  });
}

export function registerLabel(program: Command, context: () => CliContext): void {
  program
    .command('label')
    .description('Add, change or remove labels: label KIND NAME key=value key2-')
    .argument('<kind>', 'kind, plural or short name')
    .argument('<args...>', 'NAME… then key=value / key- changes')
    .option('--overwrite', 'allow changing the value of an existing label')
    .option('-l, --selector <selector>', 'label every object matching this selector')
    .option('--all', 'label every object of the kind in the namespace')
    .action(
      async (
        kind: string,
        args: string[],
        opts: { overwrite?: boolean; selector?: string; all?: boolean },
      ) => {
        const ctx = context();
        const resource = await ctx.discovery.resolve(kind);
        const namespace = resource.namespaced ? ctx.namespace : undefined;
        const firstChange = args.findIndex((a) => a.includes('=') || a.endsWith('-'));
        const names = firstChange < 0 ? args : args.slice(0, firstChange);
        const changes = parseLabelChanges(firstChange < 0 ? [] : args.slice(firstChange));
        if (changes.length === 0)
          throw new UserError('at least one label change (key=value or key-) is required');
        let targets = names;
        if (opts.selector || opts.all) {
          const q = opts.selector ? `?labelSelector=${encodeURIComponent(opts.selector)}` : '';
          targets = (
            await ctx.client.json<KubeList>('GET', `${resourcePath(resource, namespace)}${q}`)
          ).value.items.map((o) => o.metadata.name ?? '');
        }
        if (targets.length === 0) throw new UserError('give one or more names, -l SELECTOR or --all');
        for (const name of targets) {
          const path = resourcePath(resource, namespace, name);
          const current = (await ctx.client.json<KubeObject>('GET', path)).value;
          const labels = current.metadata.labels ?? {};
          const patch: Record<string, string | null> = {};
          for (const change of changes) {
            const existing = labels[change.key];
            if (
              change.value !== null &&
              existing !== undefined &&
              existing !== change.value &&
              !opts.overwrite
            ) {
              throw new UserError(
                `'${change.key}' already has a value (${existing}), and --overwrite is false`,
              );
            }
            patch[change.key] = change.value;
          }
          const body = JSON.stringify({
            metadata: { labels: patch, resourceVersion: current.metadata.resourceVersion },
          });
          await ctx.client.request('PATCH', path, {
            body,
            contentType: 'application/merge-patch+json',
            accept: 'application/json',
          });
          const unchanged = changes.every((c) =>
            c.value === null ? labels[c.key] === undefined : labels[c.key] === c.value,
          );
          ctx.out(`${kindPrefix(resource)}/${name} ${unchanged ? 'not labeled' : 'labeled'}`);
        }
      },
    );
}
