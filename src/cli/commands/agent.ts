/** `edgewise agent`: run this machine as an edge node. */
import type { Command } from 'commander';
import { pino } from 'pino';
import { parseCapacity, parseLabels } from '../../agent/node-report.js';
import type { CliContext } from '../context.js';
import { waitForSignal } from '../wait-for-signal.js';

interface AgentCommandOptions {
  hub?: string;
  token?: string;
  name?: string;
  dataDir: string;
  labels?: string;
  capacity?: string;
  address?: string;
  portRange?: string;
  gateway?: string;
  insecureRegistry: string[];
  registryMirror: string[];
  logLevel: string;
}

function parsePortRange(text: string): { first: number; last: number } {
  const m = /^(\d+)-(\d+)$/.exec(text);
  const first = Number(m?.[1]);
  const last = Number(m?.[2]);
  if (!m || first < 1 || last > 65535 || first > last)
    throw new Error(`--port-range must be FIRST-LAST within 1-65535, not "${text}"`);
  return { first, last };
}

/** `--gateway host:port` (or just `:port`/`port`, on every address). */
export function parseGateway(text: string): { host: string; port: number } {
  const m = /^(?:(?:\[([^\]]+)\]|([^:]*)):)?(\d+)$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new Error(`--gateway must be host:port, e.g. 0.0.0.0:8080, not "${text}"`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

export function registerAgent(program: Command, context: () => CliContext): void {
  program
    .command('agent')
    .description(
      'Run the edge agent: join a hub once with a token, then run what the hub assigns — with or without the hub',
    )
    .option('--hub <url>', 'the hub to join (https://…); remembered after joining')
    .option('--token <token>', 'join token from `edgewise token create`; needed only the first time')
    .option('--name <node>', "this node's name; remembered after joining")
    .option('--data-dir <dir>', 'where the agent keeps its state and workloads', './agent-data')
    .option(
      '--labels <k=v,…>',
      'labels to register the node with, e.g. node-type=edge,edgewise.io/site=store-001',
    )
    .option('--capacity <r=q,…>', 'override the capacity read from the machine, e.g. cpu=4,memory=8Gi')
    .option(
      '--address <ip>',
      "address this node's workloads are reached at (default: first non-internal IPv4)",
    )
    .option('--port-range <first-last>', "host ports handed to workloads' containerPorts", '30000-32767')
    .option(
      '--gateway <host:port>',
      'one port serving every HTTP workload by Host header (<deployment-or-pod>.<namespace>[.<anything>]), e.g. 0.0.0.0:8080',
    )
    .option(
      '--insecure-registry <host:port>',
      'a registry to pull Wasm modules from over plain HTTP (repeatable; loopback ones always are)',
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option(
      '--registry-mirror <host>',
      "pull this registry's images from the hub's module store (repeatable), as K3s's registries.yaml mirrors",
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option('--log-level <level>', 'trace | debug | info | warn | error', 'info')
    .action(async (opts: AgentCommandOptions) => {
      const ctx = context();
      // Commander may hand --hub/--token to the global options client verbs share; they mean the same here.
      const global = program.opts() as { hub?: string; token?: string };
      const hubUrl = opts.hub ?? global.hub;
      const token = opts.token ?? global.token;
      const [{ Agent }, { agentFeatures }] = await Promise.all([
        import('../../agent/agent.js'),
        import('../features.js'),
      ]);
      const agent = await Agent.start({
        dataDir: opts.dataDir,
        logger: pino({ level: opts.logLevel }),
        features: await agentFeatures(),
        labels: parseLabels(opts.labels),
        capacity: parseCapacity(opts.capacity),
        ...(hubUrl && { hubUrl }),
        ...(token && { token }),
        ...(opts.name && { name: opts.name }),
        ...(opts.address && { address: opts.address }),
        ...(opts.portRange && { portRange: parsePortRange(opts.portRange) }),
        ...(opts.gateway && { gateway: parseGateway(opts.gateway) }),
        ...(opts.insecureRegistry.length > 0 && { insecureRegistries: opts.insecureRegistry }),
        ...(opts.registryMirror.length > 0 && { registryMirrors: opts.registryMirror }),
      });
      const gateway = agent.gateway.shared;
      ctx.out(
        `agent ${agent.nodeName} running (state in ${opts.dataDir}${gateway ? `, gateway ${gateway.address}:${gateway.port}` : ''})`,
      );
      await waitForSignal(ctx.io.signal);
      await agent.close();
    });
}
