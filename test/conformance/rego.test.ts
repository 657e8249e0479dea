/**
 * The Rego conformance suites: at least 95 % of the cases pass, and every
 * failing or skipped case is listed with its reason in docs/conformance.md.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runAll } from './rego-runner.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describe('rego conformance', () => {
  const outcomes = runAll();
  const scored = outcomes.filter((o) => !o.skipped);

  it('runs both suites', () => {
    assert.ok(outcomes.some((o) => o.suite === 'opa'));
    assert.ok(outcomes.some((o) => o.suite === 'regorus'));
    assert.ok(outcomes.length > 700, `only ${outcomes.length} cases found`);
  });

  it('passes at least 95 % of the cases, in each suite', () => {
    for (const suite of ['opa', 'regorus']) {
      const cases = scored.filter((o) => o.suite === suite);
      const passed = cases.filter((o) => o.passed).length;
      assert.ok(passed / cases.length >= 0.95, `${suite}: ${passed}/${cases.length}`);
    }
  });

  it('documents every failure and skip in docs/conformance.md', () => {
    const doc = fs.readFileSync(path.join(repo, 'docs', 'conformance.md'), 'utf8');
    const missing = outcomes
      .filter((o) => !o.passed || o.skipped)
      .map((o) => o.note)
      .filter((note) => !doc.includes(note));
    assert.deepEqual(missing, []);
  });
});
