import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REASON_CODES } from '../../../src/hub/scheduler/index.js';
import { REPO_ROOT } from '../../support/paths.js';

describe('docs/scheduling.md', () => {
  const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'scheduling.md'), 'utf8');

  it('documents every reason code', () => {
    const missing = REASON_CODES.filter((code) => !doc.includes(`\`${code}\``));
    assert.deepEqual(missing, []);
  });
});
