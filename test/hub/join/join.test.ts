/** Joining over real HTTPS: an agent pins the hub CA from its token and trades the token for a node credential. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import https from 'node:https';
import { after, before, describe, it } from 'node:test';
import { joinHub } from '../../../src/agent/join.js';
import { EdgewiseError } from '../../../src/api/errors.js';
import { parseJoinToken } from '../../../src/api/join.js';
import { HubClient } from '../../../src/cli/client.js';
import { readKubeconfig } from '../../../src/cli/config.js';
import { tempDir } from '../../support/hub.js';
import { type SecureHub, startSecureHub } from './support.js';

const HOUR = 60 * 60 * 1000;
const code = (c: Parameters<typeof EdgewiseError.isCode>[1], message: RegExp) => (err: unknown) =>
  EdgewiseError.isCode(err, c) && message.test(err.message);

describe('join over HTTPS', () => {
  let h: SecureHub;
  const token = async (options: { ttlMs?: number; oneTime?: boolean } = {}) =>
    (await h.security.tokens.create({ ttlMs: options.ttlMs ?? HOUR, oneTime: options.oneTime ?? false }))
      .token;
  const join = (t: string, nodeName: string, machineId = randomUUID()) =>
    joinHub({ hubUrl: h.url, token: t, nodeName, machineId });

  before(async () => {
    h = await startSecureHub();
  });
  after(() => h.close());

  it('joins end to end: pinned CA, a credential that authenticates as the node, the token marked used', async () => {
    assert.match(h.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const t = await token({ oneTime: true });
    const joined = await join(t, 'store-001-a');
    assert.equal(joined.nodeName, 'store-001-a');
    assert.equal(joined.caPem.trim(), h.security.pki.caPem.trim());
    assert.match(joined.credential, /^ewn1\.store-001-a\.[A-Za-z0-9_-]{43}$/);
    assert.equal(await h.security.authenticateNode(joined.credential), 'store-001-a');
    const info = (await h.security.tokens.list()).find((i) => i.id === parseJoinToken(t).id);
    assert.equal(info?.usedBy, 'store-001-a');
  });

  it('refuses an expired token', async () => {
    const t = await token({ ttlMs: HOUR });
    h.clock.advance(2 * HOUR);
    try {
      await assert.rejects(
        join(t, 'store-expired'),
        code('EW_UNAUTHORIZED', /^join token "[a-z0-9]{6}" expired at /),
      );
    } finally {
      h.clock.advance(-2 * HOUR);
    }
  });

  it('refuses a one-time token the second time', async () => {
    const t = await token({ oneTime: true });
    await join(t, 'store-002-a');
    await assert.rejects(
      join(t, 'store-002-b'),
      code('EW_UNAUTHORIZED', /is for one use and was already used by store-002-a$/),
    );
  });

  it('lets exactly one of several agents racing with one one-time token join', async (ctx) => {
    const t = await token({ oneTime: true });
    // Hold every token read a moment, so all joins have read the unused token before any writes:
    // the race is then certain rather than left to scheduling.
    const service = h.hub.service;
    const find = service.find.bind(service);
    ctx.mock.method(service, 'find', async (...args: Parameters<typeof find>) => {
      const found = await find(...args);
      if (args[2].startsWith('bootstrap-token-')) await new Promise((r) => setTimeout(r, 150));
      return found;
    });
    const results = await Promise.allSettled(['r1', 'r2', 'r3', 'r4', 'r5'].map((n) => join(t, `race-${n}`)));
    const joined = results.filter((r) => r.status === 'fulfilled');
    assert.equal(joined.length, 1, JSON.stringify(results.map((r) => r.status)));
    for (const r of results) {
      if (r.status === 'rejected')
        assert.ok(code('EW_UNAUTHORIZED', /already used by race-r\d$/)(r.reason), String(r.reason));
    }
  });

  it('refuses a forged token (right id, wrong secret) exactly as an unknown id', async () => {
    const { id, secret } = parseJoinToken(await token());
    const hash = h.security.pki.caHash.slice('sha256:'.length);
    const forged = `EW1${hash}::${id}.${secret.split('').reverse().join('')}`;
    const unknown = `EW1${hash}::zzzzzz.${secret}`;
    const message = /^the join token is invalid: unknown token id or wrong secret$/;
    await assert.rejects(join(forged, 'store-forged'), code('EW_UNAUTHORIZED', message));
    await assert.rejects(join(unknown, 'store-forged'), code('EW_UNAUTHORIZED', message));
  });

  it('makes the agent refuse a hub whose CA does not match the token, before it sends the token', async () => {
    const { id, secret } = parseJoinToken(await token());
    const otherCa = `EW1${'0'.repeat(64)}::${id}.${secret}`;
    const before = h.requests.length;
    await assert.rejects(
      join(otherCa, 'store-mitm'),
      code(
        'EW_UNAUTHORIZED',
        /presented CA sha256:[0-9a-f]{64}, but the join token pins sha256:0{64}: refusing/,
      ),
    );
    assert.deepEqual(h.requests.slice(before), ['GET /join/v1/ca']);
  });

  it('makes the hub refuse a token made for another CA, too', async () => {
    const { id, secret } = parseJoinToken(await token());
    const body = JSON.stringify({
      token: `EW1${'1'.repeat(64)}::${id}.${secret}`,
      nodeName: 'n1',
      machineId: randomUUID(),
    });
    const answer = await post(h, '/join/v1/nodes', body);
    assert.equal(answer.status, 401);
    assert.match(JSON.parse(answer.body).message, /made for a hub with another CA/);
  });

  it("refuses an agent claiming another machine's node name, without using up its token", async () => {
    const owner = randomUUID();
    const first = await join(await token(), 'store-003-a', owner);
    const t = await token({ oneTime: true });
    await assert.rejects(
      join(t, 'store-003-a'),
      (err: unknown) =>
        EdgewiseError.isCode(err, 'EW_ALREADY_EXISTS') &&
        err.status === 409 &&
        err.message === 'node name store-003-a belongs to another machine',
    );
    assert.equal(
      await h.security.authenticateNode(first.credential),
      'store-003-a',
      'the owner keeps its credential',
    );
    assert.equal(
      (await join(t, 'store-003-b')).nodeName,
      'store-003-b',
      'the one-time token was not burnt by the refusal',
    );
  });

  it('gives the same machine a fresh credential on re-join and revokes the old one', async () => {
    const machine = randomUUID();
    const t = await token();
    const first = await join(t, 'store-004-a', machine);
    const second = await join(t, 'store-004-a', machine);
    assert.notEqual(second.credential, first.credential);
    assert.equal(await h.security.authenticateNode(second.credential), 'store-004-a');
    await assert.rejects(
      h.security.authenticateNode(first.credential),
      code('EW_UNAUTHORIZED', /invalid or has been revoked/),
    );
    await assert.rejects(
      h.client(first.credential).request('GET', '/join/v1/ca'),
      code('EW_UNAUTHORIZED', /revoked/),
    );
  });

  it('answers a malformed join request with 400', async () => {
    const answer = await post(
      h,
      '/join/v1/nodes',
      JSON.stringify({ token: await token(), nodeName: 'Bad_Name', machineId: randomUUID() }),
    );
    assert.equal(answer.status, 400);
    assert.match(JSON.parse(answer.body).message, /invalid node name "Bad_Name"/);
  });
});

describe('a hub restarted on its data dir', () => {
  it('keeps its CA, admin token, join tokens and node credentials', async () => {
    const dataDir = tempDir('edgewise-join-restart-');
    try {
      const first = await startSecureHub({ dataDir });
      const t = (await first.security.tokens.create({ ttlMs: HOUR })).token;
      const joined = await joinHub({
        hubUrl: first.url,
        token: t,
        nodeName: 'store-010-a',
        machineId: randomUUID(),
      });
      const { caHash } = first.security.pki;
      const { adminToken } = first.security;
      await first.close();
      const second = await startSecureHub({ dataDir });
      try {
        assert.equal(second.security.pki.caHash, caHash);
        assert.equal(second.security.adminToken, adminToken);
        assert.equal(await second.security.authenticateNode(joined.credential), 'store-010-a');
        const again = await joinHub({
          hubUrl: second.url,
          token: t,
          nodeName: 'store-010-b',
          machineId: randomUUID(),
        });
        assert.equal(again.caPem.trim(), joined.caPem.trim());
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('API authentication', () => {
  let h: SecureHub;
  before(async () => {
    h = await startSecureHub();
  });
  after(() => h.close());

  it('refuses requests without a token or with a wrong one', async () => {
    await assert.rejects(
      h.client().request('GET', '/api/v1/namespaces'),
      code('EW_UNAUTHORIZED', /needs a bearer token \(the admin token is in /),
    );
    await assert.rejects(
      h.client('not-the-token').request('GET', '/api/v1/namespaces'),
      code('EW_UNAUTHORIZED', /not valid/),
    );
    await assert.rejects(
      h.client(`ewn1.store.${'A'.repeat(43)}`).request('GET', '/api/v1/namespaces'),
      code('EW_UNAUTHORIZED', /revoked/),
    );
    await assert.rejects(h.client().request('GET', '/metrics'), code('EW_UNAUTHORIZED', /bearer token/));
  });

  it('lets the admin token in as system:admin, and the kubeconfig the hub wrote works', async () => {
    const { value } = await h
      .client(h.security.adminToken)
      .json<{ items: { metadata: { name: string } }[] }>('GET', '/api/v1/namespaces');
    assert.ok(value.items.some((n) => n.metadata.name === 'edgewise-system'));
    const config = readKubeconfig(h.security.kubeconfigPath);
    assert.equal(config.connection.server, h.url);
    const viaConfig = new HubClient(config.connection);
    assert.equal((await viaConfig.request('GET', '/api/v1/namespaces/default')).status, 200);
  });

  it('serves probes, the version and the CA to anyone', async () => {
    assert.equal((await h.client().request('GET', '/healthz')).body, 'ok');
    assert.equal((await h.client().request('GET', '/version')).status, 200);
    assert.equal((await h.client().request('GET', '/join/v1/ca')).body, h.security.pki.caPem);
  });

  it('keeps node credentials off the resource API and the token endpoints', async () => {
    const t = (await h.security.tokens.create({ ttlMs: HOUR })).token;
    const { credential } = await joinHub({
      hubUrl: h.url,
      token: t,
      nodeName: 'store-009-a',
      machineId: randomUUID(),
    });
    const node = h.client(credential);
    assert.equal((await node.request('GET', '/join/v1/ca')).status, 200);
    await assert.rejects(
      node.request('GET', '/api/v1/namespaces/edgewise-system/secrets'),
      code('EW_FORBIDDEN', /node store-009-a may not use/),
    );
    await assert.rejects(
      node.request('GET', '/join/v1/tokens'),
      code('EW_FORBIDDEN', /system:node:store-009-a may not manage join tokens/),
    );
  });

  it('checks the server certificate: an unpinned client is refused by TLS', async () => {
    const unpinned = new HubClient({ server: h.url, token: h.security.adminToken });
    await assert.rejects(
      unpinned.request('GET', '/api/v1/namespaces'),
      code('EW_UNAVAILABLE', /self-signed|unable to verify|self signed/i),
    );
  });
});

/** A raw POST pinned to the hub CA, for bodies the agent would never send. */
function post(h: SecureHub, path: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL(path, h.url),
      {
        method: 'POST',
        ca: h.security.pki.caPem,
        agent: false,
        headers: { 'Content-Type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}
