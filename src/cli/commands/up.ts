/** `edgewise up`: a whole local fleet on embedded defaults — today a hub; agents join in as they land. */
import path from 'node:path';
import type { Command } from 'commander';
import { pino } from 'pino';
import { createHub, listenHub, parseListen } from '../../hub/hub.js';
import type { CliContext } from '../context.js';

export function registerUp(program: Command, context: () => CliContext): void {
  program
    .command('up')
    .description('Start a local hub on embedded defaults (SQLite) and print where to look; Ctrl-C stops it')
    .option('--data-dir <dir>', 'where the local fleet keeps its state', './.edgewise-up')
    .option('--listen <host:port>', 'hub API address', '127.0.0.1:6443')
    .option('--log-level <level>', 'trace | debug | info | warn | error', 'warn')
    .action(async (opts: { dataDir: string; listen: string; logLevel: string }) => {
      const ctx = context();
      const logger = pino({ level: opts.logLevel });
      const hub = await createHub({ dataDir: path.join(opts.dataDir, 'hub'), logger });
      const served = await listenHub(hub, parseListen(opts.listen));
      ctx.out(
        [
          'Edgewise is up.',
          `  hub API     ${served.url}   (state in ${path.join(opts.dataDir, 'hub')})`,
          `  metrics     ${served.url}/metrics`,
          '',
          'Try:',
          `  export EDGEWISE_HUB=${served.url}`,
          '  edgewise apply -f ../shared/scenarios/',
          '  edgewise get deployments -A',
          `  kubectl --server ${served.url} get deploy -A`,
          '',
          'Ctrl-C stops everything.',
        ].join('\n'),
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
        ctx.io.signal?.addEventListener('abort', () => resolve(), { once: true });
      });
      await served.close();
      await hub.close();
      ctx.out('stopped');
    });
}
