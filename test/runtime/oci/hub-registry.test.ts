import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRegistryHandler } from '../../../src/hub/registry/index.js';
import { OCI_MANIFEST } from '../../../src/runtime/oci/index.js';
import { descriptor, digest, json } from '../../support/oci-images.js';
import { request, type Served, serve, tempDir } from '../../support/wasm.js';

describe('hub registry handler (OCI Distribution subset)', () => {
  const tmp = tempDir('edgewise-hubreg-');
  let served: Served;
  let url = '';
  before(async () => {
    served = await serve(
      createRegistryHandler({ root: path.join(tmp.dir, 'store'), maxManifestBytes: 4096 }),
    );
    url = served.url;
  });
  after(async () => {
    await served.close();
    tmp.remove();
  });

  it('answers the API version check', async () => {
    const res = await request(`${url}/v2/`);
    assert.equal(res.status, 200);
    assert.equal(res.headers['docker-distribution-api-version'], 'registry/2.0');
  });

  it('takes a chunked upload (POST, PATCH, PATCH, PUT) and serves the blob', async () => {
    const start = await request(`${url}/v2/a/b/blobs/uploads/`, { method: 'POST' });
    assert.equal(start.status, 202);
    const location = start.headers.location as string;
    const p1 = await request(`${url}${location}`, { method: 'PATCH', body: 'hello ' });
    assert.equal(p1.headers.range, '0-5');
    await request(`${url}${location}`, { method: 'PATCH', body: 'world' });
    const d = digest(Buffer.from('hello world'));
    const wrong = await request(`${url}${location}?digest=${digest(Buffer.from('x'))}`, { method: 'PUT' });
    assert.equal(wrong.status, 400);
    assert.match(wrong.body.toString(), /DIGEST_INVALID/);
    const done = await request(`${url}${location}?digest=${d}`, { method: 'PUT' });
    assert.equal(done.status, 201);
    assert.equal(done.headers['docker-content-digest'], d);
    const blob = await request(`${url}/v2/a/b/blobs/${d}`);
    assert.equal(blob.body.toString(), 'hello world');
    const head = await request(`${url}/v2/a/b/blobs/${d}`, { method: 'HEAD' });
    assert.equal(head.headers['content-length'], '11');
    assert.equal(
      (await request(`${url}${location}`, { method: 'PATCH', body: 'x' })).status,
      404,
      'upload is finished',
    );
  });

  it('takes a monolithic POST ?digest= upload', async () => {
    const body = Buffer.from('{"architecture":"wasm"}');
    const res = await request(`${url}/v2/a/b/blobs/uploads/?digest=${digest(body)}`, {
      method: 'POST',
      body,
    });
    assert.equal(res.status, 201);
    assert.equal((await request(`${url}/v2/a/b/blobs/${digest(body)}`)).status, 200);
  });

  it('stores manifests by tag and digest, lists tags and the catalog', async () => {
    const config = Buffer.from('{"architecture":"wasm"}');
    const layer = Buffer.from('hello world');
    const manifest = json({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: descriptor('application/vnd.wasm.config.v0+json', config),
      layers: [descriptor('application/wasm', layer)],
    });
    const put = await request(`${url}/v2/a/b/manifests/v1`, {
      method: 'PUT',
      headers: { 'content-type': OCI_MANIFEST },
      body: manifest,
    });
    assert.equal(put.status, 201);
    assert.equal(put.headers['docker-content-digest'], digest(manifest));
    for (const ref of ['v1', digest(manifest)]) {
      const got = await request(`${url}/v2/a/b/manifests/${ref}`);
      assert.equal(got.status, 200);
      assert.equal(got.headers['content-type'], OCI_MANIFEST);
      assert.deepEqual(got.body, manifest);
    }
    assert.deepEqual(JSON.parse((await request(`${url}/v2/a/b/tags/list`)).body.toString()), {
      name: 'a/b',
      tags: ['v1'],
    });
    assert.deepEqual(JSON.parse((await request(`${url}/v2/_catalog`)).body.toString()).repositories, ['a/b']);
    assert.equal(
      (await request(`${url}/v2/other/manifests/${digest(manifest)}`)).status,
      404,
      'manifests belong to a repository',
    );
  });

  it('rejects manifests naming missing blobs, bad names and oversized bodies', async () => {
    const orphan = json({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: descriptor('application/vnd.wasm.config.v0+json', Buffer.from('missing')),
      layers: [],
    });
    const res = await request(`${url}/v2/a/b/manifests/v2`, {
      method: 'PUT',
      headers: { 'content-type': OCI_MANIFEST },
      body: orphan,
    });
    assert.equal(res.status, 400);
    assert.equal(JSON.parse(res.body.toString()).errors[0].code, 'MANIFEST_BLOB_UNKNOWN');
    assert.equal((await request(`${url}/v2/a/b/manifests/nope`)).status, 404);
    assert.equal((await request(`${url}/v2/Bad_Name/tags/list`)).status, 404);
    const huge = await request(`${url}/v2/a/b/manifests/v3`, {
      method: 'PUT',
      headers: { 'content-type': OCI_MANIFEST },
      body: Buffer.alloc(10_000, 32),
    });
    assert.equal(huge.status, 413);
    assert.equal((await request(`${url}/v2/a/b/blobs/sha256:abc`)).status, 400);
  });
});
