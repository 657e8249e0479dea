/**
 * `edgewise up` (what `npm start` runs): a whole local fleet on embedded defaults —
 * a hub on SQLite and three agents joined with one-time tokens, each with its own
 * data dir and port range — and where to look. Ctrl-C stops everything.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { pino } from 'pino';
import type { Agent as AgentInstance } from '../../agent/agent.js';
import type { CliContext } from '../context.js';
import type { PublishedExamples } from '../examples.js';
import { installCliConfig } from '../install-config.js';
import { waitForSignal } from '../wait-for-signal.js';

interface UpOptions {
  dataDir: string;
  listen: string;
  agents: string;
  logLevel: string;
  gatewayPort: string;
  examples: string | false;
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
    .option(
      '--gateway-port <first>',
      "each agent's host-routed gateway port, counting up from this one (0: any free port)",
      '8081',
    )
    .option(
      '--examples <dir>',
      "push the built Wasm modules its manifests name (edgewise.io/module-source) to the hub's store",
      'examples',
    )
    .option('--no-examples', 'do not push example modules')
    .action(async (opts: UpOptions) => {
      const ctx = context();
      const count = Number(opts.agents);
      if (!Number.isInteger(count) || count < 0 || count > 20)
        throw new Error(`--agents must be 0–20, not "${opts.agents}"`);
      const logger = pino({ level: opts.logLevel });
      const hubDir = path.join(opts.dataDir, 'hub');
      // Loaded here so client verbs never pay for the hub's and agent's code.
      const [
        { createHub, listenHub, parseListen },
        { Agent },
        { agentFeatures, hubFeatures },
        { publishExampleModules, readScenarioImages },
      ] = await Promise.all([
        import('../../hub/hub.js'),
        import('../../agent/agent.js'),
        import('../features.js'),
        import('../examples.js'),
      ]);
      const listen = parseListen(opts.listen);
      const gatewayFirst = Number(opts.gatewayPort);
      if (!Number.isInteger(gatewayFirst) || gatewayFirst < 0 || gatewayFirst + count > 65536)
        throw new Error(`--gateway-port must be a port number, not "${opts.gatewayPort}"`);
      const hub = await createHub({
        dataDir: hubDir,
        logger,
        sans: [listen.host],
        features: await hubFeatures(),
      });
      const served = await listenHub(hub, listen);
      const kubeconfig = hub.security?.writeKubeconfig(served.url) ?? '';
      const installed = installCliConfig(ctx.io.env, kubeconfig, served.url);
      const mirror = opts.examples === false ? undefined : readScenarioImages(opts.examples).mirror;
      const agents: AgentInstance[] = [];
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
          gateway: { host: '127.0.0.1', port: gatewayFirst === 0 ? 0 : gatewayFirst + i - 1 },
          stopWorkloadsOnClose: true,
          logger,
          features: await agentFeatures(),
          // The field scenarios' images (registry.example.com/…) come from the hub's store.
          ...(mirror && { registryMirrors: [mirror] }),
        });
        agents.push(agent);
        const gw = agent.gateway.shared;
        lines.push(
          `  node ${name}   site store-00${i}, host ports ${first}-${first + 499} on 127.0.0.1, gateway ${gw ? `${gw.address}:${gw.port}` : 'none'}, state in ${path.join(opts.dataDir, name)}`,
        );
      }
      const examples: PublishedExamples =
        opts.examples === false || !hub.security
          ? { pushed: [], missing: [] }
          : await publishExampleModules(opts.examples, {
              server: served.url,
              token: hub.security.adminToken,
              ca: hub.security.pki.caPem,
            });
      const firstGateway = agents[0]?.gateway.shared;
      ctx.out(
        [
          'Edgewise is up.',
          `  hub API     ${served.url}   (state in ${hubDir})`,
          `  metrics     ${served.url}/metrics`,
          `  kubeconfig  ${kubeconfig}${installed ? `   (the CLI uses it via ${installed})` : ''}`,
          ...lines,
          ...(examples.pushed.length > 0
            ? [`  modules     ${examples.pushed.map((p) => p.image).join(', ')} in the hub's module store`]
            : []),
          ...(examples.missing.length > 0
            ? [
                `  not built   ${examples.missing.map((m) => m.image).join(', ')}: run npm run build:examples, then restart`,
              ]
            : []),
          '',
          'Try:',
          ...(installed ? [] : [`  export EDGEWISE_CONFIG=${kubeconfig}`]),
          '  edgewise get nodes',
          '  edgewise apply -f ../shared/scenarios/',
          '  edgewise get pods -o wide',
          ...(examples.pushed.some((p) => p.image === 'supply-chain-tracker:1.0')
            ? [
                `  edgewise apply -f ${path.join(String(opts.examples), 'supply-chain')}/`,
                "  curl http://127.0.0.1:<port>/track/PO-1234   (the pod's node port: PORTS in get pods -o wide)",
                ...(firstGateway
                  ? [
                      `  curl -H 'Host: supply-chain-tracker.default' http://<gateway>/track/PO-1234   (GATEWAY of the pod's node in get nodes -o wide; edge-1's is ${firstGateway.address}:${firstGateway.port})`,
                    ]
                  : []),
                '  edgewise logs deploy/supply-chain-tracker',
              ]
            : []),
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
