/** `edgewise hub`: run a hub on this machine. */
import type { Command } from 'commander';
import { pino } from 'pino';
import type { CliContext } from '../context.js';
import { installCliConfig } from '../install-config.js';
import { waitForSignal } from '../wait-for-signal.js';

interface HubCommandOptions {
  dataDir: string;
  listen: string;
  store?: string;
  tlsSan: string[];
  logLevel: string;
  heartbeatSeconds: string;
  notReadyAfter: string;
  offlineAfter: string;
}

function seconds(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`${flag} must be a positive number of seconds, not "${text}"`);
  return n;
}

export function registerHub(program: Command, context: () => CliContext): void {
  program
    .command('hub')
    .description(
      'Run a hub: the resource API over HTTPS with its own CA, the store, controllers and agent links',
    )
    .option(
      '--data-dir <dir>',
      'where the hub keeps its state (store, CA, admin token, kubeconfig)',
      './hub-data',
    )
    .option('--listen <host:port>', 'address to serve the API on', '127.0.0.1:6443')
    .option(
      '--store <url>',
      'postgres://… to share state between hub replicas (default: SQLite in --data-dir)',
    )
    .option(
      '--tls-san <name>',
      'extra IP or DNS name for the server certificate (repeatable)',
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option('--heartbeat-seconds <s>', 'how often agents heartbeat', '10')
    .option('--not-ready-after <s>', 'silence after which a node is NotReady', '40')
    .option('--offline-after <s>', 'silence after which a node is Offline', '300')
    .option('--log-level <level>', 'trace | debug | info | warn | error', 'info')
    .action(async (opts: HubCommandOptions) => {
      const ctx = context();
      const { createHub, listenHub, parseListen } = await import('../../hub/hub.js');
      const { hubFeatures } = await import('../features.js');
      const listen = parseListen(opts.listen);
      const logger = pino({ level: opts.logLevel });
      const hub = await createHub({
        dataDir: opts.dataDir,
        logger,
        ...(opts.store && { store: opts.store }),
        sans: [listen.host, ...opts.tlsSan],
        features: await hubFeatures({ ...(opts.store && { store: opts.store }) }),
        fleet: {
          heartbeatSeconds: seconds(opts.heartbeatSeconds, '--heartbeat-seconds'),
          nodeLifecycle: {
            notReadyAfterMs: seconds(opts.notReadyAfter, '--not-ready-after') * 1000,
            offlineAfterMs: seconds(opts.offlineAfter, '--offline-after') * 1000,
          },
        },
      });
      const served = await listenHub(hub, listen);
      const kubeconfig = hub.security?.writeKubeconfig(served.url);
      ctx.out(
        `hub serving ${served.url} (data in ${opts.dataDir}${opts.store ? `, store ${redact(opts.store)}` : ''})`,
      );
      if (kubeconfig) {
        ctx.out(`kubeconfig: ${kubeconfig}   (kubectl --kubeconfig ${kubeconfig} get nodes)`);
        const installed = installCliConfig(ctx.io.env, kubeconfig, served.url);
        if (installed) ctx.out(`CLI config: ${installed}`);
        ctx.out(
          `join a node: edgewise token create --ttl 1h, then edgewise agent --hub ${served.url} --token <token> --name <node>`,
        );
      }
      await waitForSignal(ctx.io.signal);
      await served.close();
      await hub.close();
    });
}

/** Hides a password in a store URL before printing it. */
function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
