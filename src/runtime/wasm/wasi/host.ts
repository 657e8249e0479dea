/**
 * A WASI preview 1 host for one guest instance, entirely in memory: stdin is a
 * byte array, stdout/stderr are bounded sinks, args/env are given, and files exist
 * only through preopened host directories. Node's `node:wasi` needs real file
 * descriptors for stdio, which would mean pipes or temp files per request; this
 * host needs none (see docs/wasm.md for the measurements behind the choice).
 */
import { randomFillSync } from 'node:crypto';
import { isMemory, type WasmInstance, type WasmMemory } from '../wa.js';
import { ClockId, Errno, EventType, errnoFromNode } from './constants.js';
import * as fd from './fd-ops.js';
import { FdTable } from './fdtable.js';
import { CStrings, GuestFault, GuestMemory } from './memory.js';
import * as pathOps from './path-ops.js';
import { OutputLimitExceeded, type OutputSink } from './sink.js';

/** A host directory visible to the guest under `guestPath`. */
export interface Preopen {
  guestPath: string;
  /** Real (symlink-free) host path; resolve it once with `preopenRoot()`. */
  hostPath: string;
  writable: boolean;
}

export interface WasiOptions {
  /** The strings, or the bytes of NUL-terminated strings back to back. */
  args: readonly string[] | Uint8Array;
  /** `KEY=value` strings in the order the guest will see them, or their NUL-terminated bytes. */
  env: readonly string[] | Uint8Array;
  stdin?: Uint8Array;
  stdout: OutputSink;
  stderr: OutputSink;
  preopens?: readonly Preopen[];
}

/** Thrown by proc_exit to unwind the guest's stack; carries the exit code. */
export class ProcExit {
  constructor(readonly code: number) {}
}

type HostFn = (...args: never[]) => number | undefined;

const NO_BYTES = new Uint8Array(0);

function cstrings(value: readonly string[] | Uint8Array): CStrings {
  return value instanceof Uint8Array ? new CStrings(value) : CStrings.from(value);
}

/**
 * One host serves many instances in turn: `reset()` re-arms it for the next one.
 * Its import functions are built once and read the current request's state, which
 * saves creating some forty closures per request; the guest side (instance, memory,
 * globals) is still new for every request.
 */
export class WasiHost {
  readonly fds = new FdTable();
  readonly imports: { wasi_snapshot_preview1: Record<string, HostFn> };
  private memory: WasmMemory | undefined;
  private cached: GuestMemory | undefined;
  private argv!: CStrings;
  private environ!: CStrings;

  constructor(options: WasiOptions) {
    this.imports = { wasi_snapshot_preview1: this.functions() };
    this.reset(options);
  }

  /** Forgets the previous instance (closing its descriptors) and takes the next one's inputs. */
  reset(options: WasiOptions): void {
    this.fds.closeAll();
    // `cached` stays: mem() checks it against the next instance's memory, which is
    // often the same (recycled) WebAssembly.Memory with the same buffer.
    this.memory = undefined;
    this.argv = cstrings(options.args);
    this.environ = cstrings(options.env);
    this.fds.set(0, { kind: 'stdin', data: options.stdin ?? NO_BYTES, pos: 0 });
    this.fds.set(1, { kind: 'stdout', sink: options.stdout });
    this.fds.set(2, { kind: 'stderr', sink: options.stderr });
    let next = 3;
    for (const p of options.preopens ?? []) {
      this.fds.set(next++, {
        kind: 'dir',
        dir: { root: p.hostPath, rel: [], writable: p.writable },
        hostPath: p.hostPath,
        preopenName: p.guestPath,
      });
    }
  }

  /** Runs the guest's entrypoint (`_start`); returns its exit code (0 when it returns normally). */
  start(instance: WasmInstance, entrypoint = '_start'): number {
    const memory = instance.exports.memory;
    const start = instance.exports[entrypoint];
    if (!isMemory(memory)) throw new TypeError('module does not export "memory"');
    if (typeof start !== 'function') throw new TypeError(`module does not export "${entrypoint}"`);
    this.memory = memory;
    try {
      (start as () => void)();
      return 0;
    } catch (err) {
      if (err instanceof ProcExit) return err.code;
      throw err;
    } finally {
      this.fds.closeAll();
    }
  }

  /** The running instance's memory, for other host functions (the `edgewise` ones). */
  guestMemory(): GuestMemory {
    return this.mem();
  }

  private mem(): GuestMemory {
    const memory = this.memory;
    if (!memory) throw new GuestFault(Errno.FAULT);
    if (!this.cached || this.cached.bytes.buffer !== memory.buffer) this.cached = new GuestMemory(memory);
    return this.cached;
  }

  /** Runs one call, turning host-side failures into the errno the guest expects. */
  private call(fn: () => number): number {
    try {
      return fn();
    } catch (err) {
      if (err instanceof ProcExit || err instanceof OutputLimitExceeded) throw err;
      if (err instanceof GuestFault) return err.errno;
      if (err instanceof RangeError) return Errno.FAULT; // pointer outside guest memory
      if (typeof (err as { code?: unknown })?.code === 'string') return errnoFromNode(err);
      throw err;
    }
  }

  private functions(): Record<string, HostFn> {
    const fds = this.fds;
    const c = (fn: () => number) => this.call(fn);
    const m = () => this.mem();
    const nosys = () => Errno.NOSYS;
    const notsup = () => Errno.NOTSUP;
    return {
      args_sizes_get: (count: number, size: number) => c(() => this.sizes(this.argv, count, size)),
      args_get: (ptrs: number, buf: number) => c(() => this.strings(this.argv, ptrs, buf)),
      environ_sizes_get: (count: number, size: number) => c(() => this.sizes(this.environ, count, size)),
      environ_get: (ptrs: number, buf: number) => c(() => this.strings(this.environ, ptrs, buf)),
      clock_res_get: (id: number, out: number) => c(() => clockRes(m(), id, out)),
      clock_time_get: (id: number, _precision: bigint, out: number) => c(() => clockTime(m(), id, out)),
      random_get: (buf: number, len: number) =>
        c(() => {
          randomFillSync(m().slice(buf, len));
          return Errno.SUCCESS;
        }),
      proc_exit: (code: number) => {
        throw new ProcExit(code);
      },
      proc_raise: nosys,
      sched_yield: () => Errno.SUCCESS,
      poll_oneoff: (inp: number, out: number, n: number, nout: number) =>
        c(() => this.poll(inp, out, n, nout)),
      fd_read: (f: number, iovs: number, n: number, out: number) =>
        c(() => fd.fdRead(fds, m(), f, iovs, n, out)),
      fd_write: (f: number, iovs: number, n: number, out: number) =>
        c(() => fd.fdWrite(fds, m(), f, iovs, n, out)),
      fd_pread: (f: number, iovs: number, n: number, off: bigint, out: number) =>
        c(() => fd.fdPread(fds, m(), f, iovs, n, off, out)),
      fd_pwrite: (f: number, iovs: number, n: number, off: bigint, out: number) =>
        c(() => fd.fdPwrite(fds, m(), f, iovs, n, off, out)),
      fd_seek: (f: number, off: bigint, whence: number, out: number) =>
        c(() => fd.fdSeek(fds, m(), f, off, whence, out)),
      fd_tell: (f: number, out: number) => c(() => fd.fdTell(fds, m(), f, out)),
      fd_close: (f: number) => c(() => fd.fdClose(fds, f)),
      fd_fdstat_get: (f: number, out: number) => c(() => fd.fdFdstatGet(fds, m(), f, out)),
      fd_fdstat_set_flags: (f: number, flags: number) => c(() => fd.fdFdstatSetFlags(fds, f, flags)),
      fd_fdstat_set_rights: (f: number) => (fds.get(f) ? Errno.SUCCESS : Errno.BADF),
      fd_filestat_get: (f: number, out: number) => c(() => fd.fdFilestatGet(fds, m(), f, out)),
      fd_filestat_set_size: (f: number, size: bigint) => c(() => fd.fdFilestatSetSize(fds, f, size)),
      fd_filestat_set_times: (f: number, a: bigint, mt: bigint, flags: number) =>
        c(() => fd.fdFilestatSetTimes(fds, f, a, mt, flags)),
      fd_advise: (f: number) => (fds.get(f) ? Errno.SUCCESS : Errno.BADF),
      fd_allocate: (f: number, off: bigint, len: bigint) => c(() => fd.fdAllocate(fds, f, off, len)),
      fd_datasync: (f: number) => c(() => fd.fdSync(fds, f, true)),
      fd_sync: (f: number) => c(() => fd.fdSync(fds, f, false)),
      fd_prestat_get: (f: number, out: number) => c(() => fd.fdPrestatGet(fds, m(), f, out)),
      fd_prestat_dir_name: (f: number, p: number, len: number) =>
        c(() => fd.fdPrestatDirName(fds, m(), f, p, len)),
      fd_readdir: (f: number, buf: number, len: number, cookie: bigint, out: number) =>
        c(() => fd.fdReaddir(fds, m(), f, buf, len, cookie, out)),
      fd_renumber: (from: number, to: number) => c(() => fd.fdRenumber(fds, from, to)),
      path_open: (
        dirfd: number,
        lookup: number,
        p: number,
        len: number,
        oflags: number,
        base: bigint,
        inh: bigint,
        fdflags: number,
        out: number,
      ) => c(() => pathOps.pathOpen(fds, m(), dirfd, lookup, p, len, oflags, base, inh, fdflags, out)),
      path_filestat_get: (f: number, lookup: number, p: number, len: number, out: number) =>
        c(() => pathOps.pathFilestatGet(fds, m(), f, lookup, p, len, out)),
      path_filestat_set_times: (
        f: number,
        lookup: number,
        p: number,
        len: number,
        a: bigint,
        mt: bigint,
        fl: number,
      ) => c(() => pathOps.pathFilestatSetTimes(fds, m(), f, lookup, p, len, a, mt, fl)),
      path_create_directory: (f: number, p: number, len: number) =>
        c(() => pathOps.pathCreateDirectory(fds, m(), f, p, len)),
      path_remove_directory: (f: number, p: number, len: number) =>
        c(() => pathOps.pathRemoveDirectory(fds, m(), f, p, len)),
      path_unlink_file: (f: number, p: number, len: number) =>
        c(() => pathOps.pathUnlinkFile(fds, m(), f, p, len)),
      path_rename: (f: number, p: number, len: number, nf: number, np: number, nlen: number) =>
        c(() => pathOps.pathRename(fds, m(), f, p, len, nf, np, nlen)),
      path_readlink: (f: number, p: number, len: number, buf: number, blen: number, out: number) =>
        c(() => pathOps.pathReadlink(fds, m(), f, p, len, buf, blen, out)),
      // Guests may not create links: a guest-made symlink could point anywhere and be
      // raced against the containment check in paths.ts.
      path_symlink: notsup,
      path_link: notsup,
      sock_accept: notsup,
      sock_recv: notsup,
      sock_send: notsup,
      sock_shutdown: notsup,
    };
  }

  private sizes(list: CStrings, countPtr: number, sizePtr: number): number {
    const mem = this.mem();
    mem.setU32(countPtr, list.offsets.length);
    mem.setU32(sizePtr, list.data.length);
    return Errno.SUCCESS;
  }

  private strings(list: CStrings, ptrs: number, buf: number): number {
    const mem = this.mem();
    mem.slice(buf, list.data.length).set(list.data);
    const offsets = list.offsets;
    for (let i = 0; i < offsets.length; i++) mem.setU32(ptrs + i * 4, buf + (offsets[i] as number));
    return Errno.SUCCESS;
  }

  /** Clock subscriptions sleep (Atomics.wait: guests run off the main thread); fd ones are always ready. */
  private poll(inPtr: number, outPtr: number, n: number, noutPtr: number): number {
    if (n === 0) return Errno.INVAL;
    const mem = this.mem();
    const ready: Array<{ userdata: bigint; type: number; errno: number; nbytes: bigint }> = [];
    const clocks: Array<{ userdata: bigint; deadline: bigint }> = [];
    const now = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      const s = inPtr + i * 48;
      const userdata = mem.view.getBigUint64(s, true);
      const tag = mem.view.getUint8(s + 8);
      if (tag === EventType.CLOCK) {
        const id = mem.view.getUint32(s + 16, true);
        const timeout = mem.view.getBigUint64(s + 24, true);
        const abs = (mem.view.getUint16(s + 40, true) & 1) === 1;
        const base = id === ClockId.REALTIME ? realtimeNs() : now;
        const wait = abs ? timeout - base : timeout;
        clocks.push({ userdata, deadline: now + (wait > 0n ? wait : 0n) });
      } else if (tag === EventType.FD_READ || tag === EventType.FD_WRITE) {
        const f = mem.view.getUint32(s + 16, true);
        const entry = this.fds.get(f);
        const remaining = entry?.kind === 'stdin' ? BigInt(entry.data.length - entry.pos) : 0n;
        ready.push({ userdata, type: tag, errno: entry ? Errno.SUCCESS : Errno.BADF, nbytes: remaining });
      } else {
        return Errno.INVAL;
      }
    }
    if (ready.length === 0 && clocks.length > 0) {
      const first = clocks.reduce((a, b) => (b.deadline < a.deadline ? b : a));
      const ms = Number(first.deadline - now) / 1e6;
      if (ms > 0) Atomics.wait(sleeper(), 0, 0, ms);
      const after = process.hrtime.bigint();
      for (const cl of clocks) {
        if (cl.deadline <= after)
          ready.push({ userdata: cl.userdata, type: EventType.CLOCK, errno: 0, nbytes: 0n });
      }
    }
    ready.forEach((ev, i) => {
      const e = outPtr + i * 32;
      mem.slice(e, 32).fill(0);
      mem.setU64(e, ev.userdata);
      mem.setU16(e + 8, ev.errno);
      mem.setU8(e + 10, ev.type);
      mem.setU64(e + 16, ev.nbytes);
    });
    mem.setU32(noutPtr, ready.length);
    return Errno.SUCCESS;
  }
}

let sleepCell: Int32Array | undefined;
/** A shared cell nobody notifies: Atomics.wait on it is a plain sleep (made lazily, SABs are not free). */
function sleeper(): Int32Array {
  sleepCell ??= new Int32Array(new SharedArrayBuffer(4));
  return sleepCell;
}

function realtimeNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
}

function clockTime(mem: GuestMemory, id: number, out: number): number {
  if (id === ClockId.REALTIME) mem.setU64(out, realtimeNs());
  // CPU-time clocks are approximated by the monotonic clock: the guest owns its thread while it runs.
  else if (id === ClockId.MONOTONIC || id === ClockId.PROCESS_CPUTIME || id === ClockId.THREAD_CPUTIME) {
    mem.setU64(out, process.hrtime.bigint());
  } else return Errno.INVAL;
  return Errno.SUCCESS;
}

function clockRes(mem: GuestMemory, id: number, out: number): number {
  if (id > ClockId.THREAD_CPUTIME) return Errno.INVAL;
  mem.setU64(out, id === ClockId.REALTIME ? 1000n : 1n);
  return Errno.SUCCESS;
}

/** Names of every `wasi_snapshot_preview1` function this host provides. */
export const WASI_FUNCTIONS: ReadonlySet<string> = new Set(
  Object.keys(
    new WasiHost({
      args: [],
      env: [],
      stdout: { write() {} },
      stderr: { write() {} },
    }).imports.wasi_snapshot_preview1,
  ),
);
