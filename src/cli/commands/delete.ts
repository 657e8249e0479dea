/** `edgewise delete -f FILE | KIND NAME… | KIND -l SEL | KIND --all`. */
import type { Command } from 'commander';
import { EdgewiseError } from '../../api/errors.js';
import type { KubeList } from '../../api/object.js';
import type { CliContext } from '../context.js';
import { kindPrefix, resourcePath, type ServedResource } from '../discovery.js';
import { ExitCode, UserError } from '../errors.js';
import { readManifests } from '../manifests.js';
import { describeFailure } from './failure.js';

interface DeleteOptions {
  filename?: string[];
  selector?: string;
  all?: boolean;
  ignoreNotFound?: boolean;
  gracePeriod?: string;
  force?: boolean;
}

export function registerDelete(program: Command, context: () => CliContext): void {
  program
    .command('delete')
    .description('Delete objects named in manifests or on the command line')
    .argument('[kind]', 'kind, plural or short name')
    .argument('[names...]', 'object names')
    .option('-f, --filename <path...>', 'delete the objects in these manifests')
    .option('-l, --selector <selector>', 'delete objects matching a label selector')
    .option('--all', 'delete every object of the kind in the namespace')
    .option('--ignore-not-found', 'treat a missing object as deleted')
    .option('--grace-period <seconds>', 'seconds a pod gets to stop (0 with --force deletes at once)')
    .option('--force', 'with --grace-period=0, remove pods without waiting for their node')
    .action(async (kind: string | undefined, names: string[], opts: DeleteOptions) => {
      const ctx = context();
      const query = deleteQuery(opts);
      let failed = 0;
      const remove = async (resource: ServedResource, namespace: string | undefined, name: string) => {
        try {
          await ctx.client.request('DELETE', `${resourcePath(resource, namespace, name)}${query}`, {
            accept: 'application/json',
          });
          ctx.out(`${kindPrefix(resource)} "${name}" deleted`);
        } catch (err) {
          if (EdgewiseError.isCode(err, 'EW_NOT_FOUND') && opts.ignoreNotFound) return;
          throw err;
        }
      };
      if (opts.filename) {
        if (kind) throw new UserError('give either -f or a kind, not both');
        for (const doc of readManifests(opts.filename, ctx.io.readStdin)) {
          try {
            const resource = await ctx.discovery.forKind(doc.object.apiVersion, doc.object.kind);
            const namespace = resource.namespaced
              ? (doc.object.metadata.namespace ?? ctx.namespace)
              : undefined;
            await remove(resource, namespace, doc.object.metadata.name ?? '');
          } catch (err) {
            if (!EdgewiseError.is(err)) throw err;
            failed++;
            ctx.err(`error: ${describeFailure(doc, err)}`);
          }
        }
        if (failed > 0) throw new ExitCode(1);
        return;
      }
      if (!kind) throw new UserError('you must specify the type of resource to delete, or -f with manifests');
      const resource = await ctx.discovery.resolve(kind);
      const namespace = resource.namespaced ? ctx.namespace : undefined;
      let targets = names;
      if (targets.length === 0) {
        if (!opts.selector && !opts.all) throw new UserError('give names, -l SELECTOR or --all');
        const q = opts.selector ? `?labelSelector=${encodeURIComponent(opts.selector)}` : '';
        const list = (await ctx.client.json<KubeList>('GET', `${resourcePath(resource, namespace)}${q}`))
          .value;
        targets = list.items.map((o) => o.metadata.name ?? '');
        if (targets.length === 0)
          ctx.err(namespace ? `No resources found in ${namespace} namespace.` : 'No resources found');
      }
      for (const name of targets) {
        try {
          await remove(resource, namespace, name);
        } catch (err) {
          if (!EdgewiseError.is(err)) throw err;
          failed++;
          ctx.err(`Error from server (${err.reason}): ${err.message}`);
        }
      }
      if (failed > 0) throw new ExitCode(1);
    });
}

function deleteQuery(opts: DeleteOptions): string {
  const params = new URLSearchParams();
  if (opts.gracePeriod !== undefined) {
    if (!/^\d+$/.test(opts.gracePeriod))
      throw new UserError(`--grace-period must be a whole number of seconds, not "${opts.gracePeriod}"`);
    if (opts.gracePeriod === '0' && !opts.force) {
      throw new UserError(
        '--grace-period=0 removes a pod without waiting for its node to stop it; add --force to confirm',
      );
    }
    params.set('gracePeriodSeconds', opts.gracePeriod);
  } else if (opts.force) {
    params.set('gracePeriodSeconds', '0');
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}
