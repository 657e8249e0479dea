import os from 'node:os';
import { parseArgs } from 'node:util';
import type { EdgeNode } from '../src/api/kinds/node.js';
import { SITE_LABEL } from '../src/api/kinds/node.js';
import type { Pod } from '../src/api/kinds/pod.js';
import type { PodSpec } from '../src/api/kinds/pod-spec.js';
import { type RuntimeClass, SchedulingCache, schedulePod } from '../src/hub/scheduler/index.js';
import { loadAverage, printTable, writeResult } from './common.js';

const { values: args } = parseArgs({
  options: {
    nodes: { type: 'string', default: '5000' },
    pods: { type: 'string', default: '50000' },
    seconds: { type: 'string', default: '2' },
  },
});
const NODES = Number(args.nodes);
const PODS = Number(args.pods);
const SECONDS = Number(args.seconds);
const DEPLOYMENTS = Math.max(1, Math.floor(PODS / 100));

/** Deterministic, so every run measures the same fleet. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = prng(42);

function makeNode(i: number): EdgeNode {
  const r = rnd();
  const name = `store-${String(Math.floor(i / 2)).padStart(4, '0')}-${i % 2 ? 'b' : 'a'}`;
  const ready = r < 0.02 ? 'False' : 'True';
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/arch': rnd() < 0.2 ? 'amd64' : 'arm64',
        'kubernetes.io/os': 'linux',
        'node-type': rnd() < 0.9 ? 'edge' : 'cloud',
        [SITE_LABEL]: `store-${Math.floor(i / 2)}`,
      },
    },
    spec: {
      ...(rnd() < 0.05
        ? { taints: [{ key: 'edge-node', value: 'true', effect: 'NoSchedule' as const }] }
        : {}),
      ...(rnd() < 0.01 ? { unschedulable: true } : {}),
    },
    status: {
      allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
      conditions: [
        { type: 'Ready', status: ready, ...(r > 0.99 ? { status: 'Unknown', reason: 'NodeOffline' } : {}) },
      ],
      runtimeHandlers: (rnd() < 0.7 ? ['', 'process', 'wasmedge'] : ['', 'process']).map((h) => ({
        name: h,
      })),
    },
  };
}

function makePod(name: string, owner: string | undefined, spec: Partial<PodSpec>, nodeName?: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'retail',
      uid: `uid-${name}`,
      ...(owner
        ? {
            ownerReferences: [
              { apiVersion: 'apps/v1', kind: 'Deployment', name: owner, uid: owner, controller: true },
            ],
          }
        : {}),
    },
    spec: {
      containers: [
        { name: 'app', image: 'retail/pos:1', resources: { requests: { cpu: '50m', memory: '64Mi' } } },
      ],
      ...spec,
      ...(nodeName ? { nodeName } : {}),
    },
    status: { phase: nodeName ? 'Running' : 'Pending' },
  };
}

const wasmedge: RuntimeClass = {
  apiVersion: 'node.k8s.io/v1',
  kind: 'RuntimeClass',
  metadata: { name: 'wasmedge' },
  handler: 'wasmedge',
  overhead: { podFixed: { cpu: '10m', memory: '16Mi' } },
  scheduling: { nodeSelector: { 'node-type': 'edge' } },
};

// Build the fleet and time the cache feeding it.
const cache = new SchedulingCache();
cache.setRuntimeClass(wasmedge);
const nodes = Array.from({ length: NODES }, (_, i) => makeNode(i));
const nodeNames = nodes.map((n) => n.metadata.name as string);
const pods = Array.from({ length: PODS }, (_, i) => {
  const owner = `deploy-${i % DEPLOYMENTS}`;
  const spec: Partial<PodSpec> = i % 3 === 0 ? { runtimeClassName: 'wasmedge' } : {};
  if (i % 50 === 0)
    spec.containers = [{ name: 'app', image: 'x', ports: [{ containerPort: 80, hostPort: 8080 }] }];
  return makePod(`pod-${i}`, owner, spec, nodeNames[Math.floor(rnd() * NODES)]);
});
let t0 = performance.now();
for (const n of nodes) cache.updateNode(n);
const nodeFeedMs = performance.now() - t0;
t0 = performance.now();
for (const p of pods) cache.addPod(p);
const podFeedMs = performance.now() - t0;

interface Row {
  scenario: string;
  decisions: number;
  /** Wall-clock rate: what a controller would see on this machine right now. */
  decisionsPerSecond: number;
  /**
   * Rate per second of CPU time used by this process: steadier than wall-clock on a
   * shared machine, where other processes take the CPU away mid-run.
   */
  decisionsPerCpuSecond: number;
  microsPerDecision: number;
  outcome: string;
}

/** Runs `decide` for about SECONDS (after a warm-up) and reports the rate. */
function measure(scenario: string, decide: (i: number) => string): Row {
  let outcome = '';
  for (let i = 0; i < 50; i++) outcome = decide(i);
  let decisions = 0;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  let elapsed = 0;
  while (elapsed < SECONDS * 1000) {
    for (let k = 0; k < 20; k++) outcome = decide(decisions++);
    elapsed = performance.now() - start;
  }
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const seconds = elapsed / 1000;
  return {
    scenario,
    decisions,
    decisionsPerSecond: Math.round(decisions / seconds),
    decisionsPerCpuSecond: Math.round(decisions / cpuSeconds),
    microsPerDecision: Number(((cpuSeconds * 1e6) / decisions).toFixed(1)),
    outcome,
  };
}

const replica = (i: number, extra: Partial<PodSpec> = {}) =>
  makePod(`new-${i}`, `deploy-${i % DEPLOYMENTS}`, {
    runtimeClassName: 'wasmedge',
    containers: [{ name: 'app', image: 'x', resources: { requests: { cpu: '100m', memory: '128Mi' } } }],
    ...extra,
  });
const decide = (p: Pod) => {
  const placement = schedulePod(cache, p);
  return placement.scheduled ? `placed on ${placement.nodeName}` : placement.failure.message;
};

const rows: Row[] = [];
rows.push(measure('Deployment replica, wasmedge + nodeSelector (most nodes fit)', (i) => decide(replica(i))));
rows.push(
  measure('amd64 via required affinity + preferred affinity (~20% fit)', (i) =>
    decide(
      replica(i, {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }] },
              ],
            },
            preferredDuringSchedulingIgnoredDuringExecution: [
              {
                weight: 50,
                preference: { matchExpressions: [{ key: 'node-type', operator: 'In', values: ['edge'] }] },
              },
            ],
          },
        },
      }),
    ),
  ),
);
rows.push(
  measure('host port 8080 + tolerates edge-node taint', (i) =>
    decide(
      replica(i, {
        containers: [{ name: 'app', image: 'x', ports: [{ containerPort: 80, hostPort: 8080 }] }],
        tolerations: [{ key: 'edge-node', operator: 'Exists' }],
      }),
    ),
  ),
);
rows.push(
  measure('unschedulable: 16Gi memory (explains 5,000 failures)', (i) =>
    decide(
      replica(i, { containers: [{ name: 'app', image: 'x', resources: { requests: { memory: '16Gi' } } }] }),
    ),
  ),
);
const assumed: Pod[] = [];
rows.push(
  measure('decide + assumePod (cache updated after each bind)', (i) => {
    const p = replica(1_000_000 + i);
    const placement = schedulePod(cache, p);
    if (placement.scheduled) {
      cache.assumePod(p, placement.nodeName);
      assumed.push(p);
    }
    return placement.scheduled ? `placed on ${placement.nodeName}` : placement.failure.message;
  }),
);
for (const p of assumed) cache.removePod(p);

console.log(
  `scheduler placement: ${NODES} nodes, ${cache.podCount} bound pods, ${DEPLOYMENTS} Deployments, Node ${process.version}, load ${os.loadavg()[0]?.toFixed(1)} on ${os.cpus().length} CPUs`,
);
console.log(
  `cache feed: ${NODES} nodes in ${nodeFeedMs.toFixed(0)} ms, ${PODS} pods in ${podFeedMs.toFixed(0)} ms`,
);
printTable(
  ['scenario', 'decisions/s', 'per CPU-s', 'CPU µs/dec'],
  rows.map((r) => [
    r.scenario,
    String(r.decisionsPerSecond),
    String(r.decisionsPerCpuSecond),
    r.microsPerDecision.toFixed(1),
  ]),
);
for (const r of rows) console.log(`  ${r.scenario}: ${r.outcome}`);

writeResult('scheduler-placement', {
  loadAverage1m: loadAverage(),
  fleet: { nodes: NODES, boundPods: PODS, deployments: DEPLOYMENTS, sites: Math.ceil(NODES / 2) },
  cacheFeedMs: { nodes: Math.round(nodeFeedMs), pods: Math.round(podFeedMs) },
  results: rows,
});
