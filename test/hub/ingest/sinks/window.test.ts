import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Window } from '../../../../src/hub/ingest/sinks/mqtt/window.js';

/** Settles pending promise callbacks, so a test can see which acquisitions went through. */
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('MQTT in-flight window', () => {
  it('lets at most `size` through until one is released, in order', async () => {
    const window = new Window(2);
    const through: number[] = [];
    const all = [1, 2, 3, 4].map((n) => window.acquire().then(() => through.push(n)));
    await tick();
    assert.deepEqual(through, [1, 2]);
    window.release();
    await tick();
    assert.deepEqual(through, [1, 2, 3]);
    window.release();
    await Promise.all(all);
    assert.deepEqual(through, [1, 2, 3, 4]);
  });

  it('rejects waiters and later acquisitions once aborted', async () => {
    const window = new Window(1);
    await window.acquire();
    const waiting = window.acquire();
    const lost = new Error('connection lost');
    window.abort(lost);
    await assert.rejects(waiting, lost);
    await assert.rejects(window.acquire(), lost);
  });
});
