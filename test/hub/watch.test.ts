import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startTestHub, type TestHub } from '../support/hub.js';

const CM_PATH = '/api/v1/namespaces/default/configmaps';

interface Event {
  type: string;
  object: {
    metadata: { name: string; resourceVersion: string };
    data?: Record<string, string>;
    reason?: string;
    code?: number;
  };
}

/** Opens a watch over a real socket and collects events until `count` arrived. */
function collect(
  url: string,
  count: number,
): { events: Promise<Event[]>; close(): void; status: Promise<number> } {
  let req: http.ClientRequest | undefined;
  let resolveStatus: (n: number) => void = () => {};
  const status = new Promise<number>((r) => (resolveStatus = r));
  const events = new Promise<Event[]>((resolve, reject) => {
    const got: Event[] = [];
    req = http.get(url, (res) => {
      resolveStatus(res.statusCode ?? 0);
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let nl = buffer.indexOf('\n');
        while (nl >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line.trim()) got.push(JSON.parse(line) as Event);
          if (got.length >= count) {
            resolve(got);
            req?.destroy();
            return;
          }
          nl = buffer.indexOf('\n');
        }
      });
      res.on('end', () => resolve(got));
    });
    req.on('error', (err) => {
      if (got.length >= count) resolve(got);
      else reject(err);
    });
  });
  return { events, status, close: () => req?.destroy() };
}

async function send(
  url: string,
  method: string,
  body?: unknown,
): Promise<{ status: number; json: () => Record<string, unknown> }> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: () => JSON.parse(text) as Record<string, unknown> };
}

describe('hub API watch over a real socket', () => {
  let t: TestHub;
  before(async () => {
    t = await startTestHub({ listen: true });
  });
  after(async () => {
    await t.close();
  });

  it('sends current objects as ADDED, then ADDED/MODIFIED/DELETED as they happen', async () => {
    await send(`${t.url}${CM_PATH}`, 'POST', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'w-existing', labels: { w: '1' } },
    });
    const watch = collect(`${t.url}${CM_PATH}?watch=true&labelSelector=w%3D1`, 4);
    assert.equal(await watch.status, 200);
    await send(`${t.url}${CM_PATH}`, 'POST', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'w-new', labels: { w: '1' } },
    });
    await send(`${t.url}${CM_PATH}/w-new`, 'PUT', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'w-new', labels: { w: '1' } },
      data: { x: 'y' },
    });
    await send(`${t.url}${CM_PATH}/w-new`, 'DELETE');
    const events = await watch.events;
    assert.deepEqual(
      events.map((e) => [e.type, e.object.metadata.name]),
      [
        ['ADDED', 'w-existing'],
        ['ADDED', 'w-new'],
        ['MODIFIED', 'w-new'],
        ['DELETED', 'w-new'],
      ],
    );
    assert.deepEqual(events[2]?.object.data, { x: 'y' });
  });

  it('resumes from a resourceVersion without resending older events', async () => {
    const first = (
      await send(`${t.url}${CM_PATH}`, 'POST', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'r-1' },
      })
    ).json();
    await send(`${t.url}${CM_PATH}`, 'POST', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'r-2' },
    });
    const rv = (first.metadata as { resourceVersion: string }).resourceVersion;
    const watch = collect(`${t.url}${CM_PATH}?watch=1&resourceVersion=${rv}`, 1);
    const events = await watch.events;
    assert.deepEqual(
      events.map((e) => [e.type, e.object.metadata.name]),
      [['ADDED', 'r-2']],
    );
  });

  it('answers 410 Gone for a watch from a compacted revision', async () => {
    const a = (
      await send(`${t.url}${CM_PATH}`, 'POST', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'c-1' },
      })
    ).json();
    await send(`${t.url}${CM_PATH}`, 'POST', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c-2' },
    });
    const rv = Number((a.metadata as { resourceVersion: string }).resourceVersion);
    await t.hub.store.compact(rv + 1);
    const res = await fetch(`${t.url}${CM_PATH}?watch=true&resourceVersion=${rv - 1}`);
    assert.equal(res.status, 410);
    const status = (await res.json()) as { reason: string; code: number; message: string };
    assert.equal(status.reason, 'Expired');
    assert.equal(status.code, 410);
    assert.match(status.message, /too old resource version/);
  });
});
