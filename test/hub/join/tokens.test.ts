/** Join tokens: the format, the kubeadm Secret layout, expiry, one-time use under races, forgeries. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EdgewiseError } from '../../../src/api/errors.js';
import { formatJoinToken, parseJoinToken } from '../../../src/api/join.js';
import { secretType } from '../../../src/api/kinds/core.js';
import { JoinTokens } from '../../../src/hub/join/tokens.js';
import { startTestHub, type TestHub } from '../../support/hub.js';
import { TestClock } from './support.js';

const CA_HASH = `sha256:${'ab'.repeat(32)}`;
const HOUR = 60 * 60 * 1000;
const unauthorized = (message: RegExp) => (err: unknown) =>
  EdgewiseError.isCode(err, 'EW_UNAUTHORIZED') && message.test(err.message);

describe('join token format', () => {
  it('parses the full form and the bare kubeadm form', () => {
    const full = `EW1${'ab'.repeat(32)}::abc123.0123456789abcdef`;
    assert.deepEqual(parseJoinToken(full), { caHash: CA_HASH, id: 'abc123', secret: '0123456789abcdef' });
    assert.equal(formatJoinToken(parseJoinToken(full)), full);
    assert.deepEqual(parseJoinToken('abc123.0123456789abcdef'), { id: 'abc123', secret: '0123456789abcdef' });
  });

  it('refuses malformed tokens without repeating them, and bare tokens where the CA must be pinned', () => {
    for (const bad of [
      '',
      'abc123',
      'ABC123.0123456789abcdef',
      `K10${'ab'.repeat(32)}::abc123.0123456789abcdef`,
      'abc123.0123456789abcde',
    ]) {
      assert.throws(
        () => parseJoinToken(bad),
        (err: unknown) =>
          EdgewiseError.isCode(err, 'EW_UNAUTHORIZED') && (bad === '' || !err.message.includes(bad)),
      );
    }
    assert.throws(
      () => parseJoinToken('abc123.0123456789abcdef', { requireCaHash: true }),
      /lacks the hub CA hash/,
    );
  });
});

describe('join tokens on the hub', () => {
  let t: TestHub;
  let clock: TestClock;
  let tokens: JoinTokens;

  before(async () => {
    clock = new TestClock();
    t = await startTestHub({ now: clock.now });
    tokens = new JoinTokens({ service: t.hub.service, caHash: CA_HASH, now: clock.now });
  });
  after(() => t.close());

  it('stores a token as a kubeadm bootstrap-token Secret in edgewise-system', async () => {
    const created = await tokens.create({ ttlMs: HOUR, oneTime: true, description: 'store 001' });
    const token = parseJoinToken(created.token, { requireCaHash: true });
    assert.equal(token.caHash, CA_HASH);
    assert.match(token.id, /^[a-z0-9]{6}$/);
    assert.match(token.secret, /^[a-z0-9]{16}$/);
    const secret = await t.hub.service.get(secretType, 'edgewise-system', `bootstrap-token-${token.id}`);
    assert.equal(secret.type, 'bootstrap.kubernetes.io/token');
    const data = Object.fromEntries(
      Object.entries(secret.data as Record<string, string>).map(([k, v]) => [
        k,
        Buffer.from(v, 'base64').toString(),
      ]),
    );
    assert.deepEqual(data, {
      'token-id': token.id,
      'token-secret': token.secret,
      expiration: '2030-01-01T01:00:00Z',
      description: 'store 001',
      'usage-bootstrap-authentication': 'true',
    });
    assert.equal(secret.metadata.annotations?.['join.edgewise.io/one-time'], 'true');
    // The store stamps creation with its own clock.
    assert.match(created.info.createdAt ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(created.info, {
      id: token.id,
      oneTime: true,
      expires: '2030-01-01T01:00:00Z',
      description: 'store 001',
      createdAt: created.info.createdAt,
    });
  });

  it('expires by the injected clock', async () => {
    const created = await tokens.create({ ttlMs: HOUR });
    const token = parseJoinToken(created.token);
    await tokens.verify(token);
    clock.advance(HOUR);
    await assert.rejects(
      tokens.verify(token),
      unauthorized(/^join token "[a-z0-9]{6}" expired at 2030-01-01T0\d:00:00Z$/),
    );
    clock.advance(-HOUR);
  });

  it('says the same for an unknown id and a wrong secret, and refuses another hub CA', async () => {
    const { id, secret } = parseJoinToken((await tokens.create({ ttlMs: HOUR })).token);
    const wrong = secret.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'));
    const message = /^the join token is invalid: unknown token id or wrong secret$/;
    await assert.rejects(tokens.verify({ id, secret: wrong }), unauthorized(message));
    await assert.rejects(tokens.verify({ id: 'zzzzzz', secret }), unauthorized(message));
    await assert.rejects(
      tokens.verify({ id, secret, caHash: `sha256:${'cd'.repeat(32)}` }),
      unauthorized(/made for a hub with another CA/),
    );
  });

  it('lets exactly one of many racing joins use a one-time token', async () => {
    const token = parseJoinToken((await tokens.create({ ttlMs: HOUR, oneTime: true })).token);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => tokens.consume(token, `node-${i}`)),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    assert.equal(won.length, 1);
    for (const r of results) {
      if (r.status === 'rejected')
        assert.ok(
          unauthorized(/is for one use and was already used by node-\d$/)(r.reason),
          String(r.reason),
        );
    }
    const usedBy = (won[0] as PromiseFulfilledResult<{ usedBy?: string }>).value.usedBy;
    await assert.rejects(
      tokens.consume(token, 'late'),
      unauthorized(new RegExp(`already used by ${usedBy}$`)),
    );
  });

  it('lets a reusable token join many nodes', async () => {
    const token = parseJoinToken((await tokens.create({ ttlMs: HOUR })).token);
    const results = await Promise.all(['a', 'b', 'c'].map((n) => tokens.consume(token, n)));
    assert.equal(results.length, 3);
  });

  it('lists without secrets and deletes', async () => {
    const created = await tokens.create({ ttlMs: 0, description: 'forever' });
    const { id, secret } = parseJoinToken(created.token);
    const listed = await tokens.list();
    const entry = listed.find((i) => i.id === id);
    assert.deepEqual(entry, {
      id,
      oneTime: false,
      description: 'forever',
      createdAt: created.info.createdAt,
    });
    assert.ok(!JSON.stringify(listed).includes(secret));
    await tokens.delete(id);
    assert.equal(
      (await tokens.list()).find((i) => i.id === id),
      undefined,
    );
    await assert.rejects(tokens.delete(id), (err: unknown) => EdgewiseError.isCode(err, 'EW_NOT_FOUND'));
    await assert.rejects(tokens.verify({ id, secret }), unauthorized(/invalid/));
  });
});
