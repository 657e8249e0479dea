/**
 * Resolves a container's environment as the kubelet does: literal values,
 * ConfigMap/Secret keys, envFrom, the downward API, and `$(VAR)` references to
 * earlier variables. A missing non-optional reference stops the container from
 * starting with Kubernetes' reason and wording; it starts once the object arrives.
 */
import type { Container } from '../../api/kinds/pod-spec.js';
import type { KubeObject } from '../../api/object.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
  /** The container's waiting reason while the problem lasts. */
  readonly reason: string;

  constructor(message: string, reason = 'CreateContainerConfigError') {
    super(message);
    this.reason = reason;
  }
}

export interface ObjectLookup {
  configMap(namespace: string, name: string): KubeObject | undefined;
  secret(namespace: string, name: string): KubeObject | undefined;
}

export interface PodContext {
  pod: KubeObject;
  nodeName: string;
  hostIP: string;
}

/** A ConfigMap's or Secret's data as text (Secret values decoded from base64). */
export function dataOf(object: KubeObject, secret: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((object.data as Record<string, string> | undefined) ?? {})) {
    out[k] = secret ? Buffer.from(v, 'base64').toString('utf8') : v;
  }
  if (!secret) {
    for (const [k, v] of Object.entries((object.binaryData as Record<string, string> | undefined) ?? {}))
      out[k] = Buffer.from(v, 'base64').toString('utf8');
  }
  return out;
}

function fieldRef(ctx: PodContext, path: string): string {
  const meta = ctx.pod.metadata;
  const label = /^metadata\.labels\['(.+)'\]$/.exec(path);
  if (label) return meta.labels?.[label[1] as string] ?? '';
  const annotation = /^metadata\.annotations\['(.+)'\]$/.exec(path);
  if (annotation) return meta.annotations?.[annotation[1] as string] ?? '';
  switch (path) {
    case 'metadata.name':
      return meta.name ?? '';
    case 'metadata.namespace':
      return meta.namespace ?? '';
    case 'metadata.uid':
      return meta.uid ?? '';
    case 'spec.nodeName':
      return ctx.nodeName;
    case 'status.hostIP':
    case 'status.podIP':
      return ctx.hostIP;
    default:
      throw new ConfigError(`unsupported fieldRef path "${path}"`);
  }
}

/** Expands `$(NAME)` with earlier variables; `$$(NAME)` escapes; unknown names stay as written. */
export function expandReferences(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) => {
    if (match === '$$') return '$';
    return name !== undefined && Object.hasOwn(vars, name) ? (vars[name] as string) : match;
  });
}

export function resolveEnv(
  container: Container,
  ctx: PodContext,
  lookup: ObjectLookup,
): Record<string, string> {
  const ns = ctx.pod.metadata.namespace ?? 'default';
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.configMapRef?.name) {
      const cm = lookup.configMap(ns, from.configMapRef.name);
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw new ConfigError(`configmap "${from.configMapRef.name}" not found`);
      }
      for (const [k, v] of Object.entries(dataOf(cm, false))) env[prefix + k] = v;
    }
    if (from.secretRef?.name) {
      const secret = lookup.secret(ns, from.secretRef.name);
      if (!secret) {
        if (from.secretRef.optional) continue;
        throw new ConfigError(`secret "${from.secretRef.name}" not found`);
      }
      for (const [k, v] of Object.entries(dataOf(secret, true))) env[prefix + k] = v;
    }
  }
  for (const e of container.env ?? []) {
    if (e.value !== undefined || !e.valueFrom) {
      env[e.name] = expandReferences(e.value ?? '', env);
      continue;
    }
    const cmRef = e.valueFrom.configMapKeyRef;
    const secretRef = e.valueFrom.secretKeyRef;
    if (cmRef) {
      const cm = lookup.configMap(ns, cmRef.name ?? '');
      if (!cm) {
        if (cmRef.optional) continue;
        throw new ConfigError(`configmap "${cmRef.name ?? ''}" not found`);
      }
      const value = dataOf(cm, false)[cmRef.key];
      if (value === undefined) {
        if (cmRef.optional) continue;
        throw new ConfigError(`couldn't find key ${cmRef.key} in ConfigMap ${ns}/${cmRef.name ?? ''}`);
      }
      env[e.name] = value;
    } else if (secretRef) {
      const secret = lookup.secret(ns, secretRef.name ?? '');
      if (!secret) {
        if (secretRef.optional) continue;
        throw new ConfigError(`secret "${secretRef.name ?? ''}" not found`);
      }
      const value = dataOf(secret, true)[secretRef.key];
      if (value === undefined) {
        if (secretRef.optional) continue;
        throw new ConfigError(`couldn't find key ${secretRef.key} in Secret ${ns}/${secretRef.name ?? ''}`);
      }
      env[e.name] = value;
    } else if (e.valueFrom.fieldRef) {
      env[e.name] = fieldRef(ctx, e.valueFrom.fieldRef.fieldPath);
    } else if (e.valueFrom.resourceFieldRef) {
      const limits = container.resources?.limits ?? {};
      env[e.name] = String(limits[e.valueFrom.resourceFieldRef.resource.replace(/^limits\./, '')] ?? '');
    }
  }
  return env;
}
