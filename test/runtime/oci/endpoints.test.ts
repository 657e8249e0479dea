/**
 * Per-registry endpoints: a base URL that wins over the host name, a preset
 * Authorization sent with every request (and a refusal of it reported at once),
 * and an injected fetch.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EdgewiseError } from '../../../src/api/errors.js';
import { createRegistryHandler } from '../../../src/hub/registry/index.js';
import { OciClient } from '../../../src/runtime/oci/index.js';
import { type Served, serve, tempDir, wat } from '../../support/wasm.js';
import { staticGuest } from '../../support/wasm-guests.js';

describe('OCI client: registry endpoints', () => {
  const tmp = tempDir('edgewise-oci-endpoints-');
  let served: Served;
  const seen: { url: string; authorization: string }[] = [];
  let module: Uint8Array;

  before(async () => {
    const registry = createRegistryHandler({ root: path.join(tmp.dir, 'store') });
    served = await serve((req: IncomingMessage, res: ServerResponse) => {
      const authorization = req.headers.authorization ?? '';
      seen.push({ url: req.url ?? '', authorization });
      if (authorization !== 'Bearer good') {
        res.writeHead(authorization ? 403 : 401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'DENIED', message: 'no' }] }));
        return;
      }
      registry(req, res);
    });
    module = await wat(staticGuest('content-type: text/plain\n\nhi'));
  });
  after(async () => {
    await served.close();
    tmp.remove();
  });

  const client = (authorization: string, extra: Partial<ConstructorParameters<typeof OciClient>[0]> = {}) =>
    new OciClient({
      cacheDir: path.join(tmp.dir, `cache-${Math.random()}`),
      defaultRegistry: 'modules.example',
      // The name pods use is not where the registry is: the endpoint says where.
      endpoints: { 'modules.example': { url: served.url, authorization } },
      ...extra,
    });

  it('sends the preset Authorization to the endpoint URL, with no challenge round trip', async () => {
    seen.length = 0;
    const pushed = await client('Bearer good').push('app:1', module);
    const pulled = await client('Bearer good').pull('app:1');
    assert.equal(pulled.digest, pushed.digest);
    assert.ok(seen.length > 0 && seen.every((s) => s.authorization === 'Bearer good'));
  });

  it('reports a refused preset credential as such, not as an unreachable registry', async () => {
    await assert.rejects(client('Bearer bad').pull('app:1'), (err: unknown) => {
      assert.ok(EdgewiseError.isCode(err, 'EW_FORBIDDEN'));
      assert.match((err as Error).message, /refused the credential.*DENIED/);
      return true;
    });
  });

  it('uses an injected fetch for registries without their own CA', async () => {
    let calls = 0;
    const counted = client('Bearer good', {
      fetch: (url, init) => {
        calls++;
        return fetch(url, init);
      },
    });
    await counted.pull('app:1');
    assert.ok(calls > 0);
  });
});
