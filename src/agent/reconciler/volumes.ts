/**
 * Volumes on the node: ConfigMap and Secret volumes become files under the pod's
 * directory (rewritten atomically when the object changes), emptyDir a directory,
 * hostPath the host's path. Each container's volumeMounts become WorkloadMounts.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Container, Volume } from '../../api/kinds/pod-spec.js';
import type { KubeObject } from '../../api/object.js';
import type { WorkloadMount } from '../../runtime/driver.js';
import { ConfigError, dataOf, type ObjectLookup } from './env.js';

function safeRelative(p: string): string {
  const normal = path.posix.normalize(p);
  if (normal.startsWith('..') || path.posix.isAbsolute(normal))
    throw new ConfigError(`volume item path "${p}" escapes the volume`, 'ContainerCreating');
  return normal;
}

function writeAtomic(file: string, content: string, mode: number): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, file);
}

/** Lists regular files under dir, relative to it. */
function listFiles(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

/**
 * Brings the volume directory to exactly `files`, touching only what changed, so a
 * running workload never sees its configuration vanish mid-update.
 */
function materializeData(
  dir: string,
  data: Record<string, string>,
  items: { key: string; path: string; mode?: number }[] | undefined,
  mode: number,
  source: string,
): void {
  const files = new Map<string, { content: string; mode: number }>();
  if (items && items.length > 0) {
    for (const item of items) {
      const value = data[item.key];
      if (value === undefined)
        throw new ConfigError(`couldn't find key ${item.key} in ${source}`, 'ContainerCreating');
      files.set(safeRelative(item.path), { content: value, mode: item.mode ?? mode });
    }
  } else {
    for (const [key, value] of Object.entries(data)) files.set(safeRelative(key), { content: value, mode });
  }
  mkdirSync(dir, { recursive: true });
  for (const existing of listFiles(dir)) {
    if (!files.has(existing)) rmSync(path.join(dir, existing), { force: true });
  }
  for (const [rel, file] of files) {
    const target = path.join(dir, rel);
    if (existsSync(target) && readFileSync(target, 'utf8') === file.content) continue;
    writeAtomic(target, file.content, file.mode);
  }
}

/** Prepares every volume of a pod; returns volume name → host directory. */
export function prepareVolumes(pod: KubeObject, podDir: string, lookup: ObjectLookup): Map<string, string> {
  const ns = pod.metadata.namespace ?? 'default';
  const volumes = ((pod.spec as { volumes?: Volume[] }).volumes ?? []) as Volume[];
  const out = new Map<string, string>();
  for (const v of volumes) {
    const dir = path.join(podDir, 'volumes', v.name);
    if (v.configMap) {
      const name = v.configMap.name ?? '';
      const cm = lookup.configMap(ns, name);
      if (!cm) {
        if (!v.configMap.optional)
          throw new ConfigError(
            `MountVolume.SetUp failed for volume "${v.name}": configmap "${name}" not found`,
            'ContainerCreating',
          );
        mkdirSync(dir, { recursive: true });
      } else
        materializeData(
          dir,
          dataOf(cm, false),
          v.configMap.items,
          v.configMap.defaultMode ?? 0o644,
          `ConfigMap ${ns}/${name}`,
        );
    } else if (v.secret) {
      const name = v.secret.secretName ?? '';
      const secret = lookup.secret(ns, name);
      if (!secret) {
        if (!v.secret.optional)
          throw new ConfigError(
            `MountVolume.SetUp failed for volume "${v.name}": secret "${name}" not found`,
            'ContainerCreating',
          );
        mkdirSync(dir, { recursive: true });
      } else
        materializeData(
          dir,
          dataOf(secret, true),
          v.secret.items,
          v.secret.defaultMode ?? 0o600,
          `Secret ${ns}/${name}`,
        );
    } else if (v.hostPath) {
      out.set(v.name, v.hostPath.path);
      continue;
    } else {
      // emptyDir and anything else: a scratch directory that lives as long as the pod.
      mkdirSync(dir, { recursive: true });
    }
    out.set(v.name, dir);
  }
  return out;
}

export function containerMounts(container: Container, volumes: Map<string, string>): WorkloadMount[] {
  return (container.volumeMounts ?? []).map((m) => {
    const base = volumes.get(m.name);
    if (!base) throw new ConfigError(`volume "${m.name}" is not defined by the pod`, 'ContainerCreating');
    return {
      hostPath: m.subPath ? path.join(base, safeRelative(m.subPath)) : base,
      guestPath: m.mountPath,
      readOnly: m.readOnly === true,
    };
  });
}
