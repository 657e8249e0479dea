/**
 * The hub's HTTP layer with protobuf bodies, in-process: creates and updates
 * decode like JSON, and errors come back as Kubernetes Status objects.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import inject from 'light-my-request';
import { startTestHub, type TestHub } from '../support/hub.js';
import { bytes, concat, entry, envelope, msg } from './protobuf-encoder.js';

const PROTOBUF = 'application/vnd.kubernetes.protobuf';
const CM_PATH = '/api/v1/namespaces/default/configmaps';

function configMap(name: string, data: Record<string, string>, resourceVersion = ''): Buffer {
  const meta = msg(1, bytes(1, name), ...(resourceVersion ? [bytes(6, resourceVersion)] : []));
  const entries = Object.entries(data).map(([k, v]) => entry(2, k, bytes(2, v)));
  return Buffer.from(envelope('v1', 'ConfigMap', concat(meta, ...entries)));
}

describe('hub API with protobuf bodies', () => {
  let t: TestHub;
  const call = (opts: Parameters<typeof inject>[1]) => inject(t.hub.handler, opts);
  const headers = { 'content-type': PROTOBUF, accept: `${PROTOBUF},application/json` };

  before(async () => {
    t = await startTestHub();
  });
  after(async () => {
    await t.close();
  });

  it('creates and replaces an object sent as protobuf, answering JSON', async () => {
    const created = await call({
      method: 'POST',
      url: CM_PATH,
      headers,
      payload: configMap('pb', { a: '1' }),
    });
    assert.equal(created.statusCode, 201, created.body);
    assert.match(String(created.headers['content-type']), /^application\/json/);
    const obj = created.json();
    assert.deepEqual(obj.data, { a: '1' });

    const rv = obj.metadata.resourceVersion as string;
    const replaced = await call({
      method: 'PUT',
      url: `${CM_PATH}/pb`,
      headers,
      payload: configMap('pb', { a: '2' }, rv),
    });
    assert.equal(replaced.statusCode, 200, replaced.body);
    assert.deepEqual((await call({ method: 'GET', url: `${CM_PATH}/pb` })).json().data, { a: '2' });

    const stale = await call({
      method: 'PUT',
      url: `${CM_PATH}/pb`,
      headers,
      payload: configMap('pb', { a: '3' }, rv),
    });
    assert.equal(stale.statusCode, 409);
  });

  it('answers 415 with a Status naming the kind it cannot decode', async () => {
    const event = Buffer.from(envelope('v1', 'Event', msg(1, bytes(1, 'e1'))));
    const res = await call({
      method: 'POST',
      url: '/api/v1/namespaces/default/events',
      headers,
      payload: event,
    });
    assert.equal(res.statusCode, 415);
    const status = res.json();
    assert.equal(status.kind, 'Status');
    assert.equal(status.reason, 'UnsupportedMediaType');
    assert.match(
      status.message,
      /^Event \(v1\) cannot be decoded from application\/vnd\.kubernetes\.protobuf; /,
    );
  });

  it('answers 400 for a body that is not protobuf', async () => {
    const res = await call({ method: 'POST', url: CM_PATH, headers, payload: '{"kind":"ConfigMap"}' });
    assert.equal(res.statusCode, 400);
    assert.match(
      res.json().message,
      /not valid Kubernetes protobuf: it does not start with the k8s\\0 prefix/,
    );
  });
});
