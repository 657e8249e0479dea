#!/usr/bin/env node
// Writes docs/errors.md from the error registry (src/api/errors.ts, compiled).
// A test (test/api/errors-doc.test.ts) fails when the file and the registry differ.
import { writeFileSync } from 'node:fs';
const { renderErrorsDoc } = await import(new URL(`../${process.env.TEST_DIST ?? 'dist'}/src/api/errors-doc.js`, import.meta.url));
writeFileSync(new URL('../docs/errors.md', import.meta.url), renderErrorsDoc());
console.log('wrote docs/errors.md');
