/** The hub PKI: made on first run, kept on later runs, server certificate reissued when names or expiry demand. */
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { loadOrCreateAdminToken } from '../../../src/hub/pki/admin-token.js';
import { ensureHubPki } from '../../../src/hub/pki/pki.js';
import { tempDir } from '../../support/hub.js';

const DAY = 24 * 60 * 60 * 1000;
const dirs: string[] = [];
function dataDir(): string {
  const dir = tempDir('edgewise-pki-');
  dirs.push(dir);
  return dir;
}
const pkiFile = (dir: string, name: string) => path.join(dir, 'pki', name);
const mode = (file: string) => statSync(file).mode & 0o777;

describe('hub PKI', () => {
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('creates an ECDSA P-256 CA and a server certificate it signs, keys 0600', async () => {
    const dir = dataDir();
    const pki = await ensureHubPki({
      dataDir: dir,
      hostname: 'hub-1.example',
      sans: ['10.0.0.7', 'hub.example.com'],
    });
    assert.deepEqual(pki.issued, { ca: true, server: 'no server certificate yet' });
    const ca = new X509Certificate(readFileSync(pkiFile(dir, 'ca.crt')));
    const server = new X509Certificate(readFileSync(pkiFile(dir, 'server.crt')));
    assert.equal(ca.ca, true);
    assert.equal(server.ca, false);
    assert.equal(ca.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.equal(server.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.ok(
      server.checkIssued(ca) && server.verify(ca.publicKey),
      'server certificate is signed by the CA',
    );
    assert.deepEqual(
      new Set(server.subjectAltName?.split(', ')),
      new Set([
        'IP Address:10.0.0.7',
        'IP Address:127.0.0.1',
        'IP Address:0:0:0:0:0:0:0:1',
        'DNS:hub-1.example',
        'DNS:hub.example.com',
        'DNS:localhost',
      ]),
    );
    assert.ok(server.checkHost('localhost') && server.checkIP('::1') && server.checkIP('127.0.0.1'));
    assert.equal(mode(pkiFile(dir, 'ca.key')), 0o600);
    assert.equal(mode(pkiFile(dir, 'server.key')), 0o600);
    assert.equal(pki.caHash, `sha256:${createHash('sha256').update(ca.raw).digest('hex')}`);
    assert.equal(pki.tls.cert, readFileSync(pkiFile(dir, 'server.crt'), 'utf8'));
  });

  it('reuses the CA and server certificate on the next run', async () => {
    const dir = dataDir();
    const first = await ensureHubPki({ dataDir: dir, hostname: 'hub-1' });
    const second = await ensureHubPki({ dataDir: dir, hostname: 'hub-1' });
    assert.deepEqual(second.issued, { ca: false });
    assert.equal(second.caPem, first.caPem);
    assert.equal(second.tls.cert, first.tls.cert);
    assert.equal(second.tls.key, first.tls.key);
    assert.equal(second.caHash, first.caHash);
  });

  it('reissues the server certificate when the names change, keeping the CA', async () => {
    const dir = dataDir();
    const first = await ensureHubPki({ dataDir: dir, hostname: 'hub-1' });
    const renamed = await ensureHubPki({ dataDir: dir, hostname: 'hub-1', sans: ['192.168.1.20'] });
    assert.equal(renamed.issued.server, 'the server names (SANs) changed');
    assert.equal(renamed.caPem, first.caPem);
    assert.notEqual(renamed.tls.cert, first.tls.cert);
    assert.ok(new X509Certificate(renamed.tls.cert).checkIP('192.168.1.20'));
    // `::1` spelled another way is the same name: nothing to reissue.
    const same = await ensureHubPki({
      dataDir: dir,
      hostname: 'HUB-1',
      sans: ['192.168.1.20', '0:0:0:0:0:0:0:1'],
    });
    assert.equal(same.issued.server, undefined);
  });

  it('reissues the server certificate when it nears expiry', async () => {
    const dir = dataDir();
    const start = new Date();
    const first = await ensureHubPki({ dataDir: dir, hostname: 'hub-1', now: () => start });
    const later = new Date(start.getTime() + 340 * DAY);
    const renewed = await ensureHubPki({ dataDir: dir, hostname: 'hub-1', now: () => later });
    assert.equal(renewed.issued.server, 'the server certificate is close to expiry');
    assert.equal(renewed.caPem, first.caPem);
    assert.ok(renewed.serverNotAfter.getTime() > first.serverNotAfter.getTime());
  });

  it('reissues a server certificate that another CA signed', async () => {
    const dir = dataDir();
    const other = dataDir();
    await ensureHubPki({ dataDir: dir, hostname: 'hub-1' });
    const foreign = await ensureHubPki({ dataDir: other, hostname: 'hub-1' });
    writeFileSync(pkiFile(dir, 'server.crt'), foreign.tls.cert);
    writeFileSync(pkiFile(dir, 'server.key'), foreign.tls.key);
    const fixed = await ensureHubPki({ dataDir: dir, hostname: 'hub-1' });
    assert.equal(fixed.issued.server, 'the server certificate is not signed by the hub CA');
  });

  it('refuses half a CA instead of silently making a new one', async () => {
    const dir = dataDir();
    const first = await ensureHubPki({ dataDir: dir, hostname: 'hub-1' });
    rmSync(pkiFile(dir, 'ca.key'));
    await assert.rejects(
      ensureHubPki({ dataDir: dir, hostname: 'hub-1' }),
      /the hub CA is incomplete: .*ca\.key is missing/,
    );
    assert.equal(
      readFileSync(pkiFile(dir, 'ca.crt'), 'utf8'),
      first.caPem,
      'the CA certificate is left as it was',
    );
  });

  it('keeps an admin token, 0600, and reports a damaged one', () => {
    const dir = dataDir();
    const token = loadOrCreateAdminToken(dir);
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(mode(pkiFile(dir, 'admin-token')), 0o600);
    assert.equal(loadOrCreateAdminToken(dir), token);
    writeFileSync(pkiFile(dir, 'admin-token'), 'not a token');
    assert.throws(() => loadOrCreateAdminToken(dir), /does not hold an admin token/);
  });
});
