import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EdgewiseError } from '../../../src/api/errors.js';
import { capMemory, checkHeader, WASM_PAGE } from '../../../src/runtime/wasm/module/binary.js';
import { ModuleCache } from '../../../src/runtime/wasm/module/cache.js';
import { WA } from '../../../src/runtime/wasm/wa.js';
import { wat } from '../../support/wasm.js';

describe('module binary handling', () => {
  it('recognises Wasm, components and everything else', async () => {
    checkHeader(await wat('(module)'), 'm');
    assert.throws(
      () => checkHeader(Buffer.from('MZ\x90\x00', 'latin1'), 'm'),
      /not a WebAssembly module \(first bytes: 4d 5a 90 00\)/,
    );
    assert.throws(() => checkHeader(Buffer.from([0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0]), 'm'), /component/);
  });

  it('rewrites the memory maximum to the limit, keeping a lower declared maximum', async () => {
    const noMax = capMemory(await wat('(module (memory 2))'), 10, 'm');
    assert.deepEqual([noMax.minPages, noMax.maxPages], [2, 10]);
    const lower = capMemory(await wat('(module (memory 2 4))'), 10, 'm');
    assert.equal(lower.maxPages, 4);
    const higher = capMemory(
      await wat('(module (memory 1 65536) (func (export "grow") (result i32) (memory.grow (i32.const 20))))'),
      10,
      'm',
    );
    assert.equal(higher.maxPages, 10);
    const instance = new WA.Instance(new WA.Module(higher.bytes));
    assert.equal((instance.exports.grow as () => number)(), -1, 'the engine refuses growth past the cap');
  });

  it('refuses a module whose initial memory is over the limit', async () => {
    const bytes = await wat('(module (memory 20))');
    assert.throws(
      () => capMemory(bytes, 10, 'm'),
      (err: unknown) => EdgewiseError.isCode(err, 'EW_INVALID'),
    );
  });

  it('compiles once per digest and limit, and drops failed compiles', async () => {
    const cache = new ModuleCache();
    const bytes = await wat('(module (memory (export "memory") 1) (func (export "_start")))');
    const a = await cache.acquire(bytes, 'sha256:a', 4 * WASM_PAGE, 'm');
    const b = await cache.acquire(bytes, 'sha256:a', 4 * WASM_PAGE, 'm');
    assert.equal(a, b);
    assert.equal(a.memoryLimitBytes, 4 * WASM_PAGE);
    const c = await cache.acquire(bytes, 'sha256:a', 8 * WASM_PAGE, 'm');
    assert.notEqual(a.key, c.key);
    assert.equal(cache.size, 2);
    assert.equal(cache.release(a.key), false);
    assert.equal(cache.release(a.key), true);
    await assert.rejects(
      cache.acquire(Buffer.from('nope'), 'sha256:b', WASM_PAGE, 'm'),
      /not a WebAssembly module/,
    );
    assert.equal(cache.size, 1);
  });
});
