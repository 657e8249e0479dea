import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { WA, type WasmMemory } from '../../../src/runtime/wasm/wa.js';
import {
  ByteSink,
  Errno,
  type Preopen,
  preopenRoot,
  WasiHost,
} from '../../../src/runtime/wasm/wasi/index.js';
import { tempDir } from '../../support/wasm.js';

/**
 * A "guest" written in JS: it calls the host's imports with pointers into a real
 * WebAssembly.Memory, exactly as compiled code would.
 */
class JsGuest {
  readonly memory: WasmMemory = new WA.Memory({ initial: 2 });
  readonly stdout = new ByteSink('stdout', 1 << 20, 'abort');
  readonly stderr = new ByteSink('stderr', 1 << 20, 'truncate');
  readonly host: WasiHost;
  private heap = 1024;

  constructor(options: { args?: string[]; env?: string[]; stdin?: string; preopens?: Preopen[] } = {}) {
    this.host = new WasiHost({
      args: options.args ?? [],
      env: options.env ?? [],
      stdin: Buffer.from(options.stdin ?? ''),
      stdout: this.stdout,
      stderr: this.stderr,
      preopens: options.preopens,
    });
  }

  get fn(): Record<string, (...args: Array<number | bigint>) => number> {
    return this.host.imports.wasi_snapshot_preview1 as never;
  }

  /** Runs `body` as the guest's _start and returns the exit code. */
  run(body: () => void): number {
    return this.host.start({ exports: { memory: this.memory, _start: body } });
  }

  get view(): DataView {
    return new DataView(this.memory.buffer);
  }

  alloc(size: number): number {
    const at = this.heap;
    this.heap += (size + 7) & ~7;
    return at;
  }

  str(text: string): [number, number] {
    const bytes = Buffer.from(text);
    const at = this.alloc(bytes.length);
    new Uint8Array(this.memory.buffer).set(bytes, at);
    return [at, bytes.length];
  }

  read(ptr: number, len: number): string {
    return Buffer.from(new Uint8Array(this.memory.buffer, ptr, len)).toString();
  }

  /** path_open relative to `dirfd`; returns [errno, fd]. */
  open(dirfd: number, p: string, oflags = 0, rights = 2n, fdflags = 0, follow = true): [number, number] {
    const [ptr, len] = this.str(p);
    const out = this.alloc(4);
    const e = this.fn.path_open?.(
      dirfd,
      follow ? 1 : 0,
      ptr,
      len,
      oflags,
      rights,
      0n,
      fdflags,
      out,
    ) as number;
    return [e, this.view.getUint32(out, true)];
  }

  write(fd: number, text: string): number {
    const [ptr, len] = this.str(text);
    const iov = this.alloc(8);
    this.view.setUint32(iov, ptr, true);
    this.view.setUint32(iov + 4, len, true);
    return this.fn.fd_write?.(fd, iov, 1, this.alloc(4)) as number;
  }

  readAll(fd: number): [number, string] {
    const buf = this.alloc(4096);
    const iov = this.alloc(8);
    const n = this.alloc(4);
    this.view.setUint32(iov, buf, true);
    this.view.setUint32(iov + 4, 4096, true);
    const e = this.fn.fd_read?.(fd, iov, 1, n) as number;
    return [e, e === 0 ? this.read(buf, this.view.getUint32(n, true)) : ''];
  }
}

const RW = (1n << 1n) | (1n << 6n);

describe('WASI preview 1 host', () => {
  const tmp = tempDir();
  after(() => tmp.remove());

  it('provides args and environ in the libc layout', () => {
    const g = new JsGuest({ args: ['/path', 'a=1'], env: ['K=v', 'EMPTY='] });
    g.run(() => {
      const sizes = g.alloc(8);
      assert.equal(g.fn.args_sizes_get?.(sizes, sizes + 4), Errno.SUCCESS);
      assert.equal(g.view.getUint32(sizes, true), 2);
      assert.equal(g.view.getUint32(sizes + 4, true), '/path\0a=1\0'.length);
      const ptrs = g.alloc(8);
      const buf = g.alloc(64);
      g.fn.args_get?.(ptrs, buf);
      assert.equal(g.read(g.view.getUint32(ptrs + 4, true), 3), 'a=1');
      g.fn.environ_sizes_get?.(sizes, sizes + 4);
      assert.equal(g.view.getUint32(sizes, true), 2);
      g.fn.environ_get?.(ptrs, buf);
      assert.equal(g.read(g.view.getUint32(ptrs, true), 3), 'K=v');
    });
  });

  it('reads stdin, writes stdout and stderr in memory, and reports proc_exit codes', () => {
    const g = new JsGuest({ stdin: 'request body' });
    const code = g.run(() => {
      assert.deepEqual(g.readAll(0), [0, 'request body']);
      assert.deepEqual(g.readAll(0), [0, ''], 'EOF after the body');
      g.write(1, 'to stdout');
      g.write(2, 'to stderr');
      g.fn.proc_exit?.(7);
      assert.fail('proc_exit returned');
    });
    assert.equal(code, 7);
    assert.equal(Buffer.from(g.stdout.bytes()).toString(), 'to stdout');
    assert.equal(Buffer.from(g.stderr.bytes()).toString(), 'to stderr');
  });

  it('gives clocks and random bytes', () => {
    const g = new JsGuest();
    g.run(() => {
      const t = g.alloc(8);
      assert.equal(g.fn.clock_time_get?.(0, 1n, t), 0);
      const realtime = Number(g.view.getBigUint64(t, true) / 1_000_000n);
      assert.ok(Math.abs(realtime - Date.now()) < 5000);
      assert.equal(g.fn.clock_time_get?.(1, 1n, t), 0);
      const a = g.view.getBigUint64(t, true);
      g.fn.clock_time_get?.(1, 1n, t);
      assert.ok(g.view.getBigUint64(t, true) >= a, 'monotonic');
      assert.equal(g.fn.clock_time_get?.(99, 1n, t), Errno.INVAL);
      const r = g.alloc(32);
      assert.equal(g.fn.random_get?.(r, 32), 0);
      assert.notEqual(g.read(r, 32), '\0'.repeat(32));
    });
  });

  it('answers unsupported calls with ENOSYS/ENOTSUP and bad pointers with EFAULT', () => {
    const g = new JsGuest();
    g.run(() => {
      assert.equal(g.fn.sock_accept?.(3, 0, 0), Errno.NOTSUP);
      assert.equal(g.fn.proc_raise?.(9), Errno.NOSYS);
      assert.equal(g.fn.path_symlink?.(0, 0, 3, 0, 0), Errno.NOTSUP);
      assert.equal(g.fn.fd_write?.(1, 10 * 65536, 1, 0), Errno.FAULT);
      assert.equal(g.fn.fd_write?.(42, 0, 0, 0), Errno.BADF);
    });
  });

  describe('preopened directories', () => {
    const root = path.join(tmp.dir, 'fs');
    mkdirSync(path.join(root, 'rw', 'sub'), { recursive: true });
    mkdirSync(path.join(root, 'ro'), { recursive: true });
    writeFileSync(path.join(root, 'ro', 'config.json'), '{"a":1}');
    writeFileSync(path.join(root, 'secret.txt'), 'secret');
    symlinkSync('../secret.txt', path.join(root, 'rw', 'escape'));
    symlinkSync('sub', path.join(root, 'rw', 'inner'));
    const preopens: Preopen[] = [
      { guestPath: '/data', hostPath: preopenRoot(path.join(root, 'rw')), writable: true },
      { guestPath: '/config', hostPath: preopenRoot(path.join(root, 'ro')), writable: false },
    ];

    it('names preopens through fd_prestat_*', () => {
      const g = new JsGuest({ preopens });
      g.run(() => {
        const st = g.alloc(8);
        assert.equal(g.fn.fd_prestat_get?.(4, st), 0);
        const len = g.view.getUint32(st + 4, true);
        const name = g.alloc(len);
        g.fn.fd_prestat_dir_name?.(4, name, len);
        assert.equal(g.read(name, len), '/config');
        assert.equal(g.fn.fd_prestat_get?.(5, st), Errno.BADF, 'end of preopens');
      });
    });

    it('creates, writes, seeks and reads files in a writable preopen', () => {
      const g = new JsGuest({ preopens });
      g.run(() => {
        const [e, fd] = g.open(3, 'sub/notes.txt', 1 /* CREAT */, RW);
        assert.equal(e, 0);
        assert.equal(g.write(fd, 'hello world'), 0);
        const pos = g.alloc(8);
        assert.equal(g.fn.fd_seek?.(fd, 6n, 0, pos), 0);
        assert.deepEqual(g.readAll(fd), [0, 'world']);
        const stat = g.alloc(64);
        assert.equal(g.fn.fd_filestat_get?.(fd, stat), 0);
        assert.equal(g.view.getUint8(stat + 16), 4, 'regular file');
        assert.equal(g.view.getBigUint64(stat + 32, true), 11n);
        assert.equal(g.fn.fd_close?.(fd), 0);
        assert.equal(g.fn.fd_close?.(fd), Errno.BADF);
        const [mk] = [g.fn.path_create_directory?.(3, ...g.str('made'))];
        assert.equal(mk, 0);
      });
      assert.equal(readFileSync(path.join(root, 'rw', 'sub', 'notes.txt'), 'utf8'), 'hello world');
    });

    it('lists a directory with fd_readdir', () => {
      const g = new JsGuest({ preopens });
      g.run(() => {
        const buf = g.alloc(1024);
        const used = g.alloc(4);
        assert.equal(g.fn.fd_readdir?.(4, buf, 1024, 0n, used), 0);
        const names: string[] = [];
        let at = buf;
        const end = buf + g.view.getUint32(used, true);
        while (at + 24 <= end) {
          const len = g.view.getUint32(at + 16, true);
          names.push(g.read(at + 24, len));
          at += 24 + len;
        }
        assert.deepEqual(names, ['.', '..', 'config.json']);
      });
    });

    it('keeps a read-only preopen read-only', () => {
      const g = new JsGuest({ preopens });
      g.run(() => {
        const [e, fd] = g.open(4, 'config.json', 0, 2n);
        assert.equal(e, 0);
        assert.deepEqual(g.readAll(fd), [0, '{"a":1}']);
        assert.equal(g.write(fd, 'x'), Errno.ROFS);
        assert.equal(g.open(4, 'new.txt', 1, RW)[0], Errno.ROFS);
        assert.equal(g.open(4, 'config.json', 8 /* TRUNC */, RW)[0], Errno.ROFS);
        assert.equal(g.fn.path_unlink_file?.(4, ...g.str('config.json')), Errno.ROFS);
        assert.equal(g.fn.path_create_directory?.(4, ...g.str('d')), Errno.ROFS);
      });
      assert.equal(readFileSync(path.join(root, 'ro', 'config.json'), 'utf8'), '{"a":1}');
    });

    it('refuses paths that escape: .., absolute paths and symlinks out', () => {
      const g = new JsGuest({ preopens });
      g.run(() => {
        assert.equal(g.open(3, '../secret.txt')[0], Errno.NOTCAPABLE);
        assert.equal(g.open(3, 'sub/../../secret.txt')[0], Errno.NOTCAPABLE);
        assert.equal(g.open(3, '/etc/passwd')[0], Errno.NOTCAPABLE);
        assert.equal(g.open(3, 'escape')[0], Errno.NOTCAPABLE, 'symlink pointing outside');
        assert.equal(
          g.open(3, 'escape', 0, 2n, 0, false)[0],
          Errno.LOOP,
          'not following opens the link itself',
        );
        assert.equal(g.open(3, 'inner/../sub')[0], 0, 'symlink inside the preopen is fine');
        assert.equal(g.open(3, 'sub/./')[0], 0);
        const stat = g.alloc(64);
        assert.equal(g.fn.path_filestat_get?.(3, 1, ...g.str('../secret.txt'), stat), Errno.NOTCAPABLE);
        assert.equal(g.fn.path_rename?.(3, ...g.str('sub'), 3, ...g.str('../moved')), Errno.NOTCAPABLE);
      });
    });

    it('closes every host descriptor when the instance ends', () => {
      const g = new JsGuest({ preopens });
      let fd = -1;
      g.run(() => {
        [, fd] = g.open(4, 'config.json', 0, 2n);
      });
      assert.equal(g.host.fds.get(fd), undefined);
    });
  });
});
