/**
 * The node gateway's shared port, routed by Host: `<deployment-or-pod>.<namespace>[.<anything>]`,
 * a port label first to pick another containerPort, turns between a workload's pods,
 * a 404 that teaches the scheme, and a clear error when the port is taken.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Gateway } from '../../src/agent/gateway.js';
import { HostRoutes } from '../../src/agent/host-routes.js';
import { EdgewiseError } from '../../src/api/errors.js';
import type { HttpHandler } from '../../src/runtime/driver.js';
import { freePort } from '../support/fleet.js';

const says =
  (text: string): HttpHandler =>
  (_req, res) => {
    res.end(text);
  };

function get(port: number, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/x', headers: { host } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('agent gateway: host routing', () => {
  it('matches deployment or pod names in a namespace, ignoring port, case and suffix', () => {
    const routes = new HostRoutes();
    routes.set('default/tracker-abc/c', {
      namespace: 'default',
      pod: 'tracker-abc',
      owner: 'tracker',
      ports: [
        { containerPort: 8080, handler: says('main') },
        { containerPort: 9090, handler: says('metrics') },
      ],
    });
    routes.set('store/tracker-def/c', {
      namespace: 'store',
      pod: 'tracker-def',
      owner: 'tracker',
      ports: [{ containerPort: 8080, handler: says('store') }],
    });
    const name = (host: string) => {
      const h = routes.match(host);
      let text = '';
      h?.({} as never, { end: (t: string) => (text = t) } as never);
      return h ? text : undefined;
    };
    assert.equal(name('tracker.default.edge.example:8080'), 'main');
    assert.equal(name('TRACKER.Default'), 'main');
    assert.equal(name('tracker'), 'main', 'no namespace: default');
    assert.equal(name('tracker-abc.default'), 'main', 'the pod by its own name');
    assert.equal(name('tracker.store.site-7.example.'), 'store');
    assert.equal(name('9090.tracker.default.anything'), 'metrics');
    assert.equal(name('7777.tracker.default'), undefined, 'no such port');
    assert.equal(name('other.default'), undefined);
    assert.equal(name('[::1]:8080'), undefined);
    assert.match(routes.explainMiss('other.default'), /tracker\.default, tracker\.store/);
  });

  it('shares a workload between its pods on the node', () => {
    const routes = new HostRoutes();
    for (const pod of ['a', 'b'])
      routes.set(`default/web-${pod}/c`, {
        namespace: 'default',
        pod: `web-${pod}`,
        owner: 'web',
        ports: [{ containerPort: 80, handler: says(pod) }],
      });
    const served = new Set<HttpHandler | undefined>();
    for (let i = 0; i < 4; i++) served.add(routes.match('web.default'));
    assert.equal(served.size, 2);
  });
});

describe('agent gateway: the shared port', () => {
  let gateway: Gateway;
  let port = 0;
  before(async () => {
    gateway = new Gateway({
      logger: pino({ level: 'silent' }),
      host: '127.0.0.1',
      shared: { host: '127.0.0.1', port: 0 },
      ownerOf: (_ns, pod) => (pod.startsWith('tracker-') ? 'tracker' : undefined),
    });
    port = (await gateway.listen())?.port ?? 0;
  });
  after(() => gateway.close());

  it('routes by Host to what containers serve, and forgets what stops', async () => {
    const hostPort = await freePort();
    gateway.serve('default/tracker-1', 'c', [{ hostPort, containerPort: 8080, handler: says('tracked') }]);
    assert.deepEqual(await get(port, 'tracker.default.example'), { status: 200, body: 'tracked' });
    assert.deepEqual(await get(hostPort, 'whatever'), { status: 200, body: 'tracked' }, 'the host port too');
    gateway.serve('default/tracker-1', 'c', []);
    const miss = await get(port, 'tracker.default.example');
    assert.equal(miss.status, 404);
    assert.match(miss.body, /<deployment-or-pod>\.<namespace>/);
  });

  it('says when its port is taken', async () => {
    const other = new Gateway({ logger: pino({ level: 'silent' }), shared: { host: '127.0.0.1', port } });
    await assert.rejects(other.listen(), (err: unknown) => {
      assert.ok(EdgewiseError.isCode(err, 'EW_UNAVAILABLE'));
      assert.match((err as Error).message, /gateway cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/);
      return true;
    });
    await other.close();
  });
});
