/**
 * Policy and data sources as the agent sees them: the ConfigMaps it holds that follow
 * kube-mgmt's convention, each reduced to what the bundle needs — its files and a
 * fingerprint of its labels and data.
 */
import { edgePolicyFingerprint, edgePolicyKind } from '../../api/link-protocol.js';
import type { KubeObject } from '../../api/object.js';

export interface PolicySource {
  namespace: string;
  name: string;
  uid: string;
  kind: 'policy' | 'data';
  fingerprint: string;
  resourceVersion: string;
  /** The ConfigMap's data: key → Rego module (policy) or JSON document (data). */
  files: Record<string, string>;
}

export function sourceKey(source: { namespace: string; name: string }): string {
  return `${source.namespace}/${source.name}`;
}

/** The source a ConfigMap carries, or undefined when it follows neither convention. */
export function sourceOf(object: KubeObject): PolicySource | undefined {
  const kind = edgePolicyKind(object.metadata.labels);
  if (!kind) return undefined;
  const data = (object.data ?? {}) as Record<string, unknown>;
  const files: Record<string, string> = {};
  for (const key of Object.keys(data).sort()) {
    const value = data[key];
    if (typeof value === 'string') files[key] = value;
  }
  return {
    namespace: object.metadata.namespace ?? 'default',
    name: object.metadata.name ?? '',
    uid: object.metadata.uid ?? '',
    kind,
    fingerprint: edgePolicyFingerprint(object),
    resourceVersion: object.metadata.resourceVersion ?? '',
    files,
  };
}

/**
 * Module path of a policy file: kube-mgmt's policy id `<namespace>/<name>/<key>`, which is
 * also what errors' file:line:col and `GET /v1/policies` show.
 */
export function modulePath(source: PolicySource, key: string): string {
  return `${source.namespace}/${source.name}/${key}`;
}

/**
 * A data source's documents, as kube-mgmt loads them: each key must hold a JSON object,
 * placed at `data.<namespace>.<name>.<key>`. Throws an Error naming the key otherwise.
 */
export function parseDataSource(source: PolicySource): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, text] of Object.entries(source.files)) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new Error(`${modulePath(source, key)}: invalid JSON: ${(err as Error).message}`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      throw new Error(`${modulePath(source, key)}: must hold a JSON object, not ${describe(value)}`);
    out[key] = value;
  }
  return out;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
