/**
 * edgewise.stream_write: a synchronous call from the guest's worker to the main
 * thread, answered when the service says the record is durable; errnos for every
 * refusal; a write that waits holds only its own worker, and one that never comes
 * back is stopped at the guest's budget.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { EdgewiseError } from '../../../src/api/errors.js';
import type { WorkerPool } from '../../../src/runtime/wasm/exec/pool.js';
import { driverHarness, request } from '../../support/wasm.js';
import { staticGuest } from '../../support/wasm-guests.js';
import { hostGuest, SEQ_AT, WRITE_REQUEST_GUEST, writeGuest } from '../../support/wasm-host-guests.js';
import { TestStreamHost } from '../../support/wasm-host-services.js';

const numbers = (body: Buffer) => body.toString().trim().split(' ').map(Number);

describe('host functions: stream_write', () => {
  const streams = new TestStreamHost();
  const h = driverHarness({ workers: 2, requestTimeoutMs: 5000, hostServices: { streams } });
  after(() => h.close());

  it('appends a record and answers with its sequence number once the service has it', async () => {
    const url = await h.deploy(WRITE_REQUEST_GUEST);
    const post = (stream: string, body: string) => request(`${url}/${stream}`, { method: 'POST', body });
    assert.deepEqual(numbers((await post('shipments', '{"po":"PO-1"}')).body), [0, 1]);
    assert.deepEqual(numbers((await post('shipments', '{"po":"PO-2","note":"é"}')).body), [0, 2]);
    assert.deepEqual(numbers((await post('scans', '[1,2]')).body), [0, 1], 'sequence numbers are per stream');
    assert.deepEqual(
      streams.records.map((r) => [r.name, r.record, r.seq]),
      [
        ['shipments', '{"po":"PO-1"}', 1],
        ['shipments', '{"po":"PO-2","note":"é"}', 2],
        ['scans', '[1,2]', 1],
      ],
    );
  });

  it('answers refusals with errnos', async () => {
    const url = await h.deploy(WRITE_REQUEST_GUEST);
    const post = async (stream: string, body: string | Buffer) =>
      numbers((await request(`${url}/${stream}`, { method: 'POST', body })).body)[0];
    const count = streams.records.length;
    assert.equal(await post('shipments', '{"po":'), 28, 'not JSON: EINVAL');
    assert.equal(await post('Bad_Name', '{}'), 28, 'not a stream name: EINVAL');
    assert.equal(await post('x'.repeat(64), '{}'), 28, 'a name over 63 bytes: EINVAL');
    assert.equal(await post('shipments', Buffer.from([0x7b, 0xff, 0x7d])), 25, 'not UTF-8: EILSEQ');
    assert.equal(streams.records.length, count, 'nothing was stored');
    streams.failWith = new EdgewiseError('EW_TOO_MANY_REQUESTS', 'stream shipments is full');
    assert.equal(await post('shipments', '{}'), 51, 'full: ENOSPC');
    streams.failWith = new EdgewiseError('EW_UNAVAILABLE', 'could not store the records');
    assert.equal(await post('shipments', '{}'), 29, 'store failed: EIO');
    streams.failWith = new EdgewiseError('EW_TOO_LARGE', 'too big');
    assert.equal(await post('shipments', '{}'), 1, "the service's size refusal: E2BIG");
    streams.failWith = undefined;
  });

  it('checks sizes, pointers and the per-request limit before calling the main thread', async () => {
    const write = (args: string) => `(call $e (call $write ${args}))`;
    const run = async (body: string, strings: string[] = []) =>
      numbers((await request(await h.deploy(hostGuest({ streams: true, strings, body, pages: 8 })))).body);
    const name = '(global.get $s0) (global.get $s0len)';
    const count = streams.records.length;
    assert.deepEqual(
      await run(write(`${name} (i32.const 65536) (i32.const 262145) (i32.const ${SEQ_AT})`), ['big']),
      [1],
      'a record over 256 KiB: E2BIG',
    );
    assert.deepEqual(
      await run(write(`${name} (global.get $s1) (global.get $s1len) (i32.const -4)`), ['s', '{}']),
      [21],
      'seq_ptr outside memory: EFAULT',
    );
    assert.deepEqual(
      await run(
        write(`(i32.const 0) (i32.const 0) (global.get $s0) (global.get $s0len) (i32.const ${SEQ_AT})`),
        ['{}'],
      ),
      [28],
      'no name: EINVAL',
    );
    assert.deepEqual(
      await run(write(`${name} (i32.const 600000) (i32.const 10) (i32.const ${SEQ_AT})`), ['s']),
      [21],
      'record outside memory: EFAULT',
    );
    assert.equal(streams.records.length, count);
    const limited = driverHarness({
      workers: 1,
      hostServices: { streams },
      hostLimits: { maxWritesPerRequest: 2 },
    });
    try {
      const url = await limited.deploy(
        hostGuest({
          streams: true,
          strings: ['limited', '{}'],
          body: `(loop $again
            (call $e (call $write ${name} (global.get $s1) (global.get $s1len) (i32.const ${SEQ_AT})))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $again (i32.lt_u (local.get $i) (i32.const 4))))`,
        }),
      );
      assert.deepEqual(numbers((await request(url)).body), [0, 0, 19, 19]);
      assert.deepEqual(
        numbers((await request(url)).body),
        [0, 0, 19, 19],
        'the count starts again per request',
      );
    } finally {
      await limited.close();
    }
  });

  it('holds only its own worker while the main thread makes the record durable', async () => {
    const writer = await h.deploy(writeGuest('slow', '{"n":1}'));
    const other = await h.deploy(staticGuest('Content-Type: text/plain\n\nfree\n'));
    streams.hold();
    const pending = request(writer);
    for (let i = 0; i < 100 && streams.waiting === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(streams.waiting, 1, 'the write reached the main thread');
    // The writer's worker sleeps in Atomics.wait; the main thread and the other worker serve on.
    for (let i = 0; i < 10; i++) assert.equal((await request(other)).body.toString(), 'free\n');
    streams.release();
    assert.deepEqual(numbers((await pending).body), [0, 1]);
  });

  it('stops a guest whose write never completes, or that loops around writes, at its budget', async () => {
    const pool = h.driver.runner as WorkerPool;
    const replaced = pool.replaced;
    const other = await h.deploy(staticGuest('Content-Type: text/plain\n\nstill here\n'));
    streams.hold();
    const stuck = await h.deploy(writeGuest('never', '{}'), { limits: { cpuMillis: 20 } });
    const res = await request(stuck);
    assert.equal(res.status, 504);
    assert.match(res.body.toString(), /longer than 100 ms/);
    assert.equal((await request(other)).body.toString(), 'still here\n');
    streams.release();
    const spin = await h.deploy(
      hostGuest({
        streams: true,
        strings: ['spin', '{}'],
        body: `(loop $forever
          (drop (call $write (global.get $s0) (global.get $s0len) (global.get $s1) (global.get $s1len) (i32.const ${SEQ_AT})))
          (br $forever))`,
      }),
      { limits: { cpuMillis: 20 } },
    );
    assert.equal((await request(spin)).status, 504);
    assert.equal(pool.replaced, replaced + 2, 'both workers were replaced');
    assert.deepEqual(numbers((await request(await h.deploy(writeGuest('after', '{}')))).body), [0, 1]);
    assert.equal((await request(other)).body.toString(), 'still here\n');
  });
});
