/** The guest's file descriptor table: stdio, preopened directories, opened files. */
import { closeSync } from 'node:fs';
import type { DirHandle } from './paths.js';
import type { OutputSink } from './sink.js';

export interface StdinEntry {
  kind: 'stdin';
  data: Uint8Array;
  pos: number;
}

export interface StdoutEntry {
  kind: 'stdout' | 'stderr';
  sink: OutputSink;
}

export interface DirEntry {
  kind: 'dir';
  dir: DirHandle;
  hostPath: string;
  /** Set for preopens: the name the guest sees in fd_prestat_dir_name. */
  preopenName?: string;
}

export interface FileEntry {
  kind: 'file';
  hostFd: number;
  hostPath: string;
  pos: number;
  readable: boolean;
  writable: boolean;
  append: boolean;
  /** False when the file lives in a read-only preopen: writes give EROFS, not EBADF. */
  mountWritable: boolean;
}

export type FdEntry = StdinEntry | StdoutEntry | DirEntry | FileEntry;

/** Upper bound on descriptors a single instance may hold open at once. */
export const MAX_OPEN_FDS = 256;

export class FdTable {
  private readonly entries = new Map<number, FdEntry>();
  /** Host files possibly open: most runs open none, and closing nothing can skip the walk. */
  private files = 0;

  get(fd: number): FdEntry | undefined {
    return this.entries.get(fd);
  }

  set(fd: number, entry: FdEntry): void {
    if (entry.kind === 'file') this.files++;
    this.entries.set(fd, entry);
  }

  /** Allocates the lowest free descriptor, or undefined when the table is full. */
  add(entry: FdEntry): number | undefined {
    if (this.entries.size >= MAX_OPEN_FDS) return undefined;
    let fd = 3;
    while (this.entries.has(fd)) fd++;
    this.set(fd, entry);
    return fd;
  }

  delete(fd: number): void {
    const entry = this.entries.get(fd);
    this.entries.delete(fd);
    if (entry?.kind === 'file') closeSync(entry.hostFd);
  }

  /** Removes a descriptor without closing its host file (after fd_renumber). */
  forget(fd: number): void {
    this.entries.delete(fd);
  }

  /** Closes every host descriptor; the instance is finished. */
  closeAll(): void {
    if (this.files === 0) {
      this.entries.clear();
      return;
    }
    this.files = 0;
    for (const [fd, entry] of this.entries) {
      this.entries.delete(fd);
      if (entry.kind === 'file') {
        try {
          closeSync(entry.hostFd);
        } catch {
          // Already closed by the kernel (EBADF) — nothing left to release.
        }
      }
    }
  }
}
