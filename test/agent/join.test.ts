/** The agent's side of joining: its machine id, and refusing hubs it cannot authenticate. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { joinHub, loadOrCreateMachineId } from '../../src/agent/join.js';
import { EdgewiseError } from '../../src/api/errors.js';
import { formatJoinToken } from '../../src/api/join.js';
import { ensureHubPki, type HubPki } from '../../src/hub/pki/pki.js';
import { tempDir } from '../support/hub.js';

const dirs: string[] = [];
function dir(): string {
  const d = tempDir('edgewise-agent-join-');
  dirs.push(d);
  return d;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('machine id', () => {
  it('is made once, kept 0600, and reused', () => {
    const d = path.join(dir(), 'not-yet');
    const id = loadOrCreateMachineId(d);
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(statSync(path.join(d, 'machine-id')).mode & 0o777, 0o600);
    assert.equal(loadOrCreateMachineId(d), id);
  });

  it('is never silently replaced when damaged', () => {
    const d = dir();
    writeFileSync(path.join(d, 'machine-id'), 'garbage\n');
    assert.throws(
      () => loadOrCreateMachineId(d),
      /machine-id does not hold a machine id; restore it, or remove it/,
    );
    assert.equal(readFileSync(path.join(d, 'machine-id'), 'utf8'), 'garbage\n');
  });
});

/**
 * A hub impostor: it serves `caPem` at /join/v1/ca (perhaps the real hub's public CA,
 * which anyone can fetch) over TLS with `tls`, and records what reaches it.
 */
async function impostor(
  caPem: string,
  tls: HubPki['tls'],
  host = '127.0.0.1',
): Promise<{ url: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const server = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    seen.push(`${req.method ?? ''} ${req.url ?? ''}`);
    if (req.url === '/join/v1/ca') res.end(caPem);
    else res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://${host}:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('joinHub refusing what it cannot trust', () => {
  let hub: HubPki;
  let other: HubPki;
  let token: string;

  before(async () => {
    hub = await ensureHubPki({ dataDir: dir(), hostname: 'hub' });
    other = await ensureHubPki({ dataDir: dir(), hostname: 'hub' });
    token = formatJoinToken({ caHash: hub.caHash, id: 'abc123', secret: '0123456789abcdef' });
  });

  const isCode = (code: 'EW_UNAUTHORIZED' | 'EW_BAD_REQUEST', message: RegExp) => (err: unknown) =>
    EdgewiseError.isCode(err, code) && message.test(err.message);

  it('refuses plain http and tokens without a CA hash before connecting', async () => {
    const options = { token, nodeName: 'n1', machineId: randomUUID() };
    await assert.rejects(
      joinHub({ ...options, hubUrl: 'http://127.0.0.1:1' }),
      isCode('EW_BAD_REQUEST', /must be https:\/\//),
    );
    await assert.rejects(
      joinHub({ ...options, hubUrl: 'https://127.0.0.1:1', token: 'abc123.0123456789abcdef' }),
      isCode('EW_UNAUTHORIZED', /lacks the hub CA hash/),
    );
  });

  it('refuses a man in the middle that serves the real CA with its own certificate, before sending the token', async () => {
    const mitm = await impostor(hub.caPem, other.tls);
    try {
      await assert.rejects(
        joinHub({ hubUrl: mitm.url, token, nodeName: 'n1', machineId: randomUUID() }),
        isCode('EW_UNAUTHORIZED', /is not signed by the CA the join token pins: refusing to send the token/),
      );
      assert.deepEqual(mitm.seen, ['GET /join/v1/ca'], 'the join request never got through');
    } finally {
      await mitm.close();
    }
  });

  it('refuses a CA answer carrying a second certificate it did not hash', async () => {
    const smuggler = await impostor(`${hub.caPem}${other.caPem}`, hub.tls);
    try {
      await assert.rejects(
        joinHub({ hubUrl: smuggler.url, token, nodeName: 'n1', machineId: randomUUID() }),
        isCode('EW_UNAUTHORIZED', /served no usable CA: expected exactly one PEM certificate, found 2/),
      );
      assert.deepEqual(smuggler.seen, ['GET /join/v1/ca']);
    } finally {
      await smuggler.close();
    }
  });

  it('names the problem when the hub is reached by a name its certificate lacks', async () => {
    // 127.0.0.2 is loopback too, but not among the certificate's names.
    const real = await impostor(hub.caPem, hub.tls, '0.0.0.0');
    try {
      const url = real.url.replace('0.0.0.0', '127.0.0.2');
      await assert.rejects(
        joinHub({ hubUrl: url, token, nodeName: 'n1', machineId: randomUUID() }),
        isCode('EW_UNAUTHORIZED', /certificate does not name 127\.0\.0\.2/),
      );
    } finally {
      await real.close();
    }
  });
});
