/**
 * Guest path resolution inside a preopened directory. A guest names files
 * relative to a directory fd; the result must stay under that preopen's root:
 * absolute paths and `..` past the root are refused lexically, and symlinks are
 * followed only when their real target is still under the root (realpath check).
 * Guests cannot create symlinks (path_symlink is ENOTSUP), so a link that passes
 * the check cannot be swapped by the guest between check and use.
 */
import { lstatSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { Errno } from './constants.js';

/** A directory the guest holds an fd for: a preopen root or a directory under it. */
export interface DirHandle {
  /** Real (symlink-free) host path of the preopen root. */
  readonly root: string;
  /** Segments from the root to this directory. */
  readonly rel: readonly string[];
  readonly writable: boolean;
}

export interface Resolved {
  hostPath: string;
  rel: string[];
}

function inside(root: string, real: string): boolean {
  return real === root || real.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

function realOrUndefined(p: string): string | undefined {
  try {
    return realpathSync.native(p);
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT' || (err as { code?: string }).code === 'ENOTDIR') {
      return undefined;
    }
    throw err;
  }
}

/**
 * Resolves `guestPath` relative to `dir`. Returns an errno when the path is not
 * allowed: NOTCAPABLE for escapes, NOENT when a parent is missing.
 * @param followFinal follow a symlink in the last component (WASI `symlink_follow`).
 */
export function resolveGuestPath(dir: DirHandle, guestPath: string, followFinal: boolean): Resolved | number {
  if (guestPath.length === 0) return Errno.NOENT;
  if (guestPath.includes('\0')) return Errno.INVAL;
  if (guestPath.startsWith('/')) return Errno.NOTCAPABLE;
  const segs = [...dir.rel];
  for (const part of guestPath.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (segs.length === 0) return Errno.NOTCAPABLE;
      segs.pop();
      continue;
    }
    segs.push(part);
  }
  const hostPath = segs.length === 0 ? dir.root : path.join(dir.root, ...segs);
  if (segs.length === 0) return { hostPath, rel: segs };

  if (followFinal) {
    const real = realOrUndefined(hostPath);
    if (real !== undefined) {
      if (!inside(dir.root, real)) return Errno.NOTCAPABLE;
      return { hostPath: real, rel: path.relative(dir.root, real).split(path.sep).filter(Boolean) };
    }
  }
  // The final component is new, a dangling link or not to be followed: its parent
  // must resolve inside the root. A dangling link is refused when following, since
  // O_CREAT through it would create its (unchecked) target.
  if (followFinal && lstatSync(hostPath, { throwIfNoEntry: false })?.isSymbolicLink()) {
    return Errno.NOTCAPABLE;
  }
  const parent = realOrUndefined(path.dirname(hostPath));
  if (parent === undefined) return Errno.NOENT;
  if (!inside(dir.root, parent)) return Errno.NOTCAPABLE;
  const name = path.basename(hostPath);
  const realPath = path.join(parent, name);
  return { hostPath: realPath, rel: path.relative(dir.root, realPath).split(path.sep).filter(Boolean) };
}

/** Real path of a preopen root; throws when the host directory is missing. */
export function preopenRoot(hostPath: string): string {
  return realpathSync.native(hostPath);
}
