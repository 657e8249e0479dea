#!/usr/bin/env node
// Builds the AssemblyScript examples into WASI preview 1 modules next to their
// sources (examples/<app>/<name>.wasm), with the compiler from npm. Usage:
//   npm run build:examples            # all examples
//   node scripts/build-examples.mjs examples/hello/hello.ts
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ENTRIES = [
  'examples/hello/hello.ts',
  'examples/supply-chain/tracker.ts',
  'examples/education/courses.ts',
  'examples/telemedicine/signalling.ts',
];

// asc resolves the shim's config (and its lib folder) from the working directory.
process.chdir(root);
const wanted = process.argv.slice(2);
const entries = wanted.length > 0 ? wanted : ENTRIES;
let failed = 0;
for (const entry of entries) {
  const source = path.resolve(root, entry);
  const out = source.replace(/\.ts$/, '.wasm');
  const { error, stderr } = await asc.main(
    [
      source,
      '--config',
      './node_modules/@assemblyscript/wasi-shim/asconfig.json',
      // Fresh instance per request: the stub runtime (bump allocator, no GC) is all
      // a request needs and keeps instantiation cheapest.
      '--runtime',
      'stub',
      '-O3',
      '--outFile',
      out,
    ],
    {},
  );
  if (error) {
    failed++;
    process.stderr.write(`✗ ${entry}\n${stderr.toString()}\n`);
    continue;
  }
  const bytes = readFileSync(out);
  const digest = createHash('sha256').update(bytes).digest('hex');
  process.stdout.write(`✓ ${path.relative(root, out)}  ${bytes.length} bytes  sha256:${digest.slice(0, 12)}…\n`);
}
process.exitCode = failed > 0 ? 1 : 0;
