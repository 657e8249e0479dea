/**
 * Rego engine figures: evaluation latency (p50/p99) and evaluations/s for the
 * field's two policies and for a Gatekeeper template against a Pod, and the
 * time to compile the whole Gatekeeper library.
 *
 *   npx tsc -p . && node dist/bench/rego-eval.js [--iterations=200000]
 *
 * Prints a table and writes bench/results/rego-eval.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { type CompiledPolicy, compile, type ModuleSource } from '../src/policy/rego/index.js';
import { arg, loadAverage, median, percentile, ROOT, writeResult } from './common.js';
import { EDUCATION_JOIN, TELEMEDICINE_CALL } from './policy-inputs.js';

const shared = process.env.EDGEWISE_SHARED_DIR ?? path.resolve(ROOT, '../shared');

interface EvalRow {
  name: string;
  decision: unknown;
  p50_us: number;
  p99_us: number;
  evals_per_s: number;
}

/** Times each evaluation separately (hrtime costs ~50 ns, small beside one evaluation). */
function measure(name: string, run: () => unknown, iterations: number): EvalRow {
  const decision = run();
  for (let i = 0; i < Math.min(20_000, iterations); i++) run();
  const samples = new Float64Array(iterations);
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    run();
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  const total = Number(process.hrtime.bigint() - start) / 1e9;
  const sorted = Array.from(samples).sort((a, b) => a - b);
  return {
    name,
    decision,
    p50_us: Number(percentile(sorted, 50).toFixed(2)),
    p99_us: Number(percentile(sorted, 99).toFixed(2)),
    evals_per_s: Math.round(iterations / total),
  };
}

function templates(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return templates(p);
    return e.name === 'template.yaml' ? [p] : [];
  });
}

interface Target {
  rego?: string;
  libs?: string[];
  code?: { engine: string; source: { rego?: string; libs?: string[] } }[];
}

function templateModules(file: string): ModuleSource[] {
  // parseDocument tolerates the odd multi-line quoted description some templates carry.
  const doc = YAML.parseDocument(fs.readFileSync(file, 'utf8')).toJS() as { spec: { targets: Target[] } };
  const t = doc.spec.targets[0] as Target;
  const src = t.rego ? t : (t.code ?? []).find((c) => c.engine === 'Rego')?.source;
  if (!src?.rego) throw new Error(`no Rego in ${file}`);
  return [
    { path: `${file}:rego`, source: src.rego },
    ...(src.libs ?? []).map((l, i) => ({ path: `${file}:libs[${i}]`, source: l })),
  ];
}

function load(rel: string): CompiledPolicy {
  const file = path.join(shared, 'scenarios', rel);
  return compile([{ path: file, source: fs.readFileSync(file, 'utf8') }]);
}

function main(): void {
  const iterations = arg('iterations', 200_000);
  const library = path.join(shared, 'conformance', 'gatekeeper-library');

  const edu = load('education/education-policy.rego');
  const tele = load('telemedicine/telemedicine-policy.rego');
  const transferInput = { action: 'data_transfer', destination: 'cloud-archive', user: { role: 'clerk' } };

  const privileged = compile(
    templateModules(path.join(library, 'pod-security-policy', 'privileged-containers', 'template.yaml')),
    {
      regoVersion: 'v0',
    },
  );
  const repos = compile(templateModules(path.join(library, 'general', 'allowedrepos', 'template.yaml')), {
    regoVersion: 'v0',
  });
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'edge-app', namespace: 'stores', labels: { app: 'edge-app', tier: 'edge' } },
    spec: {
      runtimeClassName: 'wasmedge',
      nodeSelector: { 'node-type': 'edge' },
      containers: [
        {
          name: 'app',
          image: 'registry.example.com/edge/app:1.4.2',
          ports: [{ containerPort: 8080 }],
          resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m', memory: '64Mi' } },
          securityContext: { privileged: false, runAsNonRoot: true },
        },
        {
          name: 'sidecar',
          image: 'registry.example.com/edge/proxy:2.0.0',
          securityContext: { privileged: true },
        },
      ],
      initContainers: [{ name: 'init', image: 'registry.example.com/edge/init:1.0.0' }],
    },
  };
  const review = (parameters: unknown) => ({
    review: { kind: { kind: 'Pod' }, object: pod, operation: 'CREATE' },
    parameters,
  });

  const rows: EvalRow[] = [
    measure(
      'education allow (v0)',
      () => edu.evalRef('data.education.allow', { input: EDUCATION_JOIN }),
      iterations,
    ),
    measure(
      'telemedicine allow (v1)',
      () => tele.evalRef('data.healthcare.telemedicine.allow', { input: TELEMEDICINE_CALL }),
      iterations,
    ),
    measure(
      'telemedicine deny (v1)',
      () => tele.evalRef('data.healthcare.telemedicine.deny', { input: transferInput }),
      iterations,
    ),
    measure(
      'gatekeeper k8spspprivilegedcontainer × Pod',
      () => privileged.evalRef('data.k8spspprivileged.violation', { input: review({}) }),
      Math.ceil(iterations / 4),
    ),
    measure(
      'gatekeeper k8sallowedrepos × Pod',
      () =>
        repos.evalRef('data.k8sallowedrepos.violation', {
          input: review({ repos: ['registry.example.com/'] }),
        }),
      Math.ceil(iterations / 4),
    ),
  ];

  // Compile time of the whole library (every template, libs included), median of several runs.
  const sources = templates(library).map(templateModules);
  const runs: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t0 = process.hrtime.bigint();
    for (const mods of sources) compile(mods, { regoVersion: 'v0' });
    runs.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  runs.sort((a, b) => a - b);
  const compileMs = Number(median(runs).toFixed(1));
  const firstMs = Number((runs[runs.length - 1] as number).toFixed(1));

  console.log('| evaluation | decision | p50 µs | p99 µs | evals/s |');
  console.log('| --- | --- | ---: | ---: | ---: |');
  for (const r of rows) {
    const d = JSON.stringify(r.decision);
    console.log(
      `| ${r.name} | ${d.length > 30 ? `${d.slice(0, 27)}…` : d} | ${r.p50_us} | ${r.p99_us} | ${r.evals_per_s} |`,
    );
  }
  console.log(
    `\ncompile the Gatekeeper library (${sources.length} templates): median ${compileMs} ms, slowest run ${firstMs} ms`,
  );

  writeResult('rego-eval', {
    // What else the machine was doing: figures on a shared box drift with it.
    load_average_1m: loadAverage(),
    iterations,
    evaluations: rows,
    gatekeeper_library: {
      templates: sources.length,
      compile_ms_median: compileMs,
      compile_ms_slowest: firstMs,
    },
  });
}

main();
