import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { ERROR_CODES } from '../../src/api/errors.js';
import { renderErrorsDoc } from '../../src/api/errors-doc.js';
import { REPO_ROOT } from '../support/paths.js';

it('documents every error code in docs/errors.md', () => {
  for (const [code, info] of Object.entries(ERROR_CODES))
    assert.ok(info.doc.length > 10, `${code} has no documentation`);
  const onDisk = readFileSync(path.join(REPO_ROOT, 'docs', 'errors.md'), 'utf8');
  assert.equal(onDisk, renderErrorsDoc(), 'docs/errors.md is out of date: run node scripts/errors-doc.mjs');
});
