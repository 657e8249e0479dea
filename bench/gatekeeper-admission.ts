/**
 * Gatekeeper admission overhead per apply: ConfigMap and Pod creates through the
 * hub's resource service (validation → admission → SQLite, fsync'd) with 0, 10
 * and 50 constraints in force, plus Pod creates with dryRun (everything but the
 * store) to show admission without the disk. Constraints come from Gatekeeper's
 * library (required labels, allowed repos, container limits, disallowed tags,
 * privileged containers), spread evenly; every object passes all of them, the
 * common case. Overhead is the difference from the 0-constraint row.
 *
 *   npx tsc -p . && node dist/bench/gatekeeper-admission.js [--iterations=1000]
 *
 * Prints a table and writes bench/results/gatekeeper-admission.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import YAML from 'yaml';
import { configMapType } from '../src/api/kinds/core.js';
import { podType } from '../src/api/kinds/pod.js';
import type { KubeObject } from '../src/api/object.js';
import { gatekeeperFeature } from '../src/hub/gatekeeper/index.js';
import { createHub, type Hub } from '../src/hub/hub.js';
import { arg, percentile, ROOT, writeResult } from './common.js';

const shared = process.env.EDGEWISE_SHARED_DIR ?? path.resolve(ROOT, '../shared');
const library = path.join(shared, 'conformance', 'gatekeeper-library');

const ITERATIONS = arg('iterations', 1000);
const WARMUP = Math.min(200, ITERATIONS);
const POD_ONLY = { kinds: [{ apiGroups: [''], kinds: ['Pod'] }] };

/** Library templates and parameters every benchmark object satisfies. */
const POLICIES: { template: string; kind: string; match: unknown; parameters: unknown }[] = [
  {
    template: 'general/requiredlabels',
    kind: 'K8sRequiredLabels',
    match: { kinds: [{ apiGroups: [''], kinds: ['Pod', 'ConfigMap'] }] },
    parameters: { labels: [{ key: 'owner' }] },
  },
  {
    template: 'general/allowedrepos',
    kind: 'K8sAllowedRepos',
    match: POD_ONLY,
    parameters: { repos: ['registry.example.com/'] },
  },
  {
    template: 'general/containerlimits',
    kind: 'K8sContainerLimits',
    match: POD_ONLY,
    parameters: { cpu: '2', memory: '1Gi' },
  },
  {
    template: 'general/disallowedtags',
    kind: 'K8sDisallowedTags',
    match: POD_ONLY,
    parameters: { tags: ['latest'] },
  },
  {
    template: 'pod-security-policy/privileged-containers',
    kind: 'K8sPSPPrivilegedContainer',
    match: POD_ONLY,
    parameters: {},
  },
];

function configMap(name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, labels: { owner: 'ops' } },
    data: { k: 'v' },
  };
}

function pod(name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { owner: 'ops' } },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'registry.example.com/edge-app:1.4.2',
          resources: { limits: { cpu: '100m', memory: '128Mi' } },
        },
      ],
    },
  };
}

async function withConstraints(count: number, dataDir: string): Promise<Hub> {
  const hub = await createHub({
    dataDir,
    logger: pino({ level: 'silent' }),
    secure: false,
    controllers: false,
    features: [gatekeeperFeature({ auditIntervalSeconds: 0 })],
  });
  const templateType = hub.registry.requireKind('templates.gatekeeper.sh/v1', 'ConstraintTemplate');
  for (const p of POLICIES) {
    const template = YAML.parse(fs.readFileSync(path.join(library, p.template, 'template.yaml'), 'utf8'));
    await hub.service.create(templateType, '', template);
  }
  for (let i = 0; i < count; i++) {
    const p = POLICIES[i % POLICIES.length] as (typeof POLICIES)[number];
    const type = hub.registry.requireKind('constraints.gatekeeper.sh/v1beta1', p.kind);
    await hub.service.create(type, '', {
      apiVersion: 'constraints.gatekeeper.sh/v1beta1',
      kind: p.kind,
      metadata: { name: `${p.kind.toLowerCase()}-${i}` },
      spec: { match: p.match, parameters: p.parameters },
    });
  }
  return hub;
}

interface Timing {
  p50_ms: number;
  p99_ms: number;
}

async function time(run: (i: number) => Promise<unknown>): Promise<Timing> {
  for (let i = 0; i < WARMUP; i++) await run(-1 - i);
  const samples: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const t0 = process.hrtime.bigint();
    await run(i);
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return {
    p50_ms: Number(percentile(samples, 50).toFixed(3)),
    p99_ms: Number(percentile(samples, 99).toFixed(3)),
  };
}

interface Row {
  constraints: number;
  configmap_create: Timing;
  pod_create: Timing;
  pod_dry_run: Timing;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const count of [0, 10, 50]) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-bench-gk-'));
    const hub = await withConstraints(count, dataDir);
    try {
      const configmap_create = await time((i) =>
        hub.service.create(configMapType, 'default', configMap(`cm-${i + 1000}`)),
      );
      const pod_create = await time((i) => hub.service.create(podType, 'default', pod(`pod-${i + 1000}`)));
      const pod_dry_run = await time((i) =>
        hub.service.create(podType, 'default', pod(`dry-${i + 1000}`), { dryRun: true }),
      );
      rows.push({ constraints: count, configmap_create, pod_create, pod_dry_run });
    } finally {
      await hub.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
  const base = rows[0] as Row;
  const delta = (t: Timing, b: Timing) => (t.p50_ms - b.p50_ms).toFixed(3);
  console.log(`${ITERATIONS} creates per cell, p50 / p99 in ms; overhead = p50 minus the 0-constraint p50`);
  console.log(
    '| constraints | ConfigMap create | Pod create | Pod dry-run (no store) | Pod overhead (dry-run) |',
  );
  console.log('| ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(
      `| ${r.constraints} | ${r.configmap_create.p50_ms} / ${r.configmap_create.p99_ms} | ${r.pod_create.p50_ms} / ${r.pod_create.p99_ms} | ${r.pod_dry_run.p50_ms} / ${r.pod_dry_run.p99_ms} | ${delta(r.pod_dry_run, base.pod_dry_run)} |`,
    );
  }
  writeResult('gatekeeper-admission', { iterations: ITERATIONS, loadavg: os.loadavg(), rows });
}

await main();
