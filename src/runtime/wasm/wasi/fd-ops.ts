/** The `fd_*` calls of WASI preview 1 over the FdTable. Each returns an errno. */
import {
  fdatasyncSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  futimesSync,
  readdirSync,
  readSync,
  statSync,
  writeSync,
} from 'node:fs';
import {
  Errno,
  FdFlags,
  FileType,
  READ_DIR_RIGHTS,
  READ_FILE_RIGHTS,
  Whence,
  WRITE_DIR_RIGHTS,
  WRITE_FILE_RIGHTS,
} from './constants.js';
import type { FdTable, FileEntry } from './fdtable.js';
import { type GuestMemory, utf8Encoder } from './memory.js';
import { timesFor, writeFdstat, writeFilestat } from './stat.js';

function fileOrErr(fds: FdTable, fd: number): FileEntry | number {
  const e = fds.get(fd);
  if (!e) return Errno.BADF;
  if (e.kind === 'dir') return Errno.ISDIR;
  if (e.kind !== 'file') return Errno.SPIPE;
  return e;
}

export function fdRead(
  fds: FdTable,
  m: GuestMemory,
  fd: number,
  iovs: number,
  n: number,
  out: number,
): number {
  const e = fds.get(fd);
  if (!e) return Errno.BADF;
  let total = 0;
  if (e.kind === 'stdin') {
    for (const iov of m.iovecs(iovs, n)) {
      const chunk = e.data.subarray(e.pos, e.pos + iov.length);
      iov.set(chunk);
      e.pos += chunk.length;
      total += chunk.length;
      if (chunk.length < iov.length) break;
    }
  } else if (e.kind === 'file') {
    if (!e.readable) return Errno.BADF;
    for (const iov of m.iovecs(iovs, n)) {
      const got = readSync(e.hostFd, iov, 0, iov.length, e.pos);
      e.pos += got;
      total += got;
      if (got < iov.length) break;
    }
  } else if (e.kind === 'dir') {
    return Errno.ISDIR;
  } else {
    return Errno.BADF;
  }
  m.setU32(out, total);
  return Errno.SUCCESS;
}

export function fdPread(
  fds: FdTable,
  m: GuestMemory,
  fd: number,
  iovs: number,
  n: number,
  offset: bigint,
  out: number,
): number {
  const e = fileOrErr(fds, fd);
  if (typeof e === 'number') return e;
  if (!e.readable) return Errno.BADF;
  let pos = Number(offset);
  let total = 0;
  for (const iov of m.iovecs(iovs, n)) {
    const got = readSync(e.hostFd, iov, 0, iov.length, pos);
    pos += got;
    total += got;
    if (got < iov.length) break;
  }
  m.setU32(out, total);
  return Errno.SUCCESS;
}

export function fdWrite(
  fds: FdTable,
  m: GuestMemory,
  fd: number,
  iovs: number,
  n: number,
  out: number,
): number {
  const e = fds.get(fd);
  if (!e) return Errno.BADF;
  let total = 0;
  if (e.kind === 'stdout' || e.kind === 'stderr') {
    for (const iov of m.iovecs(iovs, n)) {
      e.sink.write(iov);
      total += iov.length;
    }
  } else if (e.kind === 'file') {
    if (!e.writable) return e.mountWritable ? Errno.BADF : Errno.ROFS;
    for (const iov of m.iovecs(iovs, n)) {
      // O_APPEND makes the kernel write at the end whatever position we pass.
      const wrote = writeSync(e.hostFd, iov, 0, iov.length, e.append ? null : e.pos);
      total += wrote;
      e.pos = e.append ? Number(fstatSync(e.hostFd).size) : e.pos + wrote;
    }
  } else if (e.kind === 'dir') {
    return Errno.ISDIR;
  } else {
    return Errno.BADF;
  }
  m.setU32(out, total);
  return Errno.SUCCESS;
}

export function fdPwrite(
  fds: FdTable,
  m: GuestMemory,
  fd: number,
  iovs: number,
  n: number,
  offset: bigint,
  out: number,
): number {
  const e = fileOrErr(fds, fd);
  if (typeof e === 'number') return e;
  if (!e.writable) return e.mountWritable ? Errno.BADF : Errno.ROFS;
  let pos = Number(offset);
  let total = 0;
  for (const iov of m.iovecs(iovs, n)) {
    const wrote = writeSync(e.hostFd, iov, 0, iov.length, pos);
    pos += wrote;
    total += wrote;
  }
  m.setU32(out, total);
  return Errno.SUCCESS;
}

export function fdSeek(
  fds: FdTable,
  m: GuestMemory,
  fd: number,
  offset: bigint,
  whence: number,
  out: number,
): number {
  const e = fileOrErr(fds, fd);
  if (typeof e === 'number') return e;
  let base: number;
  if (whence === Whence.SET) base = 0;
  else if (whence === Whence.CUR) base = e.pos;
  else if (whence === Whence.END) base = fstatSync(e.hostFd).size;
  else return Errno.INVAL;
  const next = base + Number(offset);
  if (next < 0) return Errno.INVAL;
  e.pos = next;
  m.setU64(out, BigInt(next));
  return Errno.SUCCESS;
}

export function fdTell(fds: FdTable, m: GuestMemory, fd: number, out: number): number {
  const e = fileOrErr(fds, fd);
  if (typeof e === 'number') return e;
  m.setU64(out, BigInt(e.pos));
  return Errno.SUCCESS;
}

export function fdFdstatGet(fds: FdTable, m: GuestMemory, fd: number, out: number): number {
  const e = fds.get(fd);
  if (!e) return Errno.BADF;
  switch (e.kind) {
    case 'stdin':
      writeFdstat(m, out, FileType.CHARACTER_DEVICE, 0, READ_FILE_RIGHTS, 0n);
      break;
    case 'stdout':
    case 'stderr':
      writeFdstat(m, out, FileType.CHARACTER_DEVICE, FdFlags.APPEND, WRITE_FILE_RIGHTS, 0n);
      break;
    case 'dir': {
      const dirRights = e.dir.writable ? READ_DIR_RIGHTS | WRITE_DIR_RIGHTS : READ_DIR_RIGHTS;
      const inherit = e.dir.writable
        ? dirRights | READ_FILE_RIGHTS | WRITE_FILE_RIGHTS
        : dirRights | READ_FILE_RIGHTS;
      writeFdstat(m, out, FileType.DIRECTORY, 0, dirRights, inherit);
      break;
    }
    case 'file': {
      const rights = (e.readable ? READ_FILE_RIGHTS : 0n) | (e.writable ? WRITE_FILE_RIGHTS : 0n);
      writeFdstat(m, out, FileType.REGULAR_FILE, e.append ? FdFlags.APPEND : 0, rights, 0n);
      break;
    }
  }
  return Errno.SUCCESS;
}

export function fdFdstatSetFlags(fds: FdTable, fd: number, flags: number): number {
  const e = fds.get(fd);
  if (!e) return Errno.BADF;
  if (e.kind !== 'file') return Errno.NOTSUP;
  // Only APPEND can change after open; sync flags would need a reopen.
  if (flags & ~FdFlags.APPEND) return Errno.NOTSUP;
  e.append = (flags & FdFlags.APPEND) !== 0;
  return Errno.SUCCESS;
}

export function fdFilestatGet(fds: FdTable, m: GuestMemory, fd: number, out: number): number {
  const e = fds.get(fd);
  if (!e) return Errno.BADF;
  if (e.kind === 'file') writeFilestat(m, out, fstatSync(e.hostFd, { bigint: true }));
  else if (e.kind === 'dir') writeFilestat(m, out, statSync(e.hostPath, { bigint: true }));
  else writeFilestat(m, out, undefined, FileType.CHARACTER_DEVICE);
  return Errno.SUCCESS;
}

export function fdFilestatSetSize(fds: FdTable, fd: number, size: bigint): number {
  const e = fileOrErr(fds, fd);
  if (typeof e === 'number') return e;
  if (!e.writable) return e.mountWritable ? Errno.BADF : Errno.ROFS;
  ftruncateSync(e.hostFd, Number(size));
  return Errno.SUCCESS;
}

export function fdFilestatSetTimes(
  fds: FdTable,
  fd: number,
  atim: bigint,
  mtim: bigint,
  flags: number,
): number {
  const e = fileOrErr(fds, fd);
  if (typeof e === 'number') return e;
  if (!e.mountWritable) return Errno.ROFS;
  const t = timesFor(fstatSync(e.hostFd, { bigint: true }), atim, mtim, flags);
  futimesSync(e.hostFd, t.atime, t.mtime);
  return Errno.SUCCESS;
}

export function fdSync(fds: FdTable, fd: number, dataOnly: boolean): number {
  const e = fds.get(fd);
  if (!e) return Errno.BADF;
  if (e.kind === 'file') (dataOnly ? fdatasyncSync : fsyncSync)(e.hostFd);
  return Errno.SUCCESS;
}

export function fdAllocate(fds: FdTable, fd: number, offset: bigint, len: bigint): number {
  const e = fileOrErr(fds, fd);
  if (typeof e === 'number') return e;
  if (!e.writable) return e.mountWritable ? Errno.BADF : Errno.ROFS;
  const want = Number(offset + len);
  if (fstatSync(e.hostFd).size < want) ftruncateSync(e.hostFd, want);
  return Errno.SUCCESS;
}

export function fdPrestatGet(fds: FdTable, m: GuestMemory, fd: number, out: number): number {
  const e = fds.get(fd);
  if (e?.kind !== 'dir' || e.preopenName === undefined) return Errno.BADF;
  m.setU32(out, 0); // tag 0: directory
  m.setU32(out + 4, utf8Encoder.encode(e.preopenName).length);
  return Errno.SUCCESS;
}

export function fdPrestatDirName(fds: FdTable, m: GuestMemory, fd: number, ptr: number, len: number): number {
  const e = fds.get(fd);
  if (e?.kind !== 'dir' || e.preopenName === undefined) return Errno.BADF;
  const name = utf8Encoder.encode(e.preopenName);
  if (len < name.length) return Errno.NAMETOOLONG;
  m.slice(ptr, name.length).set(name);
  return Errno.SUCCESS;
}

/** dirent: d_next u64, d_ino u64, d_namlen u32, d_type u8 (24 bytes), then the name. */
export function fdReaddir(
  fds: FdTable,
  m: GuestMemory,
  fd: number,
  buf: number,
  len: number,
  cookie: bigint,
  out: number,
): number {
  const e = fds.get(fd);
  if (!e) return Errno.BADF;
  if (e.kind !== 'dir') return Errno.NOTDIR;
  const names: Array<{ name: string; type: number }> = [
    { name: '.', type: FileType.DIRECTORY },
    { name: '..', type: FileType.DIRECTORY },
  ];
  for (const d of readdirSync(e.hostPath, { withFileTypes: true })) {
    const type = d.isFile()
      ? FileType.REGULAR_FILE
      : d.isDirectory()
        ? FileType.DIRECTORY
        : d.isSymbolicLink()
          ? FileType.SYMBOLIC_LINK
          : FileType.UNKNOWN;
    names.push({ name: d.name, type });
  }
  const target = m.slice(buf, len);
  let used = 0;
  for (let i = Number(cookie); i < names.length && used < len; i++) {
    const entry = names[i] as { name: string; type: number };
    const name = utf8Encoder.encode(entry.name);
    const record = new Uint8Array(24 + name.length);
    const view = new DataView(record.buffer);
    view.setBigUint64(0, BigInt(i + 1), true);
    view.setBigUint64(8, 0n, true);
    view.setUint32(16, name.length, true);
    view.setUint8(20, entry.type);
    record.set(name, 24);
    // A record cut short by the buffer end tells libc to call again with a larger buffer.
    const take = Math.min(record.length, len - used);
    target.set(record.subarray(0, take), used);
    used += take;
  }
  m.setU32(out, used);
  return Errno.SUCCESS;
}

export function fdRenumber(fds: FdTable, from: number, to: number): number {
  const e = fds.get(from);
  if (!e || !fds.get(to)) return Errno.BADF;
  if (from === to) return Errno.SUCCESS;
  fds.delete(to);
  fds.set(to, e);
  // `to` now owns the host descriptor: forget `from` without closing it.
  fds.forget(from);
  return Errno.SUCCESS;
}

export function fdClose(fds: FdTable, fd: number): number {
  if (!fds.get(fd)) return Errno.BADF;
  fds.delete(fd);
  return Errno.SUCCESS;
}
