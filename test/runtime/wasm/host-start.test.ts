/**
 * A module importing host functions starts only where they are answered: with the
 * feature behind them running, on worker threads, with the host's signatures. It
 * fails at start, naming the import and what is missing, as a CreateContainerError.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { EdgewiseError } from '../../../src/api/errors.js';
import { WasmDriver } from '../../../src/runtime/wasm/driver.js';
import { type Served, serve, tempDir, wasmSpec, wat, writeModule } from '../../support/wasm.js';
import { FD_WRITE } from '../../support/wasm-guests.js';
import { decideGuest, writeGuest } from '../../support/wasm-host-guests.js';
import { TestPolicyHost, TestStreamHost } from '../../support/wasm-host-services.js';

describe('host functions: where a module may start', () => {
  const tmp = tempDir();
  const drivers: WasmDriver[] = [];
  const served: Served[] = [];
  after(async () => {
    for (const s of served) await s.close();
    for (const d of drivers) await d.close();
    tmp.remove();
  });

  const driverWith = (options: ConstructorParameters<typeof WasmDriver>[0]) => {
    const d = new WasmDriver(options);
    drivers.push(d);
    return d;
  };
  const start = async (driver: WasmDriver, source: string) => {
    const file = writeModule(tmp.dir, `m-${Math.random().toString(36).slice(2)}.wasm`, await wat(source));
    const spec = wasmSpec(file, tmp.dir);
    try {
      const started = await driver.start(spec);
      served.push(await serve(started.httpHandlers?.get(8080) as never));
      return { spec, error: undefined };
    } catch (err) {
      return { spec, error: err as Error };
    }
  };

  it('refuses host imports when the feature that answers them is not running', async () => {
    const bare = driverWith({ workers: 2 });
    const policy = await start(bare, decideGuest('education/allow', '{}'));
    assert.ok(EdgewiseError.isCode(policy.error, 'EW_INVALID'));
    assert.match(
      policy.error.message,
      /imports edgewise\.policy_decide\/policy_result, which the edge policy feature answers, and it is not running on this agent/,
    );
    assert.equal(bare.status(policy.spec.id)?.reason, 'CreateContainerError');
    const onlyPolicy = driverWith({ workers: 2, hostServices: { policy: new TestPolicyHost({}) } });
    const write = await start(onlyPolicy, writeGuest('s', '{}'));
    assert.match(write.error?.message ?? '', /edgewise\.stream_write, which the streams feature answers/);
    assert.doesNotMatch(write.error?.message ?? '', /policy/);
    assert.equal((await start(onlyPolicy, decideGuest('education/allow', '{}'))).error, undefined);
  });

  it('refuses them with guests on the agent thread (inline isolation)', async () => {
    const inline = driverWith({
      isolation: 'inline',
      hostServices: { policy: new TestPolicyHost({}), streams: new TestStreamHost() },
    });
    const { error } = await start(inline, writeGuest('s', '{}'));
    assert.match(error?.message ?? '', /edgewise\.stream_write, which need guests on worker threads/);
  });

  it('refuses wrong signatures, unknown host functions and the host memory as an import', async () => {
    const d = driverWith({ workers: 2, hostServices: { policy: new TestPolicyHost({}) } });
    const wrong = await start(
      d,
      `(module (import "edgewise" "policy_decide" (func (param i32 i32) (result i64)))
        (memory (export "memory") 1) (func (export "_start")))`,
    );
    assert.match(
      wrong.error?.message ?? '',
      /"edgewise"\."policy_decide" is \(i32, i32\) -> \(i64\), the host's is \(i32, i32, i32, i32, i32\) -> \(i32\)/,
    );
    const streams = driverWith({ workers: 2, hostServices: { streams: new TestStreamHost() } });
    const afterWasi = await start(
      streams,
      `(module ${FD_WRITE}
        (import "edgewise" "stream_write" (func (param i32 i32 i32 i32 i64) (result i32)))
        (memory (export "memory") 1) (func (export "_start")))`,
    );
    assert.match(
      afterWasi.error?.message ?? '',
      /"edgewise"\."stream_write" is \(i32, i32, i32, i32, i64\) -> \(i32\)/,
      'types are matched to imports past the WASI ones',
    );
    const unknown = await start(
      d,
      `(module (import "edgewise" "exec" (func (param i32)))
        (memory (export "memory") 1) (func (export "_start")))`,
    );
    assert.match(
      unknown.error?.message ?? '',
      /imports "edgewise"\."exec" \(function\), which this host does not provide/,
    );
    const memory = await start(
      d,
      `(module ${FD_WRITE} (import "edgewise" "memory" (memory 1)) (func (export "_start")))`,
    );
    assert.match(memory.error?.message ?? '', /"edgewise"\."memory" \(memory\)/);
  });
});
