/**
 * `edgewise logs <pod | TYPE/NAME> [-c container] [-f] [--tail N]`: a container's log
 * (a Wasm guest's stderr, a process's stdout and stderr) from whichever edge node
 * runs it, through the hub's `pods/log` — what `kubectl logs` calls too. For a
 * Deployment or DaemonSet one of its pods is chosen, as kubectl does.
 */
import type { Command } from 'commander';
import type { KubeList, KubeObject } from '../../api/object.js';
import type { CliContext } from '../context.js';
import { UserError } from '../errors.js';

interface LogsOptions {
  container?: string;
  follow?: boolean;
  tail?: string;
  timestamps?: boolean;
  limitBytes?: string;
}

const WORKLOAD_KINDS: Record<string, string> = {
  deploy: 'deployments',
  deployment: 'deployments',
  deployments: 'deployments',
  ds: 'daemonsets',
  daemonset: 'daemonsets',
  daemonsets: 'daemonsets',
};
const POD_KINDS = new Set(['po', 'pod', 'pods']);

interface PodLike extends KubeObject {
  spec?: { containers?: { name: string }[]; nodeName?: string };
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
}

export function registerLogs(program: Command, context: () => CliContext): void {
  program
    .command('logs')
    .description("Print a container's log from its edge node: logs POD | deploy/NAME | ds/NAME")
    .argument('<target>', 'a pod name, pod/NAME, deploy/NAME or ds/NAME')
    .option('-c, --container <name>', 'the container (default: the only or first one)')
    .option('-f, --follow', 'keep streaming new lines')
    .option('--tail <n>', 'only the last N lines (-1: all)', '-1')
    .option('--timestamps', 'prefix each line with its time')
    .option('--limit-bytes <n>', 'stop after this many bytes')
    .action(async (target: string, opts: LogsOptions) => {
      const ctx = context();
      const namespace = ctx.namespace;
      const pod = await resolvePod(ctx, namespace, target);
      const containers = pod.spec?.containers?.map((c) => c.name) ?? [];
      let container = opts.container;
      if (!container && containers.length > 1) {
        container = containers[0];
        ctx.err(`Defaulted container "${container}" out of: ${containers.join(', ')}`);
      }
      const params = new URLSearchParams();
      if (container) params.set('container', container);
      if (opts.follow) params.set('follow', 'true');
      const tail = Number(opts.tail ?? '-1');
      if (!Number.isInteger(tail) || tail < -1)
        throw new UserError(`--tail must be a whole number, not "${opts.tail}"`);
      if (tail >= 0) params.set('tailLines', String(tail));
      if (opts.timestamps) params.set('timestamps', 'true');
      if (opts.limitBytes) {
        const n = Number(opts.limitBytes);
        if (!Number.isInteger(n) || n <= 0)
          throw new UserError(`--limit-bytes must be positive, not "${opts.limitBytes}"`);
        params.set('limitBytes', String(n));
      }
      const name = pod.metadata.name ?? '';
      const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}/log?${params}`;
      const signal = ctx.io.signal;
      try {
        const res = await ctx.client.open('GET', path, { accept: 'text/plain', ...(signal && { signal }) });
        res.setEncoding('utf8');
        for await (const chunk of res) ctx.io.stdout(chunk as string);
      } catch (err) {
        // Ctrl-C while following is how `logs -f` ends.
        if (signal?.aborted) return;
        throw err;
      }
    });
}

/** The pod a target names: itself, or one pod of a Deployment/DaemonSet (running and ready first). */
async function resolvePod(ctx: CliContext, namespace: string, target: string): Promise<PodLike> {
  const slash = target.indexOf('/');
  const kind = slash < 0 ? 'pod' : target.slice(0, slash).toLowerCase();
  const name = slash < 0 ? target : target.slice(slash + 1);
  if (!name) throw new UserError(`"${target}" names no object`);
  const ns = encodeURIComponent(namespace);
  if (POD_KINDS.has(kind)) {
    return (
      await ctx.client.json<PodLike>('GET', `/api/v1/namespaces/${ns}/pods/${encodeURIComponent(name)}`)
    ).value;
  }
  const plural = WORKLOAD_KINDS[kind];
  if (!plural) throw new UserError(`logs reads pods, deployments and daemonsets, not "${kind}"`);
  const { value: owner } = await ctx.client.json<KubeObject>(
    'GET',
    `/apis/apps/v1/namespaces/${ns}/${plural}/${encodeURIComponent(name)}`,
  );
  const selector = labelSelector((owner.spec as { selector?: LabelSelector } | undefined)?.selector);
  const { value: list } = await ctx.client.json<KubeList<PodLike>>(
    'GET',
    `/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(selector)}`,
  );
  const pods = list.items
    .filter((p) => !p.metadata.deletionTimestamp)
    .filter((p) => p.metadata.ownerReferences?.some((o) => o.uid === owner.metadata.uid) ?? true)
    .sort((a, b) => rank(a) - rank(b) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  const first = pods[0];
  if (!first) throw new UserError(`no pods found for ${kind}/${name} in namespace ${namespace}`);
  if (pods.length > 1) ctx.err(`Found ${pods.length} pods, using pod/${first.metadata.name}`);
  return first;
}

function rank(pod: PodLike): number {
  const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  if (ready) return 0;
  if (pod.status?.phase === 'Running') return 1;
  return pod.spec?.nodeName ? 2 : 3;
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** A selector object in the query syntax (`a=b,c in (d,e),!f`). */
function labelSelector(selector: LabelSelector | undefined): string {
  const parts = Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector?.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  if (parts.length === 0) throw new UserError('the workload has an empty selector; name a pod instead');
  return parts.join(',');
}
