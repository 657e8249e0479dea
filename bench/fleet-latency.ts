/**
 * Fleet figures with real processes on loopback: a hub and 3 agents as child
 * processes (the edgewise CLI), then
 * - agent idle RSS (from /proc, after joining, before any workload);
 * - apply → running latency: from the apply request to the pod reported Ready at
 *   the hub, for process workloads spread over the 3 nodes, p50/p99.
 *
 * Run: npm run build && node dist/bench/fleet-latency.js [--deployments 20] [--replicas 3]
 * Writes bench/results/fleet-latency.json.
 */
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  createToken,
  freePort,
  killAll,
  startAgentProcess,
  startHubProcess,
  waitFor,
} from '../test/support/fleet.js';
import { tempDir } from '../test/support/hub.js';
import { percentile, writeResult } from './common.js';

const { values } = parseArgs({
  options: { deployments: { type: 'string', default: '20' }, replicas: { type: 'string', default: '3' } },
});
const DEPLOYMENTS = Number(values.deployments);
const REPLICAS = Number(values.replicas);

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

const root = tempDir('edgewise-bench-fleet-');
try {
  const hub = await startHubProcess(path.join(root, 'hub'), await freePort(), []);
  const agents = [];
  for (let i = 0; i < 3; i++) {
    agents.push(
      await startAgentProcess(path.join(root, `n${i}`), {
        hubUrl: hub.url,
        token: await createToken(hub.client),
        name: `bench-${i}`,
        labels: `node-type=edge,edgewise.io/site=s${i}`,
        portRange: `${43000 + i * 1000}-${43000 + i * 1000 + 999}`,
      }),
    );
  }
  await new Promise((r) => setTimeout(r, 3000));
  const idle = agents.map((a) => rssMiB(a.child.pid as number));
  await hub.client.request('POST', '/apis/node.k8s.io/v1/runtimeclasses', {
    contentType: 'application/json',
    body: JSON.stringify({
      apiVersion: 'node.k8s.io/v1',
      kind: 'RuntimeClass',
      metadata: { name: 'process' },
      handler: 'process',
    }),
  });
  const latencies: number[] = [];
  for (let d = 0; d < DEPLOYMENTS; d++) {
    const name = `lat-${d}`;
    const started = performance.now();
    await hub.client.request('PATCH', `/apis/apps/v1/namespaces/default/deployments/${name}`, {
      contentType: 'application/apply-patch+yaml',
      body: JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name },
        spec: {
          replicas: REPLICAS,
          template: {
            spec: {
              runtimeClassName: 'process',
              containers: [
                {
                  name: 'c',
                  image: 'local/idle:1',
                  command: [process.execPath, '-e', 'setInterval(()=>{},1e9)'],
                },
              ],
            },
          },
        },
      }),
    });
    // The moment each pod is first seen Ready at the hub, by polling its list quickly.
    const seen = new Set<string>();
    await waitFor(
      `${name} ready`,
      async () => {
        const { value } = await hub.client.json<{
          items: {
            metadata: { name: string };
            status?: { conditions?: { type: string; status: string }[] };
          }[];
        }>('GET', `/api/v1/namespaces/default/pods?labelSelector=app%3D${name}`);
        for (const p of value.items) {
          if (
            !seen.has(p.metadata.name) &&
            p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
          ) {
            seen.add(p.metadata.name);
            latencies.push(performance.now() - started);
          }
        }
        return seen.size >= REPLICAS ? true : undefined;
      },
      60_000,
    );
  }
  const loaded = agents.map((a) => rssMiB(a.child.pid as number));
  latencies.sort((a, b) => a - b);
  const result = {
    loadavg: os.loadavg(),
    agentIdleRssMiB: idle,
    agentRssWithWorkloadsMiB: loaded,
    pods: latencies.length,
    applyToReadyP50Ms: percentile(latencies, 50),
    applyToReadyP99Ms: percentile(latencies, 99),
  };
  console.log(
    `3 agents, ${DEPLOYMENTS} Deployments × ${REPLICAS} process pods (load average ${os.loadavg()[0]?.toFixed(1)})`,
  );
  console.log('agent idle RSS MiB        ', idle.map((x) => x.toFixed(1)).join(', '));
  console.log(
    `agent RSS MiB, ${(DEPLOYMENTS * REPLICAS) / 3} pods each`,
    loaded.map((x) => x.toFixed(1)).join(', '),
  );
  console.log(
    `apply → Ready p50 ${result.applyToReadyP50Ms.toFixed(0)} ms, p99 ${result.applyToReadyP99Ms.toFixed(0)} ms over ${latencies.length} pods`,
  );
  writeResult('fleet-latency', result);
} finally {
  killAll(root);
  rmSync(root, { recursive: true, force: true });
}
