/** `edgewise apply -f FILE|DIR|-`: create or update each object, server-side. */
import type { Command } from 'commander';
import { EdgewiseError } from '../../api/errors.js';
import type { CliContext } from '../context.js';
import { kindPrefix, resourcePath } from '../discovery.js';
import { ExitCode } from '../errors.js';
import { readManifests } from '../manifests.js';
import { describeFailure } from './failure.js';

export function registerApply(program: Command, context: () => CliContext): void {
  program
    .command('apply')
    .description('Create or update objects from manifests (files, directories recursively, or - for stdin)')
    .requiredOption('-f, --filename <path...>', 'manifest file, directory or -')
    .option('--dry-run <mode>', 'server: validate and admit without storing', 'none')
    .option('-R, --recursive', 'accepted for kubectl compatibility; directories are always read recursively')
    .action(async (opts: { filename: string[]; dryRun: string }) => {
      const ctx = context();
      const documents = readManifests(opts.filename, ctx.io.readStdin);
      let failed = 0;
      for (const doc of documents) {
        try {
          const resource = await ctx.discovery.forKind(doc.object.apiVersion, doc.object.kind);
          const namespace = resource.namespaced
            ? (doc.object.metadata.namespace ?? ctx.namespace)
            : undefined;
          const name = doc.object.metadata.name ?? '';
          const query =
            opts.dryRun === 'server' ? '?dryRun=All&fieldManager=edgewise' : '?fieldManager=edgewise';
          const response = await ctx.client.request(
            'PATCH',
            `${resourcePath(resource, namespace, name)}${query}`,
            {
              body: JSON.stringify(doc.object),
              contentType: 'application/apply-patch+yaml',
              accept: 'application/json',
            },
          );
          ctx.warnings(response.headers.warning);
          const outcome = String(
            response.headers['x-edgewise-apply'] ?? (response.status === 201 ? 'created' : 'configured'),
          );
          const suffix = opts.dryRun === 'server' ? ' (server dry run)' : '';
          ctx.out(`${kindPrefix(resource)}/${name} ${outcome}${suffix}`);
        } catch (err) {
          if (!EdgewiseError.is(err)) throw err;
          failed++;
          ctx.err(`error: ${describeFailure(doc, err)}`);
          if (err.code === 'EW_UNAVAILABLE') break;
        }
      }
      if (failed > 0) throw new ExitCode(1);
    });
}
