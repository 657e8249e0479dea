/**
 * `edgewise up` (what `npm start` runs): a whole local fleet on embedded defaults —
 * a hub on SQLite and three agents joined with one-time tokens, each with its own
 * data dir and port range — and where to look. Ctrl-C stops everything.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { pino } from 'pino';
import { Agent } from '../../agent/agent.js';
import { createHub, listenHub, parseListen } from '../../hub/hub.js';
import type { CliContext } from '../context.js';
import { installCliConfig } from '../install-config.js';
import { waitForSignal } from '../wait-for-signal.js';

interface UpOptions {
  dataDir: string;
  listen: string;
  agents: string;
  logLevel: string;
}

export function registerUp(program: Command, context: () => CliContext): void {
  program
    .command('up')
    .description(
      'Start a local fleet: a hub on SQLite and local agents; prints where to look; Ctrl-C stops it',
    )
    .option('--data-dir <dir>', 'where the local fleet keeps its state', './.edgewise-up')
    .option('--listen <host:port>', 'hub API address', '127.0.0.1:6443')
    .option('--agents <n>', 'how many local agents', '3')
    .option('--log-level <level>', 'trace | debug | info | warn | error', 'warn')
    .action(async (opts: UpOptions) => {
      const ctx = context();
      const count = Number(opts.agents);
      if (!Number.isInteger(count) || count < 0 || count > 20)
        throw new Error(`--agents must be 0–20, not "${opts.agents}"`);
      const logger = pino({ level: opts.logLevel });
      const hubDir = path.join(opts.dataDir, 'hub');
      const listen = parseListen(opts.listen);
      const hub = await createHub({ dataDir: hubDir, logger, sans: [listen.host] });
      const served = await listenHub(hub, listen);
      const kubeconfig = hub.security?.writeKubeconfig(served.url) ?? '';
      const installed = installCliConfig(ctx.io.env, kubeconfig, served.url);
      const agents: Agent[] = [];
      const lines: string[] = [];
      for (let i = 1; i <= count; i++) {
        const name = `edge-${i}`;
        const token = await hub.security?.tokens.create({
          ttlMs: 10 * 60_000,
          oneTime: true,
          description: `edgewise up: ${name}`,
        });
        // Each local agent gets its own slice of host ports so their workloads do not collide.
        const first = 30000 + (i - 1) * 500;
        const agent = await Agent.start({
          hubUrl: served.url,
          ...(token && { token: token.token }),
          name,
          dataDir: path.join(opts.dataDir, name),
          labels: { 'node-type': 'edge', 'edgewise.io/site': `store-00${i}` },
          address: '127.0.0.1',
          portRange: { first, last: first + 499 },
          stopWorkloadsOnClose: true,
          logger,
        });
        agents.push(agent);
        lines.push(
          `  node ${name}   site store-00${i}, host ports ${first}-${first + 499} on 127.0.0.1, state in ${path.join(opts.dataDir, name)}`,
        );
      }
      ctx.out(
        [
          'Edgewise is up.',
          `  hub API     ${served.url}   (state in ${hubDir})`,
          `  metrics     ${served.url}/metrics`,
          `  kubeconfig  ${kubeconfig}${installed ? `   (the CLI uses it via ${installed})` : ''}`,
          ...lines,
          '',
          'Try:',
          ...(installed ? [] : [`  export EDGEWISE_CONFIG=${kubeconfig}`]),
          '  edgewise get nodes',
          '  edgewise apply -f ../shared/scenarios/',
          '  edgewise get pods -o wide',
          `  kubectl --kubeconfig ${kubeconfig} get deploy -A`,
          '',
          'Ctrl-C stops everything.',
        ].join('\n'),
      );
      await waitForSignal(ctx.io.signal);
      for (const agent of agents) await agent.close();
      await served.close();
      await hub.close();
      ctx.out('stopped');
    });
}
