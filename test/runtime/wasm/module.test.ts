import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EdgewiseError } from '../../../src/api/errors.js';
import { capMemory, checkHeader, importMemory, WASM_PAGE } from '../../../src/runtime/wasm/module/binary.js';
import { ModuleCache } from '../../../src/runtime/wasm/module/cache.js';
import { mergeDataSegments } from '../../../src/runtime/wasm/module/data-segments.js';
import { WA, type WasmMemory } from '../../../src/runtime/wasm/wa.js';
import { wat } from '../../support/wasm.js';

/** Repository root (tests run from dist/test/runtime/wasm/). */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

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

describe('data segment merging', () => {
  /** Instantiates `bytes` with stub imports and returns what its memory holds afterwards. */
  function memoryAfterInstantiation(bytes: Uint8Array, imported = { initial: 1, maximum: 1 }): Buffer {
    const module = new WA.Module(bytes);
    let memory: WasmMemory | undefined;
    const imports: Record<string, Record<string, unknown>> = {};
    for (const imp of WA.Module.imports(module)) {
      imports[imp.module] ??= {};
      const slot = imports[imp.module] as Record<string, unknown>;
      if (imp.kind === 'memory') {
        memory = new WA.Memory(imported);
        slot[imp.name] = memory;
      } else {
        slot[imp.name] = () => 0;
      }
    }
    const instance = new WA.Instance(module, imports);
    const exported = instance.exports.memory as WasmMemory | undefined;
    return Buffer.from((memory ?? exported)?.buffer ?? new ArrayBuffer(0));
  }

  it('leaves memory exactly as the original segments would, for the example services', () => {
    for (const name of [
      'hello/hello',
      'supply-chain/tracker',
      'education/courses',
      'telemedicine/signalling',
    ]) {
      const file = path.join(ROOT, `examples/${name}.wasm`);
      if (!existsSync(file)) {
        execFileSync(process.execPath, [path.join(ROOT, 'scripts/build-examples.mjs')], { stdio: 'inherit' });
      }
      const capped = importMemory(readFileSync(file), 1024, name);
      const shape = { initial: capped.minPages, maximum: capped.maxPages ?? capped.minPages };
      const merged = mergeDataSegments(capped.bytes, name);
      assert.notEqual(merged, capped.bytes, `${name}: merged`);
      const before = memoryAfterInstantiation(capped.bytes, shape);
      assert.ok(before.equals(memoryAfterInstantiation(merged, shape)), `${name}: same memory`);
    }
  });

  it('keeps the later segment where segments overlap', async () => {
    for (const order of [
      '(data (i32.const 10) "aaaa") (data (i32.const 12) "bb")',
      '(data (i32.const 12) "bb") (data (i32.const 10) "aaaa")',
    ]) {
      const bytes = await wat(`(module (memory (export "memory") 1) ${order} (data (i32.const 40) "c"))`);
      const merged = mergeDataSegments(bytes, 'm');
      assert.notEqual(merged, bytes);
      assert.ok(memoryAfterInstantiation(merged).equals(memoryAfterInstantiation(bytes)), order);
    }
  });

  it('still fails instantiation when a segment is out of bounds', async () => {
    const bytes = await wat(
      '(module (memory (export "memory") 1) (data (i32.const 65530) "abc") (data (i32.const 65535) "de"))',
    );
    const merged = mergeDataSegments(bytes, 'm');
    assert.notEqual(merged, bytes);
    assert.throws(() => memoryAfterInstantiation(bytes));
    assert.throws(() => memoryAfterInstantiation(merged));
  });

  it('leaves modules alone whose segments are passive, global-based or named by instructions', async () => {
    for (const source of [
      '(module (memory 1) (data "x") (data (i32.const 0) "y") (data (i32.const 1) "z"))',
      '(module (import "env" "g" (global i32)) (memory 1) (data (global.get 0) "x") (data (i32.const 9) "y"))',
      `(module (memory 1) (data (i32.const 0) "a") (data (i32.const 8) "b")
         (func (export "f") (data.drop 1)))`,
    ]) {
      const bytes = await wat(source);
      assert.equal(mergeDataSegments(bytes, 'm'), bytes, source);
    }
  });
});
