/**
 * The hub's module store behind the hub's authentication: the admin pushes, nodes
 * pull but may not push, registry clients' Basic login works with a token as the
 * password, anonymous callers get a challenge; the Wasm RuntimeClasses exist.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { EdgewiseError } from '../../../src/api/errors.js';
import { runtimeClassType } from '../../../src/api/kinds/edge.js';
import { createHub, type Hub, type ListeningHub, listenHub } from '../../../src/hub/hub.js';
import { moduleStoreFeature } from '../../../src/hub/modules/index.js';
import { OciClient } from '../../../src/runtime/oci/index.js';
import { tempDir } from '../../support/hub.js';
import { wat } from '../../support/wasm.js';
import { staticGuest } from '../../support/wasm-guests.js';

function get(
  url: string,
  ca: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { ca, headers, method }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe("the hub's module store (/v2/ behind the hub's auth)", { timeout: 60_000 }, () => {
  const dataDir = tempDir('edgewise-modules-');
  let hub: Hub;
  let served: ListeningHub;
  let ca = '';
  let admin = '';
  let nodeCredential = '';
  let host = '';
  let module: Uint8Array;

  const client = (authorization: string) =>
    new OciClient({
      cacheDir: path.join(dataDir, `cache-${authorization.length}-${Math.random()}`),
      defaultRegistry: host,
      endpoints: { [host]: { url: served.url, ca, authorization } },
    });

  before(async () => {
    // An operator's own definition of one of the names, made before the feature existed, must survive.
    const plain = await createHub({ dataDir, logger: pino({ level: 'silent' }), controllers: false });
    await plain.service.create(runtimeClassType, '', {
      apiVersion: 'node.k8s.io/v1',
      kind: 'RuntimeClass',
      metadata: { name: 'spin' },
      handler: 'spin',
      scheduling: { nodeSelector: { 'edgewise.io/spin': 'true' } },
    });
    await plain.close();
    hub = await createHub({
      dataDir,
      logger: pino({ level: 'silent' }),
      controllers: false,
      features: [moduleStoreFeature()],
    });
    served = await listenHub(hub, { host: '127.0.0.1', port: 0 });
    ca = hub.security?.pki.caPem ?? '';
    admin = hub.security?.adminToken ?? '';
    nodeCredential = (await hub.security?.credentials.issue('edge-1', 'machine-1')) ?? '';
    host = new URL(served.url).host;
    module = await wat(staticGuest('content-type: text/plain\n\nfrom the hub'));
  });

  after(async () => {
    await served.close();
    await hub.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('challenges anonymous registry clients and takes Basic with a token as the password', async () => {
    const anonymous = await get(`${served.url}/v2/`, ca);
    assert.equal(anonymous.status, 401);
    assert.match(String(anonymous.headers['www-authenticate']), /^Basic realm=/);
    const login = await get(`${served.url}/v2/`, ca, { authorization: basic('anyone', admin) });
    assert.equal(login.status, 200);
    assert.equal(login.headers['docker-distribution-api-version'], 'registry/2.0');
    const wrong = await get(`${served.url}/v2/`, ca, { authorization: basic('anyone', 'not-a-token') });
    assert.equal(wrong.status, 401);
  });

  it('lets the admin push and a node pull, over HTTPS with the hub CA', async () => {
    const pushed = await client(`Bearer ${admin}`).push('edge/tracker:1.0', module);
    const pulled = await client(`Bearer ${nodeCredential}`).pull('edge/tracker:1.0');
    assert.equal(pulled.digest, pushed.digest);
    assert.equal(pulled.fromCache, false);
    assert.deepEqual(new Uint8Array(readFileSync(pulled.path)), module);
    assert.ok(readFileSync(path.join(dataDir, 'registry', 'blobs', 'sha256', pushed.digest.slice(7))));
  });

  it('refuses pushes with a node credential and pulls with a bad one', async () => {
    await assert.rejects(
      client(`Bearer ${nodeCredential}`).push('edge/evil:1.0', module),
      (err: unknown) =>
        EdgewiseError.isCode(err, 'EW_FORBIDDEN') && /refused the credential/.test(String(err)),
    );
    await assert.rejects(client('Bearer ewn1.edge-1.forged').pull('edge/tracker:1.0'), (err: unknown) =>
      EdgewiseError.isCode(err, 'EW_UNAUTHORIZED'),
    );
    const catalog = await get(`${served.url}/v2/_catalog`, ca, { authorization: `Bearer ${admin}` });
    assert.deepEqual(JSON.parse(catalog.body).repositories, ['edge/tracker']);
  });

  it('keeps node credentials off the resource API', async () => {
    const pods = await get(`${served.url}/api/v1/pods`, ca, { authorization: `Bearer ${nodeCredential}` });
    assert.equal(pods.status, 403);
  });

  it('refuses a hub CA it does not know', async () => {
    const other = new OciClient({
      cacheDir: path.join(dataDir, 'cache-other'),
      defaultRegistry: host,
      endpoints: { [host]: { url: served.url, authorization: `Bearer ${admin}` } },
    });
    await assert.rejects(other.pull('edge/tracker:1.0'), (err: unknown) =>
      EdgewiseError.isCode(err, 'EW_UNAVAILABLE'),
    );
  });

  it('creates the Wasm RuntimeClasses, leaving an existing one as it was', async () => {
    for (const name of ['wasmedge', 'wasm', 'wasmtime']) {
      const rc = await hub.service.get(runtimeClassType, '', name);
      assert.equal(rc.handler, name);
    }
    const spin = await hub.service.get(runtimeClassType, '', 'spin');
    assert.deepEqual((spin.scheduling as { nodeSelector: unknown }).nodeSelector, {
      'edgewise.io/spin': 'true',
    });
  });
});
