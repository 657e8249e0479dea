import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EdgewiseError } from '../../../src/api/errors.js';
import type { HttpHandler, WorkloadStatus } from '../../../src/runtime/driver.js';
import { WASM_HANDLERS, WasmDriver } from '../../../src/runtime/wasm/driver.js';
import { sha256Digest } from '../../../src/runtime/wasm/module/cache.js';
import { INSUFFICIENT_HEADERS } from '../../../src/runtime/wasm/wagi/response.js';
import { request, type Served, serve, tempDir, wasmSpec, wat, writeModule } from '../../support/wasm.js';
import {
  bigResponseGuest,
  COUNTER_GUEST,
  ECHO_GUEST,
  EMPTY_GUEST,
  EXIT_GUEST,
  GARBAGE_GUEST,
  INFINITE_LOOP_GUEST,
  MEMORY_BOMB_GUEST,
  NO_START_GUEST,
  openProbeGuest,
  ROUTES_GUEST,
  STDERR_GUEST,
  staticGuest,
  UNKNOWN_IMPORT_GUEST,
} from '../../support/wasm-guests.js';

const MiB = 1024 * 1024;

describe('WasmDriver', () => {
  const tmp = tempDir();
  const driver = new WasmDriver({ workers: 2, requestTimeoutMs: 5000 });
  const served: Served[] = [];
  let helloUrl = '';

  async function deploy(source: string, overrides: Parameters<typeof wasmSpec>[2] = {}) {
    const file = writeModule(tmp.dir, `m-${Math.random().toString(36).slice(2)}.wasm`, await wat(source));
    const spec = wasmSpec(file, tmp.dir, overrides);
    const started = await driver.start(spec);
    const handler = started.httpHandlers?.get(8080) as HttpHandler;
    const s = await serve(handler);
    served.push(s);
    return { spec, url: s.url, started };
  }

  before(async () => {
    helloUrl = (await deploy(staticGuest('Content-Type: text/plain\n\nhello\n'))).url;
  });

  after(async () => {
    for (const s of served) await s.close();
    await driver.close();
    tmp.remove();
  });

  /** Every bad-input test ends by checking that an unrelated workload still answers. */
  async function othersStillServed(): Promise<void> {
    const res = await request(`${helloUrl}/`);
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'hello\n');
  }

  it('serves the four handler aliases with the same host', async () => {
    assert.deepEqual((await driver.capabilities()).handlers, [...WASM_HANDLERS]);
    for (const handler of WASM_HANDLERS) {
      const { url } = await deploy(staticGuest('content-type: text/plain\n\nalias'), { handler });
      assert.equal((await request(url)).body.toString(), 'alias');
    }
    await assert.rejects(
      deploy(staticGuest('content-type: text/plain\n\nx'), { handler: 'runc' }),
      (err: unknown) => EdgewiseError.isCode(err, 'EW_INVALID') && /runc/.test(err.message),
    );
  });

  it('passes argv, CGI environment and body to the guest (WAGI contract)', async () => {
    const { url } = await deploy(ECHO_GUEST, { env: { SITE: 'store-7', REQUEST_METHOD: 'shadowed' } });
    const res = await request(`${url}/track/PO%201234?verbose=1&x=a%20b`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-trace': 't-1',
        authorization: 'secret',
        host: 'edge.local:9000',
      },
      body: '{"po":"PO-1"}',
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/octet-stream');
    const [argBlock, envBlock, stdin] = res.body.toString('utf8').split('\u0001');
    assert.deepEqual(argBlock?.split('\0').slice(0, -1), ['/track/PO%201234', 'verbose=1', 'x=a%20b']);
    const env = Object.fromEntries(
      (envBlock ?? '')
        .split('\0')
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    assert.equal(env.REQUEST_METHOD, 'POST');
    assert.equal(env.PATH_INFO, '/track/PO 1234');
    assert.equal(env.X_RAW_PATH_INFO, '/track/PO%201234');
    assert.equal(env.QUERY_STRING, 'verbose=1&x=a%20b');
    assert.equal(env.CONTENT_TYPE, 'application/json');
    assert.equal(env.CONTENT_LENGTH, '13');
    assert.equal(env.SERVER_NAME, 'edge.local');
    assert.equal(env.SERVER_PORT, '9000');
    assert.equal(env.SCRIPT_NAME, '/');
    assert.equal(env.X_MATCHED_ROUTE, '/...');
    assert.equal(env.X_FULL_URL, 'http://edge.local:9000/track/PO%201234?verbose=1&x=a%20b');
    assert.equal(env.GATEWAY_INTERFACE, 'CGI/1.1');
    assert.equal(env.SERVER_SOFTWARE, 'WAGI/1');
    assert.equal(env.SERVER_PROTOCOL, 'HTTP/1.1');
    assert.equal(env.HTTP_X_TRACE, 't-1');
    assert.equal(env.HTTP_AUTHORIZATION, undefined, 'credentials are not passed to guests');
    assert.equal(env.REMOTE_ADDR, '127.0.0.1');
    assert.equal(env.SITE, 'store-7', 'workload env is visible');
    assert.equal(stdin, '{"po":"PO-1"}');
  });

  it('gives every request a fresh instance: no state leaks between requests', async () => {
    const { url } = await deploy(COUNTER_GUEST);
    const bodies = await Promise.all(
      Array.from({ length: 20 }, () => request(url).then((r) => r.body.toString())),
    );
    assert.deepEqual(new Set(bodies), new Set(['1BA']));
  });

  it('compiles a module once per digest and memory limit, shared by workloads', async () => {
    const bytes = await wat(staticGuest('content-type: text/plain\n\nshared'));
    const before = driver.modules.size;
    const a = writeModule(tmp.dir, 'shared-a.wasm', bytes);
    const b = writeModule(tmp.dir, 'shared-b.wasm', bytes);
    const specA = wasmSpec(a, tmp.dir);
    const specB = wasmSpec(b, tmp.dir);
    await driver.start(specA);
    await driver.start(specB);
    assert.equal(driver.modules.size, before + 1);
    await driver.stop(specA.id);
    assert.equal(driver.modules.size, before + 1, 'still used by B');
    await driver.stop(specB.id);
    assert.equal(driver.modules.size, before);
  });

  it('turns CGI headers into the response: Status, Location → 302, extra headers', async () => {
    const created = await deploy(
      staticGuest('Status: 201 Created\nContent-Type: application/json\nX-Site: s1\n\n{}'),
    );
    const r1 = await request(created.url);
    assert.equal(r1.status, 201);
    assert.equal(r1.headers['x-site'], 's1');
    assert.equal(r1.body.toString(), '{}');
    const moved = await deploy(staticGuest('Location: /elsewhere\r\n\r\n'));
    const r2 = await request(moved.url);
    assert.equal(r2.status, 302);
    assert.equal(r2.headers.location, '/elsewhere');
  });

  it('answers garbage or empty stdout with the error WAGI gives', async () => {
    for (const guest of [GARBAGE_GUEST, EMPTY_GUEST]) {
      const { url } = await deploy(guest);
      const res = await request(url);
      assert.equal(res.status, 500);
      assert.equal(res.body.toString().trim(), INSUFFICIENT_HEADERS);
    }
    const badStatus = await deploy(staticGuest('Status: two hundred\n\n'));
    assert.equal((await request(badStatus.url)).status, 502);
    await othersStillServed();
  });

  it('fails a request whose guest exits non-zero', async () => {
    const { url, spec } = await deploy(EXIT_GUEST);
    assert.equal((await request(url)).status, 500);
    const lines = [];
    for await (const l of driver.logs(spec.id)) lines.push(l.line);
    assert.ok(
      lines.some((l) => /exited with code 3/.test(l)),
      lines.join('\n'),
    );
  });

  it('rejects not-Wasm bytes, unknown imports and a missing _start at start', async () => {
    const notWasm = writeModule(tmp.dir, 'not.wasm', Buffer.from('#!/bin/sh\necho hello\n'));
    const spec = wasmSpec(notWasm, tmp.dir);
    await assert.rejects(driver.start(spec), /is not a WebAssembly module/);
    assert.equal(driver.status(spec.id)?.reason, 'CreateContainerError');
    await driver.stop(spec.id);
    assert.equal(driver.status(spec.id), undefined);

    await assert.rejects(deploy(UNKNOWN_IMPORT_GUEST), (err: unknown) => {
      assert.ok(EdgewiseError.isCode(err, 'EW_INVALID'));
      assert.match(err.message, /"env"\."abort" \(function\)/);
      assert.doesNotMatch(err.message, /fd_write/);
      return true;
    });
    await assert.rejects(deploy(NO_START_GUEST), /does not export "_start"/);
    await othersStillServed();
  });

  it('refuses a module whose digest does not match', async () => {
    const file = writeModule(tmp.dir, 'digest.wasm', await wat(EMPTY_GUEST));
    const wrong = `sha256:${'0'.repeat(64)}`;
    const spec = wasmSpec(file, tmp.dir, { artifactDigest: wrong });
    await assert.rejects(
      driver.start(spec),
      (err: unknown) => EdgewiseError.is(err) && /expected sha256:0000/.test(err.message),
    );
    assert.equal(driver.status(spec.id)?.reason, 'ErrImagePull');
    const ok = wasmSpec(file, tmp.dir, { artifactDigest: sha256Digest(readFileSync(file)) });
    assert.equal((await driver.start(ok)).status.state, 'running');
    await othersStillServed();
  });

  it('caps the response size: a 50 MB response fails that request only', async () => {
    const { url } = await deploy(bigResponseGuest(50));
    const before = process.memoryUsage().rss;
    const res = await request(url);
    assert.equal(res.status, 502);
    assert.match(res.body.toString(), /more than 16777216 bytes to stdout/);
    assert.ok(process.memoryUsage().rss - before < 40 * MiB, 'the main thread never held 50 MB');
    const small = await deploy(bigResponseGuest(2));
    const ok = await request(small.url);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.length, 2 * MiB);
    await othersStillServed();
  });

  it('caps linear memory: a memory bomb fails its request at the limit', async () => {
    const { url, spec } = await deploy(MEMORY_BOMB_GUEST, { limits: { memoryBytes: 32 * MiB } });
    const res = await request(url);
    assert.equal(res.status, 500);
    const lines: string[] = [];
    for await (const l of driver.logs(spec.id)) lines.push(l.line);
    assert.ok(
      lines.some((l) => l.includes(`of ${32 * MiB} bytes, at its limit`)),
      lines.join('\n'),
    );
    await assert.rejects(
      deploy(`(module (memory (export "memory") 1024) (func (export "_start")))`, {
        limits: { memoryBytes: 32 * MiB },
      }),
      /needs 65536 KiB of memory at start/,
    );
    await othersStillServed();
  });

  it('stops an infinite loop at its budget while other workloads keep answering', async () => {
    const looping = await deploy(INFINITE_LOOP_GUEST, { limits: { cpuMillis: 10 } });
    const stuck = request(looping.url);
    // While the guest spins, other requests are served by the other worker.
    for (let i = 0; i < 5; i++) await othersStillServed();
    const res = await stuck;
    assert.equal(res.status, 504);
    assert.match(res.body.toString(), /longer than 100 ms/);
    await othersStillServed();
  });

  it('keeps guests inside their preopens', async () => {
    const root = path.join(tmp.dir, 'volume');
    mkdirSync(path.join(root, 'data'), { recursive: true });
    writeFileSync(path.join(root, 'outside.txt'), 'secret');
    writeFileSync(path.join(root, 'data', 'inside.txt'), 'fine');
    const mounts = [{ hostPath: path.join(root, 'data'), guestPath: '/data', readOnly: true }];
    const probe = async (target: string) => {
      const { url } = await deploy(openProbeGuest(target), { mounts });
      return (await request(url)).body.toString();
    };
    assert.equal(await probe('inside.txt'), '00');
    assert.equal(await probe('../outside.txt'), '76', 'ENOTCAPABLE');
    assert.equal(await probe('/etc/passwd'), '76');
    await othersStillServed();
  });

  it('calls _routes once and dispatches sub-routes to their exports', async () => {
    const { url } = await deploy(ROUTES_GUEST);
    assert.equal((await request(`${url}/hello`)).body.toString(), 'hello');
    assert.equal((await request(`${url}/goodbye/a/b`)).body.toString(), 'goodbye');
    assert.equal((await request(`${url}/other`)).body.toString(), 'main');
  });

  it('keeps the guest stderr as logs: ring, file, tail and follow', async () => {
    const { url, spec } = await deploy(STDERR_GUEST);
    const ac = new AbortController();
    const followed: string[] = [];
    const follower = (async () => {
      for await (const l of driver.logs(spec.id, { follow: true, signal: ac.signal })) {
        followed.push(l.line);
        if (followed.length === 4) ac.abort();
      }
    })();
    await request(url);
    await request(url);
    await follower;
    assert.deepEqual(followed, ['line one', 'line two', 'line one', 'line two']);
    const tail: string[] = [];
    for await (const l of driver.logs(spec.id, { tail: 1 })) tail.push(l.line);
    assert.deepEqual(tail, ['line two']);
    await driver.stop(spec.id);
    const file = readFileSync(path.join(spec.logDir, 'wasm.log'), 'utf8');
    assert.equal(file.match(/ stderr line one/g)?.length, 2);
  });

  it('reports status changes and is idempotent per spec id', async () => {
    const file = writeModule(tmp.dir, 'status.wasm', await wat(EMPTY_GUEST));
    const spec = wasmSpec(file, tmp.dir);
    const seen: Array<[string, WorkloadStatus]> = [];
    driver.onStatusChange((id, status) => {
      if (id === spec.id) seen.push([id, status]);
    });
    const first = await driver.start(spec);
    const again = await driver.start(spec);
    assert.equal(first.httpHandlers, again.httpHandlers, 'same workload, same handlers');
    assert.equal(driver.status(spec.id)?.ready, true);
    await driver.stop(spec.id);
    await driver.stop(spec.id);
    assert.deepEqual(
      seen.map(([, s]) => s.state),
      ['running', 'terminated'],
    );
    assert.equal(driver.status(spec.id), undefined);
  });

  it('answers a stopped workload with 503 and rejects oversized bodies with 413', async () => {
    const small = new WasmDriver({ isolation: 'inline', maxRequestBytes: 10 });
    const file = writeModule(tmp.dir, 'small.wasm', await wat(ECHO_GUEST));
    const spec = wasmSpec(file, tmp.dir);
    const started = await small.start(spec);
    const s = await serve(started.httpHandlers?.get(8080) as HttpHandler);
    served.push(s);
    assert.equal((await request(s.url, { method: 'POST', body: 'x'.repeat(11) })).status, 413);
    assert.equal((await request(s.url, { method: 'POST', body: 'x'.repeat(10) })).status, 200);
    await small.close();
    assert.equal((await request(s.url)).status, 503);
  });
});
