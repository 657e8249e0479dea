#!/usr/bin/env node
// Runs the compiled test files (dist/test/**/*.test.js) with node's test runner.
// Node 20 treats every .js file under a directory named "test" as a test, which
// would run our fixtures and helpers; listing files keeps it to real tests.
// Usage: node scripts/test.mjs [path-fragment ...]  (only files containing a fragment)
// TEST_DIST=.dist-mine runs a private build (npx tsc -p . --outDir .dist-mine).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return find(full);
    return entry.name.endsWith('.test.js') ? [full] : [];
  });
}

const filters = process.argv.slice(2);
const files = find(path.join(process.env.TEST_DIST ?? 'dist', 'test'))
  .filter((f) => filters.length === 0 || filters.some((frag) => f.includes(frag)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(', ')}`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
