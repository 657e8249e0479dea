#!/usr/bin/env node
// Launcher for the compiled CLI; `npm install` builds dist/ through the prepare script.
import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(dirname(realpathSync(fileURLToPath(import.meta.url))));
const { run } = await import(pathToFileURL(join(root, 'dist/src/cli/main.js')).href);
const abort = new AbortController();
process.once('SIGINT', () => abort.abort());
process.exitCode = await run(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  env: process.env,
  signal: abort.signal,
});
