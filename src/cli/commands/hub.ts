/** `edgewise hub`: run a hub on this machine. */
import type { Command } from 'commander';
import { pino } from 'pino';
import { createHub, listenHub, parseListen } from '../../hub/hub.js';
import type { CliContext } from '../context.js';

export function registerHub(program: Command, context: () => CliContext): void {
  program
    .command('hub')
    .description('Run a hub: the resource API, store and controllers')
    .option('--data-dir <dir>', 'where the hub keeps its state', './hub-data')
    .option('--listen <host:port>', 'address to serve the API on', '127.0.0.1:6443')
    .option(
      '--store <url>',
      'postgres://… to share state between hub replicas (default: SQLite in --data-dir)',
    )
    .option('--log-level <level>', 'trace | debug | info | warn | error', 'info')
    .action(async (opts: { dataDir: string; listen: string; store?: string; logLevel: string }) => {
      const ctx = context();
      const listen = parseListen(opts.listen);
      const logger = pino({ level: opts.logLevel });
      const hub = await createHub({
        dataDir: opts.dataDir,
        logger,
        ...(opts.store && { store: opts.store }),
      });
      const served = await listenHub(hub, listen);
      ctx.out(
        `hub serving ${served.url} (data in ${opts.dataDir}${opts.store ? `, store ${redact(opts.store)}` : ''})`,
      );
      ctx.out(`try: EDGEWISE_HUB=${served.url} edgewise get namespaces`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        ctx.io.signal?.addEventListener('abort', stop, { once: true });
      });
      await served.close();
      await hub.close();
    });
}

/** Hides a password in a store URL before printing it. */
function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
