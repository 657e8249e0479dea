/**
 * Publishing the example modules for `edgewise up`: every manifest under the
 * examples directory whose Deployment carries `edgewise.io/module-source` names a
 * built module and the image its pods use; each is pushed to the hub's module store
 * so that `edgewise apply -f examples/<app>/` runs as written.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { HubConnection } from './client.js';
import { type PushResult, pushModule } from './commands/push.js';

export const MODULE_SOURCE_ANNOTATION = 'edgewise.io/module-source';

export interface ExampleModule {
  /** The image pods name (`supply-chain-tracker:1.0`). */
  image: string;
  /** The module file, absolute. */
  file: string;
  /** The manifest that names it. */
  manifest: string;
}

interface ManifestShape {
  metadata?: { annotations?: Record<string, string> };
  spec?: { template?: { spec?: { containers?: { image?: string }[] } } };
}

/** Example modules named by manifests under `dir`; sources are relative to the directory above it. */
export function findExampleModules(dir: string): ExampleModule[] {
  const root = path.resolve(dir, '..');
  const found: ExampleModule[] = [];
  for (const file of manifestFiles(dir)) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const object = doc.toJSON() as ManifestShape | null;
      const source = object?.metadata?.annotations?.[MODULE_SOURCE_ANNOTATION];
      const image = object?.spec?.template?.spec?.containers?.[0]?.image;
      if (source && image) found.push({ image, file: path.resolve(root, source), manifest: file });
    }
  }
  return found;
}

function manifestFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...manifestFiles(full));
    else if (/\.ya?ml$/.test(entry)) out.push(full);
  }
  return out;
}

/** The field scenarios' made-up images, mapped to modules the project builds (examples/scenario-images.json). */
export interface ScenarioImages {
  /** A registry host agents pull from the hub's store instead (`registry.example.com`). */
  mirror?: string;
  modules: ExampleModule[];
}

export const SCENARIO_IMAGES_FILE = 'scenario-images.json';

export function readScenarioImages(dir: string): ScenarioImages {
  const file = path.join(dir, SCENARIO_IMAGES_FILE);
  if (!existsSync(file)) return { modules: [] };
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as {
    mirror?: string;
    images?: Record<string, string>;
  };
  const modules = Object.entries(parsed.images ?? {}).map(([image, module]) => ({
    image,
    file: path.resolve(dir, module),
    manifest: file,
  }));
  return { ...(parsed.mirror && { mirror: parsed.mirror }), modules };
}

/** The name a module is stored under in the hub: a mirrored registry's host is dropped. */
export function storeName(image: string, mirror: string | undefined): string {
  return mirror && image.startsWith(`${mirror}/`) ? image.slice(mirror.length + 1) : image;
}

export interface PublishedExamples {
  pushed: PushResult[];
  /** Modules not built yet (`npm run build:examples`). */
  missing: ExampleModule[];
}

export async function publishExampleModules(dir: string, hub: HubConnection): Promise<PublishedExamples> {
  const result: PublishedExamples = { pushed: [], missing: [] };
  if (!existsSync(dir)) return result;
  const scenarios = readScenarioImages(dir);
  for (const example of [...findExampleModules(dir), ...scenarios.modules]) {
    if (!existsSync(example.file)) {
      result.missing.push(example);
      continue;
    }
    result.pushed.push(
      await pushModule({ file: example.file, name: storeName(example.image, scenarios.mirror), hub }),
    );
  }
  return result;
}
