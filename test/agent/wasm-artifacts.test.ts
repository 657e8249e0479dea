/**
 * The agent's image resolution for Wasm handlers against a real registry handler on
 * loopback standing in for the hub: hub-relative names, pull policies (Kubernetes'
 * plus the offline fallback of Always), unknown tags, tampered content, and images
 * of other handlers left alone.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { createArtifactResolver } from '../../src/agent/artifacts.js';
import { ConfigError } from '../../src/agent/reconciler/env.js';
import { createRegistryHandler, type RegistryHandler } from '../../src/hub/registry/index.js';
import { OciClient } from '../../src/runtime/oci/index.js';
import { tempDir } from '../support/hub.js';
import { type Served, serve, wat } from '../support/wasm.js';
import { staticGuest } from '../support/wasm-guests.js';

const WASM = new Set(['wasmedge', 'spin']);

describe('agent: Wasm image resolution', { timeout: 60_000 }, () => {
  const root = tempDir('edgewise-artifacts-');
  let registry: RegistryHandler;
  let served: Served;
  let up = true;
  /** Authorization headers the "hub" saw. */
  const seen: string[] = [];
  let hubUrl = '';
  let v1: Uint8Array;
  let v2: Uint8Array;
  let pushed1 = '';

  const resolver = (name: string, mirrors?: string[]) =>
    createArtifactResolver({
      cacheDir: path.join(root, name, 'modules'),
      hubUrl,
      credential: 'ewn1.edge-1.secret',
      handlers: WASM,
      logger: pino({ level: 'silent' }),
      timeoutMs: 3000,
      ...(mirrors && { mirrors }),
    });

  before(async () => {
    registry = createRegistryHandler({ root: path.join(root, 'registry') });
    served = await serve((req: IncomingMessage, res: ServerResponse) => {
      seen.push(req.headers.authorization ?? '');
      if (!up) {
        req.socket.destroy();
        return;
      }
      registry(req, res);
    });
    hubUrl = served.url;
    v1 = await wat(staticGuest('content-type: text/plain\n\nv1'));
    v2 = await wat(staticGuest('content-type: text/plain\n\nv2'));
    const pusher = new OciClient({
      cacheDir: path.join(root, 'pusher'),
      defaultRegistry: new URL(hubUrl).host,
    });
    pushed1 = (await pusher.push('tracker:1.0', v1)).digest;
    await pusher.push('tracker:latest', v1);
  });

  after(async () => {
    await served.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("resolves a name without a registry host from the hub's store, with the node's credential", async () => {
    const { resolve } = resolver('a');
    const got = await resolve('tracker:1.0', 'wasmedge', 'IfNotPresent');
    assert.equal(got?.digest, pushed1);
    assert.deepEqual(new Uint8Array(readFileSync(got?.path ?? '')), v1);
    assert.ok(got?.path.startsWith(path.join(root, 'a', 'modules')), 'cached under the agent data dir');
    assert.ok(seen.includes('Bearer ewn1.edge-1.secret'));
    assert.equal(
      await resolve('local/greeter:1', 'process', 'IfNotPresent'),
      undefined,
      'not a Wasm handler',
    );
  });

  it("pulls a mirrored registry's images from the hub's store, others not", async () => {
    const seenBefore = seen.length;
    const { resolve } = resolver('mirror', ['registry.example.com']);
    const got = await resolve('registry.example.com/tracker:1.0', 'wasmedge', 'IfNotPresent');
    assert.equal(got?.digest, pushed1, 'registry.example.com/tracker:1.0 is tracker:1.0 in the hub');
    assert.ok(seen.slice(seenBefore).includes('Bearer ewn1.edge-1.secret'), 'with the node credential');
    const { resolve: unmirrored } = resolver('no-mirror');
    await assert.rejects(
      unmirrored('registry.example.com/tracker:1.0', 'wasmedge', 'IfNotPresent'),
      /registry\.example\.com/,
    );
  });

  it('IfNotPresent uses the cache without asking; Always asks, and falls back to the cache offline', async () => {
    const { resolve } = resolver('b');
    await resolve('tracker:latest', 'spin', 'Always');
    const pusher = new OciClient({
      cacheDir: path.join(root, 'pusher2'),
      defaultRegistry: new URL(hubUrl).host,
    });
    await pusher.push('tracker:1.0', v2);
    await pusher.push('tracker:latest', v2);
    await resolve('tracker:1.0', 'spin', 'IfNotPresent');
    const before = seen.length;
    const cached = await resolve('tracker:1.0', 'spin', 'IfNotPresent');
    assert.equal(seen.length, before, 'no request for a cached reference');
    assert.deepEqual(new Uint8Array(readFileSync(cached?.path ?? '')), v2);
    const always = await resolve('tracker:latest', 'spin', 'Always');
    assert.deepEqual(new Uint8Array(readFileSync(always?.path ?? '')), v2, 'Always re-resolved the tag');

    up = false;
    try {
      const offline = await resolve('tracker:latest', 'spin', 'Always');
      assert.deepEqual(new Uint8Array(readFileSync(offline?.path ?? '')), v2, 'the last module, offline');
      await assert.rejects(
        resolve('never-pulled:1.0', 'spin', 'IfNotPresent'),
        /unreachable and the node has no cached copy/,
      );
    } finally {
      up = true;
    }
  });

  it('Never runs only what is cached', async () => {
    const { resolve } = resolver('c');
    await assert.rejects(resolve('tracker:1.0', 'wasmedge', 'Never'), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.reason, 'ErrImageNeverPull');
      return true;
    });
    await resolve('tracker:1.0', 'wasmedge', 'IfNotPresent');
    assert.ok(await resolve('tracker:1.0', 'wasmedge', 'Never'));
  });

  it('names the image and the store when a tag resolves nowhere, and refuses bad names', async () => {
    const { resolve } = resolver('d');
    await assert.rejects(
      resolve('tracker:9.9', 'wasmedge', 'IfNotPresent'),
      /failed to pull image "tracker:9\.9": not found in the hub's module store/,
    );
    await assert.rejects(resolve('Not A Name', 'wasmedge', 'IfNotPresent'), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.reason, 'InvalidImageName');
      return true;
    });
  });

  it('refuses a module whose bytes do not match their digest', async () => {
    const evil = await wat(staticGuest('content-type: text/plain\n\nevil'));
    const pusher = new OciClient({
      cacheDir: path.join(root, 'pusher3'),
      defaultRegistry: new URL(hubUrl).host,
    });
    const pushed = await pusher.push('tampered:1.0', evil);
    writeFileSync(registry.storage.blobPath(pushed.digest), v1);
    const { resolve } = resolver('e');
    await assert.rejects(
      resolve('tampered:1.0', 'wasmedge', 'IfNotPresent'),
      /failed to pull image "tampered:1\.0": content does not match its digest/,
    );
  });
});
