import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cstrings, type GuestJob, type GuestResult } from '../../../src/runtime/wasm/exec/job.js';
import { WorkerPool } from '../../../src/runtime/wasm/exec/pool.js';
import { type CompiledModule, ModuleCache } from '../../../src/runtime/wasm/module/cache.js';
import { wat } from '../../support/wasm.js';
import { COUNTER_GUEST, ECHO_GUEST, EMPTY_GUEST, INFINITE_LOOP_GUEST } from '../../support/wasm-guests.js';

const MiB = 1024 * 1024;
const cache = new ModuleCache();
let n = 0;

async function compile(source: string): Promise<CompiledModule> {
  return cache.acquire(await wat(source), `sha256:${(++n).toString(16).padStart(64, '0')}`, 16 * MiB, 'test');
}

function job(compiled: CompiledModule, extra: Partial<GuestJob> = {}): GuestJob {
  return {
    entrypoint: '_start',
    argv: cstrings(['/']),
    environ: '',
    stdin: new Uint8Array(0),
    preopens: [],
    stdoutLimit: 64 * MiB,
    stderrLimit: 64 * 1024,
    memory: compiled.memory,
    ...extra,
  };
}

const text = (r: GuestResult) => Buffer.from(r.stdout).toString('latin1');

describe('worker pool', () => {
  const pool = new WorkerPool({ size: 2 });
  let counter: CompiledModule;
  let echo: CompiledModule;
  let loop: CompiledModule;

  before(async () => {
    [counter, echo, loop] = await Promise.all([
      compile(COUNTER_GUEST),
      compile(ECHO_GUEST),
      compile(INFINITE_LOOP_GUEST),
    ]);
    await pool.ready();
  });

  after(() => pool.close());

  it('runs many jobs at once, each in a fresh instance', async () => {
    const results = await Promise.all(
      Array.from({ length: 300 }, () =>
        pool.run(counter.key, counter.module, job(counter, { cgi: true }), { timeoutMs: 10_000 }),
      ),
    );
    for (const r of results) {
      assert.equal(r.outcome, 'ok');
      assert.deepEqual(r.head, { status: 200, headers: ['content-type', 'text/plain'] });
      assert.equal(text(r), '1BA', 'the CGI head is parsed in the worker; stdout is the body');
    }
  });

  it('passes argv, environ and stdin through the rings, byte for byte', async () => {
    const environ = cstrings(['A=1', 'UNICODE=é€𝄞', `LONG=${'x'.repeat(3000)}`]);
    const stdin = Buffer.from('body ✓');
    const r = await pool.run(
      echo.key,
      echo.module,
      job(echo, { argv: cstrings(['/p', 'q=1']), environ, stdin, cgi: true }),
      { timeoutMs: 10_000 },
    );
    const [args, env, body] = text(r).split('\u0001') as [string, string, string];
    assert.equal(Buffer.from(args, 'latin1').toString(), '/p\0q=1\0');
    assert.equal(Buffer.from(env, 'latin1').toString(), environ);
    assert.equal(Buffer.from(body, 'latin1').toString(), 'body ✓');
  });

  it('carries request bodies and responses too big for the rings', async () => {
    const stdin = Buffer.alloc(3 * MiB, 7);
    const r = await pool.run(echo.key, echo.module, job(echo, { stdin }), { timeoutMs: 10_000 });
    assert.equal(r.outcome, 'ok');
    const out = Buffer.from(r.stdout);
    assert.ok(out.subarray(out.length - stdin.length).equals(stdin));
    // …and the rings are still in step afterwards.
    const small = await pool.run(counter.key, counter.module, job(counter), { timeoutMs: 10_000 });
    assert.match(text(small), /1BA$/);
  });

  it('moves jobs queued behind a runaway guest to another worker, then stops the guest', async () => {
    const replacedBefore = pool.replaced;
    const order: string[] = [];
    // Both workers are idle: the loop goes to the first, and quick jobs alternate
    // between the two, so half of them are queued behind the loop at first.
    const stuck = pool.run(loop.key, loop.module, job(loop), { timeoutMs: 1500 }).then((r) => {
      order.push('loop');
      return r;
    });
    const quick = Array.from({ length: 10 }, () =>
      pool.run(counter.key, counter.module, job(counter), { timeoutMs: 10_000 }).then((r) => {
        order.push('quick');
        return r;
      }),
    );
    for (const r of await Promise.all(quick)) assert.match(text(r), /1BA$/);
    const looped = await stuck;
    assert.equal(looped.outcome, 'timeout');
    assert.match(looped.message ?? '', /longer than 1500 ms/);
    assert.deepEqual(order, [...Array(10).fill('quick'), 'loop'], 'no quick job waited for the loop');
    assert.equal(pool.replaced, replacedBefore + 1);
    // The replacement worker serves as before.
    const again = await Promise.all(
      Array.from({ length: 20 }, () =>
        pool.run(counter.key, counter.module, job(counter), { timeoutMs: 10_000 }),
      ),
    );
    for (const r of again) assert.match(text(r), /1BA$/);
  });

  it('keeps a group of jobs on its number of workers, without holding up the others', async () => {
    // Two runaway jobs of a workload allowed one worker: the second waits behind the
    // first instead of taking the other worker, which keeps serving everyone else.
    const group = { key: {}, workers: 1 };
    const order: string[] = [];
    const loops = [1, 2].map((n) =>
      pool.run(loop.key, loop.module, job(loop), { timeoutMs: 700, group }).then((r) => {
        order.push(`loop ${n}`);
        return r;
      }),
    );
    const quick = Array.from({ length: 10 }, () =>
      pool.run(counter.key, counter.module, job(counter), { timeoutMs: 10_000 }).then((r) => {
        order.push('quick');
        return r;
      }),
    );
    for (const r of await Promise.all(quick)) assert.match(text(r), /1BA$/);
    assert.deepEqual(order, Array(10).fill('quick'), 'quick jobs did not wait for either loop');
    for (const r of await Promise.all(loops)) assert.equal(r.outcome, 'timeout');
    assert.deepEqual(order.slice(10), ['loop 1', 'loop 2'], 'the loops ran one after the other');
    const grouped = await Promise.all(
      Array.from({ length: 40 }, () =>
        pool.run(counter.key, counter.module, job(counter), { timeoutMs: 10_000, group }),
      ),
    );
    for (const r of grouped) assert.match(text(r), /1BA$/);
  });

  it('answers jobs in flight and queued when closed', async () => {
    const small = new WorkerPool({ size: 1, depth: 2 });
    await small.ready();
    const pending = Array.from({ length: 5 }, () =>
      small.run(loop.key, loop.module, job(loop), { timeoutMs: 60_000 }),
    );
    await small.close();
    const outcomes = (await Promise.all(pending)).map((r) => r.outcome).sort();
    assert.deepEqual(outcomes, ['crashed', 'crashed', 'overloaded', 'overloaded', 'overloaded']);
  });

  it('does not keep the process alive once idle', async () => {
    const bytes = await wat(EMPTY_GUEST);
    const poolUrl = new URL('../../../src/runtime/wasm/exec/pool.js', import.meta.url).href;
    const cacheUrl = new URL('../../../src/runtime/wasm/module/cache.js', import.meta.url).href;
    const script = `
      import { WorkerPool } from ${JSON.stringify(poolUrl)};
      import { ModuleCache } from ${JSON.stringify(cacheUrl)};
      const bytes = Uint8Array.from(${JSON.stringify([...bytes])});
      const m = await new ModuleCache().acquire(bytes, 'sha256:0', 65536, 'empty');
      const pool = new WorkerPool({ size: 2 });
      const r = await pool.run(m.key, m.module, { entrypoint: '_start', argv: '', environ: '', stdin: new Uint8Array(0),
        preopens: [], stdoutLimit: 1024, stderrLimit: 1024, memory: m.memory }, { timeoutMs: 60000 });
      console.log(r.outcome);`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('.', import.meta.url)),
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(child.signal, null, 'the process exited by itself');
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout.trim(), 'ok');
  });
});
