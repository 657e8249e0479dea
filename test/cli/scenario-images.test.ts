/** The field scenarios' made-up images map to modules the project builds, stored under mirrored names. */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { readScenarioImages, storeName } from '../../src/cli/examples.js';
import { REPO_ROOT, sharedPath } from '../support/paths.js';

it('maps every image the scenarios use to a module source, stored without the mirrored host', () => {
  const scenarios = readScenarioImages(path.join(REPO_ROOT, 'examples'));
  assert.equal(scenarios.mirror, 'registry.example.com');
  for (const m of scenarios.modules)
    assert.ok(existsSync(m.file.replace(/\.wasm$/, '.ts')), `${m.file} has a source`);
  assert.equal(
    storeName('registry.example.com/edge-service:latest', scenarios.mirror),
    'edge-service:latest',
  );
  assert.equal(storeName('edge-app:latest', scenarios.mirror), 'edge-app:latest');
  assert.equal(storeName('ghcr.io/x/y:1', scenarios.mirror), 'ghcr.io/x/y:1');

  const dir = sharedPath('scenarios').path;
  if (!dir) return;
  const mapped = new Set(scenarios.modules.map((m) => m.image));
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(path.join(d, e.name)) : e.name.endsWith('.yaml') ? [path.join(d, e.name)] : [],
    );
  for (const file of walk(dir)) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const o = doc.toJSON() as {
        spec?: { template?: { spec?: { runtimeClassName?: string; containers?: { image: string }[] } } };
      } | null;
      const spec = o?.spec?.template?.spec;
      if (spec?.runtimeClassName !== 'wasmedge') continue;
      for (const c of spec.containers ?? [])
        assert.ok(mapped.has(c.image), `${file}: ${c.image} has a module`);
    }
  }
});
