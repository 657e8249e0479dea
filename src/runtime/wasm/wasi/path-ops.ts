/** The `path_*` calls of WASI preview 1: every path goes through resolveGuestPath. */
import {
  closeSync,
  constants,
  lstatSync,
  mkdirSync,
  openSync,
  readlinkSync,
  renameSync,
  rmdirSync,
  statSync,
  unlinkSync,
  utimesSync,
} from 'node:fs';
import { Errno, FdFlags, LookupFlags, OFlags, Rights } from './constants.js';
import type { DirEntry, FdTable } from './fdtable.js';
import { type GuestMemory, utf8Encoder } from './memory.js';
import { type Resolved, resolveGuestPath } from './paths.js';
import { timesFor, writeFilestat } from './stat.js';

const WRITE_RIGHTS = Rights.FD_WRITE | Rights.FD_ALLOCATE | Rights.FD_FILESTAT_SET_SIZE;

function dirOf(fds: FdTable, fd: number): DirEntry | number {
  const e = fds.get(fd);
  if (!e) return Errno.BADF;
  if (e.kind !== 'dir') return Errno.NOTDIR;
  return e;
}

function resolveAt(
  fds: FdTable,
  m: GuestMemory,
  fd: number,
  ptr: number,
  len: number,
  follow: boolean,
): { dir: DirEntry; target: Resolved } | number {
  const dir = dirOf(fds, fd);
  if (typeof dir === 'number') return dir;
  const target = resolveGuestPath(dir.dir, m.string(ptr, len), follow);
  if (typeof target === 'number') return target;
  return { dir, target };
}

export function pathOpen(
  fds: FdTable,
  m: GuestMemory,
  dirfd: number,
  lookup: number,
  ptr: number,
  len: number,
  oflags: number,
  rightsBase: bigint,
  _rightsInheriting: bigint,
  fdflags: number,
  out: number,
): number {
  const follow = (lookup & LookupFlags.SYMLINK_FOLLOW) !== 0;
  const r = resolveAt(fds, m, dirfd, ptr, len, follow);
  if (typeof r === 'number') return r;
  const { dir, target } = r;
  const mountWritable = dir.dir.writable;
  const creates = (oflags & (OFlags.CREAT | OFlags.TRUNC)) !== 0 || (fdflags & FdFlags.APPEND) !== 0;
  if (creates && !mountWritable) return Errno.ROFS;

  const existing = (follow ? statSync : lstatSync)(target.hostPath, { throwIfNoEntry: false });
  if (existing?.isDirectory() || oflags & OFlags.DIRECTORY) {
    if (!existing) return Errno.NOENT;
    if (!existing.isDirectory()) return Errno.NOTDIR;
    if (oflags & OFlags.EXCL) return Errno.EXIST;
    const fd = fds.add({
      kind: 'dir',
      dir: { root: dir.dir.root, rel: target.rel, writable: mountWritable },
      hostPath: target.hostPath,
    });
    if (fd === undefined) return Errno.MFILE;
    m.setU32(out, fd);
    return Errno.SUCCESS;
  }

  // Toolchains that ask for every right (~0) on a plain read still get a
  // read-only descriptor on a read-only mount; the write itself then fails.
  const wantsWrite = (rightsBase & WRITE_RIGHTS) !== 0n || creates;
  const writable = wantsWrite && mountWritable;
  const readable = (rightsBase & Rights.FD_READ) !== 0n || !writable;
  let flags = writable ? (readable ? constants.O_RDWR : constants.O_WRONLY) : constants.O_RDONLY;
  if (oflags & OFlags.CREAT) flags |= constants.O_CREAT;
  if (oflags & OFlags.EXCL) flags |= constants.O_EXCL;
  if (oflags & OFlags.TRUNC) flags |= constants.O_TRUNC;
  if (fdflags & FdFlags.APPEND && writable) flags |= constants.O_APPEND;
  if (!follow) flags |= constants.O_NOFOLLOW;
  const hostFd = openSync(target.hostPath, flags, 0o644);
  const fd = fds.add({
    kind: 'file',
    hostFd,
    hostPath: target.hostPath,
    pos: 0,
    readable,
    writable,
    append: (fdflags & FdFlags.APPEND) !== 0 && writable,
    mountWritable,
  });
  if (fd === undefined) {
    closeSync(hostFd);
    return Errno.MFILE;
  }
  m.setU32(out, fd);
  return Errno.SUCCESS;
}

export function pathFilestatGet(
  fds: FdTable,
  m: GuestMemory,
  fd: number,
  lookup: number,
  ptr: number,
  len: number,
  out: number,
): number {
  const follow = (lookup & LookupFlags.SYMLINK_FOLLOW) !== 0;
  const r = resolveAt(fds, m, fd, ptr, len, follow);
  if (typeof r === 'number') return r;
  const stats = (follow ? statSync : lstatSync)(r.target.hostPath, { bigint: true, throwIfNoEntry: false });
  if (!stats) return Errno.NOENT;
  writeFilestat(m, out, stats);
  return Errno.SUCCESS;
}

export function pathFilestatSetTimes(
  fds: FdTable,
  m: GuestMemory,
  fd: number,
  lookup: number,
  ptr: number,
  len: number,
  atim: bigint,
  mtim: bigint,
  flags: number,
): number {
  const r = resolveAt(fds, m, fd, ptr, len, (lookup & LookupFlags.SYMLINK_FOLLOW) !== 0);
  if (typeof r === 'number') return r;
  if (!r.dir.dir.writable) return Errno.ROFS;
  const t = timesFor(statSync(r.target.hostPath, { bigint: true }), atim, mtim, flags);
  utimesSync(r.target.hostPath, t.atime, t.mtime);
  return Errno.SUCCESS;
}

export function pathCreateDirectory(
  fds: FdTable,
  m: GuestMemory,
  fd: number,
  ptr: number,
  len: number,
): number {
  const r = resolveAt(fds, m, fd, ptr, len, false);
  if (typeof r === 'number') return r;
  if (!r.dir.dir.writable) return Errno.ROFS;
  mkdirSync(r.target.hostPath);
  return Errno.SUCCESS;
}

export function pathRemoveDirectory(
  fds: FdTable,
  m: GuestMemory,
  fd: number,
  ptr: number,
  len: number,
): number {
  const r = resolveAt(fds, m, fd, ptr, len, false);
  if (typeof r === 'number') return r;
  if (!r.dir.dir.writable) return Errno.ROFS;
  if (r.target.rel.length === 0) return Errno.BUSY; // the preopen root itself
  rmdirSync(r.target.hostPath);
  return Errno.SUCCESS;
}

export function pathUnlinkFile(fds: FdTable, m: GuestMemory, fd: number, ptr: number, len: number): number {
  const r = resolveAt(fds, m, fd, ptr, len, false);
  if (typeof r === 'number') return r;
  if (!r.dir.dir.writable) return Errno.ROFS;
  const stats = lstatSync(r.target.hostPath, { throwIfNoEntry: false });
  if (!stats) return Errno.NOENT;
  if (stats.isDirectory()) return Errno.ISDIR;
  unlinkSync(r.target.hostPath);
  return Errno.SUCCESS;
}

export function pathRename(
  fds: FdTable,
  m: GuestMemory,
  fd: number,
  ptr: number,
  len: number,
  newFd: number,
  newPtr: number,
  newLen: number,
): number {
  const from = resolveAt(fds, m, fd, ptr, len, false);
  if (typeof from === 'number') return from;
  const to = resolveAt(fds, m, newFd, newPtr, newLen, false);
  if (typeof to === 'number') return to;
  if (!from.dir.dir.writable || !to.dir.dir.writable) return Errno.ROFS;
  // Renaming across preopens could move a file between mounts with different rights.
  if (from.dir.dir.root !== to.dir.dir.root) return Errno.XDEV;
  renameSync(from.target.hostPath, to.target.hostPath);
  return Errno.SUCCESS;
}

export function pathReadlink(
  fds: FdTable,
  m: GuestMemory,
  fd: number,
  ptr: number,
  len: number,
  buf: number,
  bufLen: number,
  out: number,
): number {
  const r = resolveAt(fds, m, fd, ptr, len, false);
  if (typeof r === 'number') return r;
  const link = utf8Encoder.encode(readlinkSync(r.target.hostPath));
  const n = Math.min(link.length, bufLen);
  m.slice(buf, n).set(link.subarray(0, n));
  m.setU32(out, n);
  return Errno.SUCCESS;
}
