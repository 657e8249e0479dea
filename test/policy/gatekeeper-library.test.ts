/**
 * Every ConstraintTemplate's Rego in the Gatekeeper library must compile (a
 * later issue plays the library's suites through hub admission).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { compile, type ModuleSource } from '../../src/policy/rego/index.js';
import { conformanceDir } from '../conformance/rego-runner.js';

interface RegoSource {
  rego?: string;
  libs?: string[];
}

interface Target extends RegoSource {
  code?: { engine: string; source: RegoSource }[];
}

function templates(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return templates(p);
    return e.name === 'template.yaml' ? [p] : [];
  });
}

/** Rego of a template: targets[].rego/libs, or targets[].code[] entries with engine Rego. */
function regoOf(file: string): ModuleSource[][] {
  const out: ModuleSource[][] = [];
  for (const doc of YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
    const t = doc.toJS() as { spec: { targets: Target[] } };
    for (const target of t.spec.targets) {
      const sources = target.rego
        ? [target]
        : (target.code ?? []).filter((c) => c.engine === 'Rego').map((c) => c.source);
      for (const s of sources) {
        out.push([
          { path: `${file}:rego`, source: s.rego ?? '' },
          ...(s.libs ?? []).map((lib, i) => ({ path: `${file}:libs[${i}]`, source: lib })),
        ]);
      }
    }
  }
  return out;
}

const library = path.join(conformanceDir(), 'gatekeeper-library');

describe('gatekeeper library', () => {
  it('compiles the Rego of every ConstraintTemplate (v0 syntax)', () => {
    const files = templates(library);
    assert.ok(files.length >= 30, `found only ${files.length} templates under ${library}`);
    let compiled = 0;
    for (const file of files) {
      for (const modules of regoOf(file)) {
        assert.doesNotThrow(() => compile(modules, { regoVersion: 'v0' }), file);
        compiled++;
      }
    }
    assert.equal(compiled, files.length);
  });

  it('finds violations the way Gatekeeper does (k8sallowedrepos)', () => {
    const file = path.join(library, 'general', 'allowedrepos', 'template.yaml');
    const [modules] = regoOf(file);
    const policy = compile(modules as ModuleSource[], { regoVersion: 'v0' });
    const review = (image: string) => ({
      review: { object: { kind: 'Pod', spec: { containers: [{ name: 'app', image }] } } },
      parameters: { repos: ['registry.example.com/'] },
    });
    assert.deepEqual(
      policy.evalRef('data.k8sallowedrepos.violation', { input: review('registry.example.com/app:1') }),
      [],
    );
    assert.deepEqual(
      policy.evalRef('data.k8sallowedrepos.violation', { input: review('docker.io/evil:latest') }),
      [
        {
          msg: 'container <app> has an invalid image repo <docker.io/evil:latest>, allowed repos are ["registry.example.com/"]',
        },
      ],
    );
  });
});
