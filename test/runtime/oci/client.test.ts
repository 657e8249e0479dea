import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EdgewiseError } from '../../../src/api/errors.js';
import { createRegistryHandler, type RegistryHandler } from '../../../src/hub/registry/index.js';
import type { HttpHandler } from '../../../src/runtime/driver.js';
import {
  DOCKER_IMAGE_CONFIG,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  OCI_IMAGE_CONFIG,
  OCI_MANIFEST,
  OciClient,
} from '../../../src/runtime/oci/index.js';
import { WasmDriver } from '../../../src/runtime/wasm/driver.js';
import { freePort } from '../../support/fleet.js';
import { descriptor, digest, gzipTar, json, tar } from '../../support/oci-images.js';
import { dockerRegistryOrSkip, startDockerRegistry } from '../../support/registry.js';
import { request, serve, tempDir, wasmSpec, wat } from '../../support/wasm.js';
import { staticGuest } from '../../support/wasm-guests.js';

interface Target {
  host: string;
  stop(): Promise<void>;
  /** The hub handler, when the target is ours (for corruption tests). */
  hub?: RegistryHandler;
}

/** The same behaviour, checked against Debian's docker-registry and the hub's handler. */
function registrySuite(name: string, startTarget: (dir: string) => Promise<Target>, skip?: string): void {
  describe(`OCI client against ${name}`, { skip }, () => {
    const tmp = tempDir('edgewise-oci-');
    let target: Target;
    let client: OciClient;
    let moduleV1: Uint8Array;
    let moduleV2: Uint8Array;

    before(async () => {
      target = await startTarget(tmp.dir);
      client = new OciClient({ cacheDir: path.join(tmp.dir, 'cache') });
      moduleV1 = await wat(staticGuest('content-type: text/plain\n\nversion one'));
      moduleV2 = await wat(staticGuest('content-type: text/plain\n\nversion two'));
    });
    after(async () => {
      await target.stop();
      tmp.remove();
    });

    it('pushes a CNCF Wasm artifact and pulls it by tag and by digest', async () => {
      const pushed = await client.push(`${target.host}/edge/tracker:1.0`, moduleV1);
      assert.equal(pushed.digest, digest(moduleV1));
      const byTag = await client.pull(`${target.host}/edge/tracker:1.0`);
      assert.equal(byTag.layout, 'wasm-artifact');
      assert.equal(byTag.digest, digest(moduleV1));
      assert.equal(byTag.manifestDigest, pushed.manifestDigest);
      assert.equal(byTag.fromCache, false);
      assert.deepEqual(new Uint8Array(readFileSync(byTag.path)), moduleV1);
      const byDigest = await client.pull(`${target.host}/edge/tracker@${pushed.manifestDigest}`);
      assert.equal(byDigest.path, byTag.path, 'content-addressed: one file per module');

      // The pulled module runs as-is in the Wasm driver, digest checked.
      const driver = new WasmDriver({ isolation: 'inline' });
      const started = await driver.start(
        wasmSpec(byTag.path, tmp.dir, {
          artifactDigest: byTag.digest,
          image: `${target.host}/edge/tracker:1.0`,
        }),
      );
      const s = await serve(started.httpHandlers?.get(8080) as HttpHandler);
      assert.equal((await request(s.url)).body.toString(), 'version one');
      await s.close();
      await driver.close();
    });

    it('pulls the module out of a scratch image (gzip tar layers, Entrypoint file)', async () => {
      const ref = client.parse(`${target.host}/edu/platform:latest`);
      const lower = gzipTar({ 'app.wasm': moduleV1, 'config.json': '{"old":true}' });
      const upper = gzipTar({ './app.wasm': moduleV2 });
      const config = json({
        architecture: 'amd64',
        os: 'linux',
        config: { Entrypoint: ['/app.wasm'] },
        rootfs: {},
      });
      for (const blob of [lower, upper, config]) await client.pushBlob(ref, blob);
      const manifest = json({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: descriptor(OCI_IMAGE_CONFIG, config),
        layers: [
          descriptor('application/vnd.oci.image.layer.v1.tar+gzip', lower),
          descriptor('application/vnd.oci.image.layer.v1.tar+gzip', upper),
        ],
      });
      await client.pushManifest(ref, 'latest', manifest, OCI_MANIFEST);
      const pulled = await client.pull(`${target.host}/edu/platform`);
      assert.equal(pulled.layout, 'image');
      assert.equal(pulled.digest, digest(moduleV2), 'the top layer wins');
    });

    it('negotiates Docker schema 2 and picks the wasm platform from a manifest list', async () => {
      const ref = client.parse(`${target.host}/retail/pos:2`);
      const layer = gzipTar({ 'app.wasm': moduleV1 });
      const config = json({ config: { Entrypoint: ['/app.wasm'] } });
      const wasmLayer = tar({ 'app.wasm': moduleV2 });
      const wasmConfig = json({ config: { Entrypoint: ['app.wasm'] } });
      for (const blob of [layer, config, wasmLayer, wasmConfig]) await client.pushBlob(ref, blob);
      const linux = json({
        schemaVersion: 2,
        mediaType: DOCKER_MANIFEST,
        config: descriptor(DOCKER_IMAGE_CONFIG, config),
        layers: [descriptor('application/vnd.docker.image.rootfs.diff.tar.gzip', layer)],
      });
      const wasi = json({
        schemaVersion: 2,
        mediaType: DOCKER_MANIFEST,
        config: descriptor(DOCKER_IMAGE_CONFIG, wasmConfig),
        layers: [descriptor('application/vnd.docker.image.rootfs.diff.tar', wasmLayer)],
      });
      const linuxDigest = await client.pushManifest(ref, digest(linux), linux, DOCKER_MANIFEST);
      const wasiDigest = await client.pushManifest(ref, digest(wasi), wasi, DOCKER_MANIFEST);
      const list = json({
        schemaVersion: 2,
        mediaType: DOCKER_MANIFEST_LIST,
        manifests: [
          {
            mediaType: DOCKER_MANIFEST,
            digest: linuxDigest,
            size: linux.length,
            platform: { architecture: 'amd64', os: 'linux' },
          },
          {
            mediaType: DOCKER_MANIFEST,
            digest: wasiDigest,
            size: wasi.length,
            platform: { architecture: 'wasm', os: 'wasip1' },
          },
        ],
      });
      await client.pushManifest(ref, '2', list, DOCKER_MANIFEST_LIST);
      const pulled = await client.pull(`${target.host}/retail/pos:2`);
      assert.equal(pulled.digest, digest(moduleV2));
      assert.equal(pulled.manifestDigest, wasiDigest);
    });

    it('says clearly when a tag or a registry does not exist', async () => {
      await assert.rejects(client.pull(`${target.host}/edge/tracker:9.9`), (err: unknown) => {
        assert.ok(EdgewiseError.isCode(err, 'EW_NOT_FOUND'), String(err));
        assert.match(err.message, /edge\/tracker:9\.9 not found/);
        return true;
      });
      const closed = await freePort();
      await assert.rejects(client.pull(`127.0.0.1:${closed}/edge/tracker:1.0`), (err: unknown) => {
        assert.ok(EdgewiseError.isCode(err, 'EW_UNAVAILABLE'), String(err));
        assert.match(err.message, new RegExp(`registry 127\\.0\\.0\\.1:${closed} is unreachable`));
        return true;
      });
    });

    it('serves cached modules when the registry is gone (node restarted offline)', async () => {
      await client.pull(`${target.host}/edge/tracker:1.0`);
      await target.stop();
      const restarted = new OciClient({ cacheDir: path.join(tmp.dir, 'cache'), timeoutMs: 2000 });
      const pulled = await restarted.pull(`${target.host}/edge/tracker:1.0`);
      assert.equal(pulled.fromCache, true);
      assert.equal(pulled.digest, digest(moduleV1));
      await assert.rejects(restarted.pull(`${target.host}/edge/never-pulled:1`), (err: unknown) =>
        EdgewiseError.isCode(err, 'EW_UNAVAILABLE'),
      );
    });
  });
}

async function startHub(dir: string): Promise<Target> {
  const hub = createRegistryHandler({ root: path.join(dir, 'hub-store') });
  const served = await serve(hub);
  return { host: served.url.replace('http://', ''), stop: () => served.close(), hub };
}

registrySuite(
  'Debian docker-registry on loopback',
  async (dir) => startDockerRegistry(dir),
  dockerRegistryOrSkip(),
);
registrySuite('the hub registry handler', startHub);

describe('OCI client digest verification', () => {
  it('refuses a blob whose bytes do not match its digest', async () => {
    const tmp = tempDir('edgewise-oci-');
    const target = await startHub(tmp.dir);
    try {
      const client = new OciClient({ cacheDir: path.join(tmp.dir, 'cache') });
      const module = await wat(staticGuest('content-type: text/plain\n\nx'));
      await client.push(`${target.host}/bad/module:1`, module);
      // Corrupt the stored layer behind the registry's back.
      writeFileSync(target.hub?.storage.blobPath(digest(module)) as string, Buffer.from('tampered'));
      await assert.rejects(client.pull(`${target.host}/bad/module:1`), (err: unknown) => {
        assert.ok(EdgewiseError.isCode(err, 'EW_INVALID'));
        assert.match(err.message, /digest mismatch/);
        assert.equal(err.details?.causes?.[0]?.reason, 'DigestMismatch');
        return true;
      });
    } finally {
      await target.stop();
      tmp.remove();
    }
  });
});
