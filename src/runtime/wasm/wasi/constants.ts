/**
 * WASI preview 1 numbers (errno, file types, flags, rights) as the
 * `wasi_snapshot_preview1` witx defines them. Guests compare against these exact
 * values, so they are spelled out rather than derived.
 */

export const Errno = {
  SUCCESS: 0,
  TOOBIG: 1,
  ACCES: 2,
  AGAIN: 6,
  BADF: 8,
  BUSY: 10,
  EXIST: 20,
  FAULT: 21,
  FBIG: 22,
  ILSEQ: 25,
  INVAL: 28,
  IO: 29,
  ISDIR: 31,
  LOOP: 32,
  MFILE: 33,
  NAMETOOLONG: 37,
  NOENT: 44,
  NOMEM: 48,
  NOSPC: 51,
  NOSYS: 52,
  NOTDIR: 54,
  NOTEMPTY: 55,
  NOTSUP: 58,
  OVERFLOW: 61,
  PERM: 63,
  ROFS: 69,
  SPIPE: 70,
  XDEV: 75,
  NOTCAPABLE: 76,
} as const;

export const FileType = {
  UNKNOWN: 0,
  CHARACTER_DEVICE: 2,
  DIRECTORY: 3,
  REGULAR_FILE: 4,
  SYMBOLIC_LINK: 7,
} as const;

export const FdFlags = { APPEND: 1, DSYNC: 2, NONBLOCK: 4, RSYNC: 8, SYNC: 16 } as const;
export const OFlags = { CREAT: 1, DIRECTORY: 2, EXCL: 4, TRUNC: 8 } as const;
export const LookupFlags = { SYMLINK_FOLLOW: 1 } as const;
export const FstFlags = { ATIM: 1, ATIM_NOW: 2, MTIM: 4, MTIM_NOW: 8 } as const;
export const Whence = { SET: 0, CUR: 1, END: 2 } as const;
export const ClockId = { REALTIME: 0, MONOTONIC: 1, PROCESS_CPUTIME: 2, THREAD_CPUTIME: 3 } as const;
export const EventType = { CLOCK: 0, FD_READ: 1, FD_WRITE: 2 } as const;

/** Rights bits (witx `rights`), used for fdstat and to refuse writes on read-only preopens. */
export const Rights = {
  FD_DATASYNC: 1n << 0n,
  FD_READ: 1n << 1n,
  FD_SEEK: 1n << 2n,
  FD_FDSTAT_SET_FLAGS: 1n << 3n,
  FD_SYNC: 1n << 4n,
  FD_TELL: 1n << 5n,
  FD_WRITE: 1n << 6n,
  FD_ADVISE: 1n << 7n,
  FD_ALLOCATE: 1n << 8n,
  PATH_CREATE_DIRECTORY: 1n << 9n,
  PATH_CREATE_FILE: 1n << 10n,
  PATH_OPEN: 1n << 13n,
  FD_READDIR: 1n << 14n,
  PATH_FILESTAT_GET: 1n << 18n,
  PATH_FILESTAT_SET_SIZE: 1n << 19n,
  PATH_FILESTAT_SET_TIMES: 1n << 20n,
  FD_FILESTAT_GET: 1n << 21n,
  FD_FILESTAT_SET_SIZE: 1n << 22n,
  FD_FILESTAT_SET_TIMES: 1n << 23n,
  PATH_REMOVE_DIRECTORY: 1n << 25n,
  PATH_UNLINK_FILE: 1n << 26n,
  POLL_FD_READWRITE: 1n << 27n,
} as const;

const R = Rights;
export const READ_FILE_RIGHTS =
  R.FD_READ | R.FD_SEEK | R.FD_TELL | R.FD_ADVISE | R.FD_FILESTAT_GET | R.POLL_FD_READWRITE;
export const WRITE_FILE_RIGHTS =
  R.FD_DATASYNC |
  R.FD_WRITE |
  R.FD_SYNC |
  R.FD_ALLOCATE |
  R.FD_FDSTAT_SET_FLAGS |
  R.FD_FILESTAT_SET_SIZE |
  R.FD_FILESTAT_SET_TIMES;
export const READ_DIR_RIGHTS = R.PATH_OPEN | R.FD_READDIR | R.PATH_FILESTAT_GET | R.FD_FILESTAT_GET;
export const WRITE_DIR_RIGHTS =
  R.PATH_CREATE_DIRECTORY |
  R.PATH_CREATE_FILE |
  R.PATH_FILESTAT_SET_SIZE |
  R.PATH_FILESTAT_SET_TIMES |
  R.PATH_REMOVE_DIRECTORY |
  R.PATH_UNLINK_FILE;

/** Maps a Node.js system error code to the WASI errno a guest expects. */
export function errnoFromNode(err: unknown): number {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  switch (code) {
    case 'ENOENT':
      return Errno.NOENT;
    case 'EEXIST':
      return Errno.EXIST;
    case 'ENOTDIR':
      return Errno.NOTDIR;
    case 'EISDIR':
      return Errno.ISDIR;
    case 'ENOTEMPTY':
      return Errno.NOTEMPTY;
    case 'EACCES':
      return Errno.ACCES;
    case 'EPERM':
      return Errno.PERM;
    case 'ELOOP':
      return Errno.LOOP;
    case 'EBADF':
      return Errno.BADF;
    case 'EINVAL':
      return Errno.INVAL;
    case 'ENOSPC':
      return Errno.NOSPC;
    case 'EROFS':
      return Errno.ROFS;
    case 'ENAMETOOLONG':
      return Errno.NAMETOOLONG;
    case 'EMFILE':
    case 'ENFILE':
      return Errno.MFILE;
    case 'EXDEV':
      return Errno.XDEV;
    case 'EBUSY':
      return Errno.BUSY;
    case 'EFBIG':
      return Errno.FBIG;
    default:
      return Errno.IO;
  }
}
