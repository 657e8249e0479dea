/**
 * Mounts without a mount namespace: each mount becomes a symlink inside the workload's
 * working directory, `<workDir>/<guestPath without leading slash>` → hostPath. A
 * workload that would read `/etc/config/app.yaml` in a container reads
 * `./etc/config/app.yaml` (or `$HOME/etc/config/app.yaml`) here. `readOnly` cannot be
 * enforced by a symlink; the host path's own permissions apply.
 */
import { lstatSync, mkdirSync, readlinkSync, statSync, symlinkSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { EdgewiseError } from '../../api/errors.js';
import type { WorkloadMount } from '../driver.js';
import { CONTROL_DIR } from './control.js';

/** Creates (or repairs) the symlink for every mount. Throws EW_INVALID for unusable mounts. */
export function materializeMounts(workDir: string, mounts: WorkloadMount[]): void {
  const relatives = mounts.map((m) => guestRelative(m.guestPath));
  for (const [i, a] of relatives.entries()) {
    for (const b of relatives.slice(i + 1)) {
      if (a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`)) {
        throw invalidMount(
          mounts[i] as WorkloadMount,
          `overlaps mount /${b}; nested mounts need a mount namespace`,
        );
      }
    }
  }
  for (const [i, mount] of mounts.entries()) {
    const rel = relatives[i] as string;
    const hostPath = path.resolve(mount.hostPath);
    try {
      statSync(hostPath);
    } catch (err) {
      throw invalidMount(
        mount,
        `host path ${hostPath} is not there (${(err as NodeJS.ErrnoException).code})`,
      );
    }
    const link = path.join(workDir, rel);
    makeParents(workDir, path.dirname(rel), mount);
    const existing = lstatOrUndefined(link);
    if (existing?.isSymbolicLink()) {
      if (readlinkSync(link) === hostPath) continue;
      unlinkSync(link);
    } else if (existing) {
      throw invalidMount(
        mount,
        `${link} already exists and is not a symlink; the driver will not replace it`,
      );
    }
    symlinkSync(hostPath, link);
  }
}

/** `/etc/config` → `etc/config`; rejects paths that would leave the working directory. */
export function guestRelative(guestPath: string): string {
  const normal = path.posix.normalize(`/${guestPath}`).replace(/^\/+/, '').replace(/\/+$/, '');
  const parts = normal.split('/');
  if (normal === '' || parts.includes('..') || parts[0] === CONTROL_DIR) {
    throw new EdgewiseError(
      'EW_INVALID',
      `mount path "${guestPath}" cannot be materialized under the working directory by the process driver`,
    );
  }
  return normal;
}

/**
 * Creates the directories above a mount's symlink one at a time, refusing to pass
 * through a symlink: a workload could have replaced `etc` with a link to `/`, and the
 * agent must not then write into the host's /etc.
 */
function makeParents(workDir: string, relDir: string, mount: WorkloadMount): void {
  if (relDir === '.' || relDir === '') return;
  let current = workDir;
  for (const part of relDir.split('/')) {
    current = path.join(current, part);
    const info = lstatOrUndefined(current);
    if (!info) mkdirSync(current);
    else if (!info.isDirectory()) {
      throw invalidMount(mount, `${current} is not a directory (a symlink or file is in the way)`);
    }
  }
}

function lstatOrUndefined(file: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function invalidMount(mount: WorkloadMount, why: string): EdgewiseError {
  return new EdgewiseError('EW_INVALID', `mount ${mount.guestPath}: ${why}`);
}
