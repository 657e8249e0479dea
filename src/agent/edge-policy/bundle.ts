/**
 * A compiled bundle: the Rego modules of the policy sources in force, compiled together,
 * and the documents of the data sources merged under `data`, converted once.
 */
import { createHash } from 'node:crypto';
import { type CompiledPolicy, compile, type PreparedData, prepareData } from '../../policy/rego/index.js';
import { modulePath, type PolicySource, parseDataSource, sourceKey } from './sources.js';

export interface Bundle {
  /** Increases each time the set of sources in force changes (kept in the agent's state). */
  revision: number;
  /** Short hash of the sources in force (key and fingerprint of each). */
  hash: string;
  policy: CompiledPolicy;
  data: PreparedData;
  sources: readonly PolicySource[];
  /** When this bundle was put in force. */
  loadedAt: string;
}

/** Sorted by namespace/name, so compilation order (and error order) is stable. */
export function sortSources(sources: Iterable<PolicySource>): PolicySource[] {
  return [...sources].sort((a, b) =>
    sourceKey(a) < sourceKey(b) ? -1 : sourceKey(a) > sourceKey(b) ? 1 : 0,
  );
}

/** Compiles the policy sources together; throws the engine's RegoError (file:line:col) on any error. */
export function compileSources(sources: readonly PolicySource[]): CompiledPolicy {
  const modules = [];
  for (const source of sources) {
    if (source.kind !== 'policy') continue;
    for (const [key, text] of Object.entries(source.files))
      modules.push({ path: modulePath(source, key), source: text });
  }
  return compile(modules, { regoVersion: 'auto' });
}

/** `data.<namespace>.<name>.<key>` for every data source (each already validated). */
export function mergeData(sources: readonly PolicySource[]): Record<string, unknown> {
  const root: Record<string, Record<string, unknown>> = {};
  for (const source of sources) {
    if (source.kind !== 'data') continue;
    root[source.namespace] ??= {};
    (root[source.namespace] as Record<string, unknown>)[source.name] = parseDataSource(source);
  }
  return root;
}

export function bundleHash(sources: readonly PolicySource[]): string {
  const text = sortSources(sources)
    .map((s) => `${sourceKey(s)}@${s.fingerprint}`)
    .join('\n');
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

export function buildBundle(
  sources: readonly PolicySource[],
  revision: number,
  policy: CompiledPolicy = compileSources(sources),
  loadedAt = new Date().toISOString(),
): Bundle {
  const sorted = sortSources(sources);
  return {
    revision,
    hash: bundleHash(sorted),
    policy,
    data: prepareData(mergeData(sorted)),
    sources: sorted,
    loadedAt,
  };
}
