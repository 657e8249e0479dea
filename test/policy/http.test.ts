import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import inject from 'light-my-request';
import { compile, createDataApiHandler } from '../../src/policy/rego/index.js';

const policy = compile([
  {
    path: 'authz.rego',
    source: `package authz
import rego.v1
default allow := false
allow if input.user == "alice"
roles contains r if some r in input.roles
limit := data.config.limit
boom := x if x := to_number(input.n)
big := 1000000000000000000000 + 1
`,
  },
]);

const handler = createDataApiHandler(() => policy, { data: () => ({ config: { limit: 5 } }) });

describe('OPA data API handler', () => {
  it('answers POST /v1/data/<path> with {"result": ...}', async () => {
    const res = await inject(handler, {
      method: 'POST',
      url: '/v1/data/authz/allow',
      payload: { input: { user: 'alice' } },
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.deepEqual(res.json(), { result: true });
    const sets = await inject(handler, {
      method: 'POST',
      url: '/v1/data/authz/roles',
      payload: { input: { roles: ['b', 'a'] } },
    });
    assert.deepEqual(sets.json(), { result: ['a', 'b'] });
  });

  it('answers GET, with input in the query string', async () => {
    const res = await inject(handler, {
      method: 'GET',
      url: `/v1/data/authz/allow?input=${encodeURIComponent('{"user":"bob"}')}`,
    });
    assert.deepEqual(res.json(), { result: false });
    const limit = await inject(handler, { method: 'GET', url: '/v1/data/authz/limit' });
    assert.deepEqual(limit.json(), { result: 5 });
  });

  it('serves whole documents and keeps big integers exact', async () => {
    const res = await inject(handler, { method: 'POST', url: '/v1/data/authz', payload: {} });
    assert.match(res.body, /"big":1000000000000000000001/);
    const root = await inject(handler, { method: 'GET', url: '/v1/data' });
    assert.equal(root.json().result.config.limit, 5);
  });

  it('omits result when the document is undefined', async () => {
    const res = await inject(handler, { method: 'POST', url: '/v1/data/authz/nope', payload: { input: {} } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), {});
  });

  it('rejects malformed requests with 400 and OPA error shapes', async () => {
    const bad = await inject(handler, {
      method: 'POST',
      url: '/v1/data/authz/allow',
      payload: '{not json',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, 'invalid_parameter');
    const notObj = await inject(handler, { method: 'POST', url: '/v1/data/authz/allow', payload: '[1]' });
    assert.equal(notObj.statusCode, 400);
    const method = await inject(handler, { method: 'DELETE', url: '/v1/data/authz' });
    assert.equal(method.statusCode, 405);
    const path = await inject(handler, { method: 'GET', url: '/other' });
    assert.equal(path.statusCode, 404);
  });

  it('returns 500 for evaluation errors with strict builtin errors', async () => {
    const ok = await inject(handler, {
      method: 'POST',
      url: '/v1/data/authz/boom',
      payload: { input: { n: 'x' } },
    });
    assert.deepEqual(ok.json(), {});
    const res = await inject(handler, {
      method: 'POST',
      url: '/v1/data/authz/boom?strict-builtin-errors',
      payload: { input: { n: 'x' } },
    });
    assert.equal(res.statusCode, 500);
    assert.equal(res.json().code, 'internal_error');
    assert.match(res.json().message, /authz\.rego:7:\d+: eval_type_error: to_number/);
  });

  it('limits the request body size', async () => {
    const small = createDataApiHandler(() => policy, { maxBodyBytes: 64 });
    const res = await inject(small, {
      method: 'POST',
      url: '/v1/data/authz/allow',
      payload: { input: { pad: 'x'.repeat(200) } },
    });
    assert.equal(res.statusCode, 413);
  });
});
