import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildWagiInvocation,
  CgiEnvironment,
  percentDecodeLossy,
} from '../../../src/runtime/wasm/wagi/request.js';
import {
  INSUFFICIENT_HEADERS,
  parseCgiOutput,
  readCgiHead,
} from '../../../src/runtime/wasm/wagi/response.js';
import { findRoute, RoutePattern, routeTable } from '../../../src/runtime/wasm/wagi/routes.js';

const out = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

describe('WAGI CGI response parsing', () => {
  it('needs Content-Type, Location or Status, else answers like WAGI', () => {
    for (const text of ['', 'just a body', 'X-Only: header\n\nbody', '\n\nbody']) {
      const r = parseCgiOutput(out(text));
      assert.deepEqual(r, { ok: false, status: 500, message: INSUFFICIENT_HEADERS }, JSON.stringify(text));
    }
  });

  it('reads headers up to the first blank line, ignoring CR', () => {
    const r = parseCgiOutput(out('Content-Type: text/html\r\nX-A:  b \r\n\r\n<p>\n\nmore'));
    assert.ok(r.ok);
    assert.equal(r.response.status, 200);
    assert.deepEqual(r.response.headers, [
      ['content-type', 'text/html'],
      ['x-a', 'b'],
    ]);
    assert.equal(Buffer.from(r.response.body).toString(), '<p>\n\nmore');
  });

  it('maps Location to 302 unless a Status is given, and parses "Status: CODE TEXT"', () => {
    const redirect = parseCgiOutput(out('Location: /x\n\n'));
    assert.ok(redirect.ok);
    assert.equal(redirect.response.status, 302);
    for (const text of ['Location: /x\nStatus: 301 Moved\n\n', 'Status: 301\nLocation: /x\n\n']) {
      const r = parseCgiOutput(out(text));
      assert.ok(r.ok);
      assert.equal(r.response.status, 301);
    }
    const onlyStatus = parseCgiOutput(out('Status: 404 Not Found\n\n'));
    assert.ok(onlyStatus.ok, 'Status alone is enough, as in WAGI');
    assert.equal(onlyStatus.response.status, 404);
  });

  it('answers 502 for an unparsable Status and 500 for non-UTF-8 headers', () => {
    assert.deepEqual(parseCgiOutput(out('Status: abc\n\n')), {
      ok: false,
      status: 502,
      message: 'guest sent an invalid Status: abc',
    });
    assert.equal((parseCgiOutput(out('Status: 42\n\n')) as { status: number }).status, 502);
    const bad = parseCgiOutput(new Uint8Array([0xff, 0xfe, 0x3a, 0x0a, 0x0a]));
    assert.equal(bad.ok, false);
    assert.equal((bad as { status: number }).status, 500);
  });

  it('reads the head once per distinct head, drops framing headers and finds the body', () => {
    for (let i = 0; i < 3; i++) {
      const stdout = out(`Content-Type: text/plain\nContent-Length: 999\nX-N: 1\n\nbody ${i}`);
      const { head, bodyStart } = readCgiHead(stdout);
      assert.deepEqual(head, { status: 200, headers: ['content-type', 'text/plain', 'x-n', '1'] });
      assert.equal(Buffer.from(stdout.subarray(bodyStart)).toString(), `body ${i}`);
    }
    const broken = readCgiHead(out('no head at all'));
    assert.deepEqual(broken.head, { status: 500, headers: [], error: INSUFFICIENT_HEADERS });
    const bad = readCgiHead(out('Status: nope\n\nbody'));
    assert.equal(bad.head.status, 502);
    assert.equal(bad.bodyStart, 'Status: nope\n\nbody'.length, 'an error answer carries no guest body');
  });

  it('drops invalid header names and lines without a colon; the last duplicate wins', () => {
    const r = parseCgiOutput(out('Content-Type: a\nbad header: x\nnocolon\nX-D: 1\nX-D: 2\n\n'));
    assert.ok(r.ok);
    assert.deepEqual(r.response.headers, [
      ['content-type', 'a'],
      ['x-d', '2'],
    ]);
  });
});

describe('WAGI request environment', () => {
  const route = RoutePattern.parse('/static/...');
  const base = { route, defaultHost: 'localhost:8080', tls: false, moduleEnv: { A: '1', PATH_INFO: 'x' } };
  const env = (e: string[]) =>
    Object.fromEntries(e.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));

  it('splits argv from path and query and derives CGI paths from the route', () => {
    const { args, env: list } = buildWagiInvocation(
      {
        method: 'GET',
        url: '/static/a%2Fb/c?x=1&y',
        headers: {},
        httpVersion: '1.0',
        remoteAddress: '10.0.0.9',
        bodyLength: 0,
      },
      base,
    );
    assert.deepEqual(args, ['/static/a%2Fb/c', 'x=1', 'y']);
    const e = env(list);
    assert.equal(e.SCRIPT_NAME, '/static');
    assert.equal(e.X_MATCHED_ROUTE, '/static/...');
    assert.equal(e.X_RAW_PATH_INFO, '/a%2Fb/c');
    assert.equal(e.PATH_INFO, '/a/b/c');
    assert.equal(e.PATH_TRANSLATED, '/a/b/c');
    assert.equal(e.SERVER_NAME, 'localhost', 'no Host header: the default host');
    assert.equal(e.SERVER_PORT, '8080');
    assert.equal(e.SERVER_PROTOCOL, 'HTTP/1.0');
    assert.equal(e.CONTENT_LENGTH, '0');
    assert.equal(e.CONTENT_TYPE, '');
    assert.equal(e.A, '1');
    assert.equal(e.AUTH_TYPE, '');
    assert.equal(e.REMOTE_USER, '');
  });

  it('lets CGI variables win over the workload env and maps headers to HTTP_*', () => {
    const { args, env: list } = buildWagiInvocation(
      {
        method: 'PUT',
        url: '/static',
        headers: { host: '[::1]:9443', 'x-multi': ['a', 'b'], connection: 'keep-alive', 'user-agent': 'ua' },
        httpVersion: '1.1',
        remoteAddress: '::1',
        bodyLength: 5,
      },
      { ...base, tls: true },
    );
    assert.deepEqual(args, ['/static']);
    const e = env(list);
    assert.equal(e.PATH_INFO, '');
    assert.equal(e.SERVER_NAME, '[::1]');
    assert.equal(e.SERVER_PORT, '9443');
    assert.equal(e.X_FULL_URL, 'https://[::1]:9443/static');
    assert.equal(e.HTTP_X_MULTI, 'a, b');
    assert.equal(e.HTTP_USER_AGENT, 'ua');
    assert.equal(e.HTTP_CONNECTION, undefined);
    assert.equal(e.CONTENT_LENGTH, '5');
  });

  it('gives every variable once: later headers win, and headers win over workload variables', () => {
    const { env: list } = buildWagiInvocation(
      {
        method: 'GET',
        url: '/static/x',
        headers: { 'x-a': '1', x_a: '2', foo: 'from-request', 'content-type': 'text/plain' },
        httpVersion: '1.1',
        remoteAddress: '10.0.0.1',
        bodyLength: 0,
      },
      { ...base, moduleEnv: { HTTP_FOO: 'from-workload', HTTP_BAR: 'kept', QUERY_STRING: 'shadowed' } },
    );
    const names = list.map((kv) => kv.slice(0, kv.indexOf('=')));
    assert.deepEqual(names.length, new Set(names).size, `no duplicates in ${names.join(' ')}`);
    const e = env(list);
    assert.equal(e.HTTP_X_A, '2', 'X-A and X_A both map to HTTP_X_A; the later one wins');
    assert.equal(e.HTTP_FOO, 'from-request');
    assert.equal(e.HTTP_BAR, 'kept');
    assert.equal(e.QUERY_STRING, '');
    assert.equal(e.HTTP_CONTENT_TYPE, 'text/plain');
  });

  it('renders the same environment for repeated requests with different hosts', () => {
    const environment = new CgiEnvironment(base);
    const request = (host: string | undefined) => ({
      method: 'GET',
      url: '/static/q?x',
      headers: host === undefined ? {} : { host },
      httpVersion: '1.1',
      remoteAddress: '::1',
      bodyLength: 0,
    });
    for (const host of ['a.example:81', 'b.example', undefined, 'a.example:81']) {
      const { argv, environ } = environment.build(request(host));
      assert.equal(argv, '/static/q\0x\0');
      const e = env(environ.split('\0').slice(0, -1));
      const want =
        host === undefined ? ['localhost', '8080'] : [host.split(':')[0], host.split(':')[1] ?? '8080'];
      assert.deepEqual([e.SERVER_NAME, e.SERVER_PORT], want, String(host));
    }
  });

  it('decodes percent escapes lossily like WAGI', () => {
    assert.equal(percentDecodeLossy('/a%20b%zz%'), '/a b%zz%');
    assert.equal(percentDecodeLossy('/%E2%82%AC%FF'), '/€\uFFFD');
  });
});

describe('WAGI routes', () => {
  it('matches exact and wildcard patterns like WAGI', () => {
    const p = RoutePattern.parse('/foo/...');
    assert.ok(p.matches('/foo') && p.matches('/foo/') && p.matches('/foo/bar/baz'));
    assert.ok(!p.matches('/foobar'));
    const e = RoutePattern.parse('/foo');
    assert.ok(e.matches('/foo') && !e.matches('/foo/'));
    assert.equal(RoutePattern.parse('/...').scriptName(), '/');
    assert.equal(RoutePattern.parse('/...').relativePath('/'), '/');
    assert.equal(RoutePattern.parse('/').relativePath('/'), '');
  });

  it('builds the table from _routes output; the last printed wildcard wins', () => {
    const table = routeTable(RoutePattern.parse('/...'), '/one/... one\n/one/two/... two\n\n/plain\n');
    assert.equal(findRoute(table, '/one/two/three')?.entrypoint, 'two');
    assert.equal(findRoute(table, '/one/x')?.entrypoint, 'one');
    assert.equal(findRoute(table, '/plain')?.entrypoint, '_start');
    assert.equal(findRoute(table, '/elsewhere')?.entrypoint, '_start');
    const mounted = routeTable(RoutePattern.parse('/base'), '/sub fn');
    assert.equal(findRoute(mounted, '/base/sub')?.entrypoint, 'fn');
    assert.equal(findRoute(mounted, '/other'), undefined);
  });
});
