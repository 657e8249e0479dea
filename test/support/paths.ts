/** Paths to the repository and to the shared data beside it (../shared). */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isCI } from './services.js';

/** The compiled tree these tests run from (`dist/`, or a private `.dist-*` outDir). */
export const DIST_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The repository root (the compiled tree sits directly inside it). */
export const REPO_ROOT = path.resolve(DIST_ROOT, '..');

/** The edgewise CLI of the same compiled tree, for tests that run it as a process. */
export const CLI_MAIN = path.join(DIST_ROOT, 'src/cli/main.js');

/**
 * A path under ../shared (scenarios, conformance suites). Returns undefined with a
 * skip message outside CI when it is missing; under CI a missing path fails.
 */
export function sharedPath(relative: string): { path?: string; skip?: string } {
  const full = path.resolve(REPO_ROOT, '..', 'shared', relative);
  if (existsSync(full)) return { path: full };
  const message = `${full} is missing; the shared scenarios and conformance data live beside the repository`;
  if (isCI()) throw new Error(message);
  return { skip: message };
}
