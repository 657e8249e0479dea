/** `edgewise agent`: run this machine as an edge node. */
import type { Command } from 'commander';
import { pino } from 'pino';
import { Agent } from '../../agent/agent.js';
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
    .option('--log-level <level>', 'trace | debug | info | warn | error', 'info')
    .action(async (opts: AgentCommandOptions) => {
      const ctx = context();
      // Commander may hand --hub/--token to the global options client verbs share; they mean the same here.
      const global = program.opts() as { hub?: string; token?: string };
      const hubUrl = opts.hub ?? global.hub;
      const token = opts.token ?? global.token;
      const agent = await Agent.start({
        dataDir: opts.dataDir,
        logger: pino({ level: opts.logLevel }),
        labels: parseLabels(opts.labels),
        capacity: parseCapacity(opts.capacity),
        ...(hubUrl && { hubUrl }),
        ...(token && { token }),
        ...(opts.name && { name: opts.name }),
        ...(opts.address && { address: opts.address }),
        ...(opts.portRange && { portRange: parsePortRange(opts.portRange) }),
      });
      ctx.out(`agent ${agent.nodeName} running (state in ${opts.dataDir})`);
      await waitForSignal(ctx.io.signal);
      await agent.close();
    });
}
