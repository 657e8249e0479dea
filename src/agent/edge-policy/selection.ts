/**
 * Which version of each source goes in force. A ConfigMap's new version replaces the
 * one in force only if it is valid and the bundle still compiles with it; otherwise
 * the previous good version of that ConfigMap stays (or, for a new one, nothing) and
 * the error is reported. This is OPA's behaviour under kube-mgmt — a rejected PUT
 * leaves the old policy in place — per ConfigMap rather than per key, so a
 * ConfigMap's files go in force together or not at all.
 */
import { type CompiledPolicy, RegoError } from '../../policy/rego/index.js';
import { compileSources, sortSources } from './bundle.js';
import { type PolicySource, parseDataSource, sourceKey } from './sources.js';

export interface Selection {
  inForce: PolicySource[];
  policy: CompiledPolicy;
  /** Sources whose held version was not put in force (key → why: file:line:col for Rego). */
  rejected: Map<string, string>;
}

function tryCompile(sources: Iterable<PolicySource>): CompiledPolicy | RegoError {
  try {
    return compileSources(sortSources(sources));
  } catch (err) {
    if (RegoError.isRegoError(err)) return err;
    throw err;
  }
}

/**
 * @param previous the sources in force until now (each compiled before)
 * @param held the sources the node holds now
 */
export function selectSources(previous: readonly PolicySource[], held: readonly PolicySource[]): Selection {
  const before = new Map(previous.map((s) => [sourceKey(s), s]));
  const rejected = new Map<string, string>();
  const wanted = new Map<string, PolicySource>();
  const fallback = new Map<string, PolicySource>();
  for (const source of sortSources(held)) {
    const key = sourceKey(source);
    const old = before.get(key);
    if (old) fallback.set(key, old);
    if (source.kind === 'data') {
      try {
        parseDataSource(source);
      } catch (err) {
        rejected.set(key, (err as Error).message);
        continue;
      }
    }
    wanted.set(key, source);
  }
  const keys = sortSources(held).map(sourceKey);
  const choose = (key: string) => wanted.get(key) ?? fallback.get(key);

  // The common case: every held version at once.
  const all = keys.map(choose).filter((s): s is PolicySource => s !== undefined);
  const compiled = tryCompile(all);
  if (!RegoError.isRegoError(compiled)) return { inForce: all, policy: compiled, rejected };

  // Something does not compile: start from what was in force (data can always change),
  // then try each changed policy on its own, in order.
  let base = new Map<string, PolicySource>();
  for (const key of keys) {
    const w = wanted.get(key);
    const chosen = w?.kind === 'data' ? w : fallback.get(key);
    if (chosen) base.set(key, chosen);
  }
  let policy = tryCompile(base.values());
  if (RegoError.isRegoError(policy)) {
    // What was in force no longer compiles (an engine upgrade can do that): start from data only.
    base = new Map([...base].filter(([, s]) => s.kind === 'data'));
    policy = tryCompile(base.values());
    if (RegoError.isRegoError(policy)) throw policy;
  }
  for (const key of keys) {
    const w = wanted.get(key);
    if (w?.kind !== 'policy' || base.get(key)?.fingerprint === w.fingerprint) continue;
    const trial = new Map(base).set(key, w);
    const result = tryCompile(trial.values());
    if (RegoError.isRegoError(result)) {
      rejected.set(key, result.message);
      continue;
    }
    base = trial;
    policy = result;
  }
  return { inForce: sortSources(base.values()), policy, rejected };
}
