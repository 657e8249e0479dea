import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  readJob,
  readResult,
  recordView,
  writeJob,
  writeResult,
} from '../../../src/runtime/wasm/exec/codec.js';
import { InflightJobs } from '../../../src/runtime/wasm/exec/inflight.js';
import { cstrings, type GuestJob } from '../../../src/runtime/wasm/exec/job.js';
import { Limiter } from '../../../src/runtime/wasm/exec/limiter.js';
import { ByteRing } from '../../../src/runtime/wasm/exec/ring.js';
import { encodeJob, GuestExecutor, resultParts } from '../../../src/runtime/wasm/exec/run.js';
import { HostGroup } from '../../../src/runtime/wasm/host/abi.js';
import { type CompiledModule, ModuleCache } from '../../../src/runtime/wasm/module/cache.js';
import { preopenRoot } from '../../../src/runtime/wasm/wasi/index.js';
import { tempDir, wat } from '../../support/wasm.js';
import { ECHO_GUEST } from '../../support/wasm-guests.js';

describe('byte ring', () => {
  it('hands records over in order, wrapping around, and refuses when full', () => {
    const producer = ByteRing.create(256);
    const consumer = ByteRing.attach(producer.sab);
    let seed = 1;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    const pending: number[][] = [];
    let written = 0;
    let read = 0;
    for (let step = 0; step < 5000; step++) {
      if (random() % 3 !== 0) {
        const len = random() % 60;
        const at = producer.reserve(len);
        if (at < 0) {
          assert.ok(pending.length > 0, 'only a ring holding records is ever full');
          continue;
        }
        const bytes = Array.from({ length: len }, () => random() % 256);
        producer.bytes.set(bytes, at);
        producer.commit(len);
        pending.push(bytes);
        written++;
      } else {
        const at = consumer.next();
        if (at < 0) {
          assert.equal(pending.length, 0);
          assert.ok(consumer.empty());
          continue;
        }
        const expected = pending.shift() as number[];
        assert.equal(consumer.lengthAt(at), expected.length);
        assert.deepEqual([...consumer.bytes.subarray(at, at + expected.length)], expected);
        consumer.release();
        read++;
      }
    }
    assert.ok(written > 1000 && read > 1000, `exercised: ${written} written, ${read} read`);
  });

  it('refuses records over half the ring, whatever it holds', () => {
    const ring = ByteRing.create(256);
    assert.equal(ring.reserve(ring.maxRecord + 1), -1);
    assert.ok(ring.reserve(ring.maxRecord) >= 0);
  });
});

describe('ring records', () => {
  it('round-trips a job, strings and all', () => {
    const buf = Buffer.alloc(4096);
    const job: GuestJob = {
      entrypoint: 'handler',
      argv: cstrings(['/päth', 'a=1']),
      environ: cstrings(['K=v€', 'E=']),
      stdin: Buffer.from([1, 2, 3]),
      preopens: [{ guestPath: '/data', hostPath: '/srv/data', writable: false }],
      stdoutLimit: 123456,
      stderrLimit: 789,
      memory: { initial: 2, maximum: 300 },
      cgi: true,
      hostImports: HostGroup.POLICY | HostGroup.STREAMS,
    };
    const view = recordView(buf);
    writeJob(view, 16, { id: 42, cell: 3, module: 7 }, job, JSON.stringify(job.preopens));
    const back = readJob(view, 16);
    assert.deepEqual(
      {
        ...back,
        argv: Buffer.from(back.argv).toString(),
        environ: Buffer.from(back.environ).toString(),
        stdin: [...back.stdin],
      },
      { ...job, id: 42, cell: 3, module: 7, stdin: [1, 2, 3] },
    );
    writeJob(
      view,
      0,
      { id: 1, cell: 0, module: 1 },
      { ...job, memory: undefined, hostImports: undefined },
      '',
    );
    const bare = readJob(view, 0);
    assert.equal(bare.memory, undefined);
    assert.equal(bare.hostImports, 0, 'no host functions');
    assert.deepEqual(bare.preopens, []);
  });

  it('round-trips results: with a CGI head, with an error head, and plain', async () => {
    const cache = new ModuleCache();
    const bytes = await wat(ECHO_GUEST);
    const echo = await cache.acquire(bytes, 'sha256:e', 1 << 24, 'echo');
    const executor = new GuestExecutor();
    const view = recordView(Buffer.alloc(1 << 16));
    const run = (cgi: boolean) => {
      const out = executor.run(
        echo.module,
        encodeJob({
          entrypoint: '_start',
          argv: cstrings(['/x']),
          environ: '',
          stdin: Buffer.from('in'),
          preopens: [],
          stdoutLimit: 1 << 20,
          stderrLimit: 1024,
          memory: echo.memory,
          cgi,
        }),
      );
      writeResult(view, 8, 99, resultParts(out, cgi));
      return readResult(view, 8);
    };
    const parsed = run(true);
    assert.equal(parsed.id, 99);
    assert.deepEqual(parsed.result.head, {
      status: 200,
      headers: ['content-type', 'application/octet-stream'],
    });
    assert.equal(Buffer.from(parsed.result.stdout).toString(), '/x\0\u0001\u0001in');
    const plain = run(false);
    assert.equal(plain.result.head, undefined);
    assert.match(Buffer.from(plain.result.stdout).toString(), /^content-type: application\/octet-stream\n\n/);
    assert.equal(plain.result.outcome, 'ok');
    assert.equal(plain.result.memoryBytes, 4 * 65536);
  });
});

describe('guest executor', () => {
  const tmp = tempDir();
  after(() => tmp.remove());

  /** Opens inside.txt in the first preopen and leaves it open (fd 4). */
  const LEAVES_FD_OPEN = `(module
    (import "wasi_snapshot_preview1" "path_open"
      (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 2048) "inside.txt")
    (func (export "_start")
      (drop (call $path_open (i32.const 3) (i32.const 1) (i32.const 2048) (i32.const 10)
        (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 16)))))`;

  /** Prints the errno of fd_fdstat_get on fd 4 as two digits. */
  const PROBES_FD_4 = `(module
    (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $stat (param i32 i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 1024) "NN")
    (func (export "_start") (local $e i32)
      (local.set $e (call $stat (i32.const 4) (i32.const 64)))
      (i32.store8 (i32.const 1024) (i32.add (i32.const 48) (i32.div_u (local.get $e) (i32.const 10))))
      (i32.store8 (i32.const 1025) (i32.add (i32.const 48) (i32.rem_u (local.get $e) (i32.const 10))))
      (i32.store (i32.const 0) (i32.const 1024))
      (i32.store (i32.const 4) (i32.const 2))
      (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`;

  it('reuses its host between runs but nothing of one run reaches the next', async () => {
    const dir = path.join(tmp.dir, 'vol');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'inside.txt'), 'x');
    const preopens = [{ guestPath: '/data', hostPath: preopenRoot(dir), writable: false }];
    const cache = new ModuleCache();
    const [echo, opener, probe] = (await Promise.all(
      [ECHO_GUEST, LEAVES_FD_OPEN, PROBES_FD_4].map(async (src, i) =>
        cache.acquire(await wat(src), `sha256:${i}`, 1 << 24, `m${i}`),
      ),
    )) as [CompiledModule, CompiledModule, CompiledModule];
    const executor = new GuestExecutor();
    const job = (m: CompiledModule, extra: Partial<GuestJob> = {}): GuestJob => ({
      entrypoint: '_start',
      argv: '',
      environ: '',
      stdin: new Uint8Array(0),
      preopens,
      stdoutLimit: 1 << 20,
      stderrLimit: 1024,
      memory: m.memory,
      ...extra,
    });
    const first = executor.run(
      echo.module,
      encodeJob(
        job(echo, { argv: cstrings(['/a']), environ: cstrings(['SECRET=1']), stdin: Buffer.from('s') }),
      ),
    );
    assert.match(Buffer.from(first.stdout.bytes()).toString(), /SECRET=1/);
    const second = executor.run(echo.module, encodeJob(job(echo)));
    assert.equal(
      Buffer.from(second.stdout.bytes()).toString().split('\n\n')[1],
      '\u0001\u0001',
      'no argv, environ or stdin left over',
    );
    assert.equal(executor.run(opener.module, encodeJob(job(opener))).outcome, 'ok');
    const probed = executor.run(probe.module, encodeJob(job(probe)));
    assert.equal(Buffer.from(probed.stdout.bytes()).toString(), '08', 'EBADF: the last run’s file is closed');
  });
});

describe('concurrency limiter', () => {
  it('holds at most max, queues up to maxQueue, and hands slots over in order', () => {
    const limiter = new Limiter(2, 1);
    const started: string[] = [];
    assert.ok(limiter.enter(() => started.push('a')));
    assert.ok(limiter.enter(() => started.push('b')));
    assert.ok(
      limiter.enter(() => started.push('c')),
      'queued',
    );
    assert.equal(
      limiter.enter(() => started.push('d')),
      false,
      'queue full',
    );
    assert.deepEqual(started, ['a', 'b']);
    limiter.release();
    assert.deepEqual(started, ['a', 'b', 'c'], 'the slot went to the waiter');
    limiter.release();
    limiter.release();
    assert.ok(limiter.enter(() => started.push('e')));
    assert.ok(limiter.enter(() => started.push('f')));
    assert.deepEqual(started, ['a', 'b', 'c', 'e', 'f']);
  });
});

describe('jobs in flight on a worker', () => {
  it('keeps dispatch order, finds jobs by id, and lets a walk over list() remove them', () => {
    const jobs = new InflightJobs<{ id: number; name: string }>();
    const a = { id: 7, name: 'a' };
    const b = { id: 3, name: 'b' };
    const c = { id: 9, name: 'c' };
    for (const j of [a, b, c]) jobs.add(j);
    assert.equal(jobs.size, 3);
    assert.equal(jobs.get(3), b);
    assert.equal(jobs.get(4), undefined);
    jobs.remove(b);
    jobs.remove(b); // settling twice must not take another job with it
    assert.deepEqual(
      jobs.view().map((j) => j.name),
      ['a', 'c'],
    );
    for (const j of jobs.list()) jobs.remove(j);
    assert.equal(jobs.size, 0);
    assert.equal(jobs.get(7), undefined);
  });
});
