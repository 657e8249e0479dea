/**
 * `pods/log` through the agent link, against a real (in-process) hub and agent with
 * a driver whose log the test writes: tail, follow, a client that goes away (the
 * agent's stream ends too), and every refusal a user can meet.
 */
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Agent } from '../../../src/agent/agent.js';
import { EdgewiseError } from '../../../src/api/errors.js';
import { runtimeClassType } from '../../../src/api/kinds/edge.js';
import { podType } from '../../../src/api/kinds/pod.js';
import type { KubeObject } from '../../../src/api/object.js';
import { HubClient } from '../../../src/cli/client.js';
import { createHub, type Hub, type ListeningHub, listenHub } from '../../../src/hub/hub.js';
import { workloadLogsFeature } from '../../../src/hub/logs/index.js';
import type {
  DriverCapabilities,
  LogLine,
  LogOptions,
  RuntimeDriver,
  StartedWorkload,
  WorkloadSpec,
  WorkloadStatus,
} from '../../../src/runtime/driver.js';
import { waitFor } from '../../support/fleet.js';
import { tempDir } from '../../support/hub.js';

const quiet = pino({ level: 'silent' });

/** A driver whose workloads only keep a log, written by the test through `write`. */
class LogOnlyDriver implements RuntimeDriver {
  readonly name = 'log-only';
  readonly lines = new Map<string, LogLine[]>();
  readonly #events = new EventEmitter();
  followers = 0;

  async capabilities(): Promise<DriverCapabilities> {
    return { available: true, handlers: ['log-only'] };
  }
  async start(spec: WorkloadSpec): Promise<StartedWorkload> {
    if (!this.lines.has(spec.id)) this.lines.set(spec.id, []);
    return { status: this.status(spec.id) as WorkloadStatus };
  }
  async stop(): Promise<void> {}
  status(id: string): WorkloadStatus | undefined {
    return this.lines.has(id) ? { state: 'running', ready: true } : undefined;
  }
  onStatusChange(): void {}
  write(podUid: string, container: string, line: string): void {
    const entry: LogLine = { time: new Date().toISOString(), stream: 'stderr', line };
    this.lines.get(`${podUid}/${container}`)?.push(entry);
    this.#events.emit('line', `${podUid}/${container}`, entry);
  }
  async *logs(id: string, options: LogOptions = {}): AsyncGenerator<LogLine> {
    const all = this.lines.get(id) ?? [];
    yield* options.tail === undefined ? all : options.tail > 0 ? all.slice(-options.tail) : [];
    if (!options.follow) return;
    this.followers++;
    try {
      while (!options.signal?.aborted) {
        const abort = new AbortController();
        options.signal?.addEventListener('abort', () => abort.abort(), { once: true });
        try {
          const [lineId, entry] = (await once(this.#events, 'line', { signal: abort.signal })) as [
            string,
            LogLine,
          ];
          if (lineId === id) yield entry;
        } catch {
          return;
        }
      }
    } finally {
      this.followers--;
    }
  }
  async close(): Promise<void> {}
}

function pod(name: string, node: string, containers = ['app']): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      nodeName: node,
      runtimeClassName: 'log-only',
      containers: containers.map((c) => ({ name: c, image: 'x' })),
    },
  };
}

async function readAll(stream: AsyncIterable<unknown>): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text;
}

describe('pods/log through the agent link', { timeout: 60_000 }, () => {
  const root = tempDir('edgewise-logs-');
  const driver = new LogOnlyDriver();
  let hub: Hub;
  let served: ListeningHub;
  let agent: Agent;
  let client: HubClient;
  let uid = '';

  const logPath = (name: string, query = '') => `/api/v1/namespaces/default/pods/${name}/log${query}`;

  before(async () => {
    hub = await createHub({
      dataDir: path.join(root, 'hub'),
      logger: quiet,
      controllers: false,
      features: [workloadLogsFeature({ answerTimeoutMs: 5000 })],
    });
    served = await listenHub(hub, { host: '127.0.0.1', port: 0 });
    client = new HubClient({
      server: served.url,
      ca: hub.security?.pki.caPem ?? '',
      token: hub.security?.adminToken ?? '',
    });
    await hub.service.create(runtimeClassType, '', {
      apiVersion: 'node.k8s.io/v1',
      kind: 'RuntimeClass',
      metadata: { name: 'log-only' },
      handler: 'log-only',
    });
    const token = await hub.security?.tokens.create({ ttlMs: 600_000, oneTime: true });
    agent = await Agent.start({
      hubUrl: served.url,
      token: token?.token ?? '',
      name: 'edge-1',
      dataDir: path.join(root, 'edge-1'),
      address: '127.0.0.1',
      logger: quiet,
      drivers: [driver],
      linkBackoff: { minMs: 50, maxMs: 200 },
    });
    uid = (await hub.service.create(podType, 'default', pod('web', 'edge-1'))).object.metadata.uid ?? '';
    await hub.service.create(podType, 'default', pod('pair', 'edge-1', ['app', 'sidecar']));
    await waitFor('the pod on the node', () => (driver.lines.has(`${uid}/app`) ? true : undefined));
    for (const line of ['one', 'two', 'three']) driver.write(uid, 'app', line);
  });

  after(async () => {
    await agent?.close().catch(() => undefined);
    await served.close();
    await hub.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('returns the log, or its last lines, with timestamps on request', async () => {
    assert.equal((await client.request('GET', logPath('web'))).body, 'one\ntwo\nthree\n');
    assert.equal((await client.request('GET', logPath('web', '?tailLines=2'))).body, 'two\nthree\n');
    const stamped = (await client.request('GET', logPath('web', '?tailLines=1&timestamps=true'))).body;
    assert.match(stamped, /^\d{4}-\d\d-\d\dT\S+ three\n$/);
    assert.equal((await client.request('GET', logPath('web', '?limitBytes=5'))).body, 'one\nt');
  });

  it('follows until the client goes away, and the agent stops reading then', async () => {
    const abort = new AbortController();
    const res = await client.open('GET', logPath('web', '?follow=true&tailLines=0'), {
      signal: abort.signal,
    });
    res.setEncoding('utf8');
    let text = '';
    res.on('data', (c: string) => (text += c));
    res.on('error', () => {});
    await waitFor('the agent following', () => (driver.followers === 1 ? true : undefined));
    driver.write(uid, 'app', 'four');
    await waitFor('the followed line', () => (text === 'four\n' ? true : undefined));
    abort.abort();
    await waitFor('the agent to stop following', () =>
      driver.followers === 0 && agent.logs.active === 0 ? true : undefined,
    );
  });

  it('refuses what it cannot serve, saying why', async () => {
    const refusal = async (pathname: string, code: string, pattern: RegExp) =>
      assert.rejects(client.request('GET', pathname), (err: unknown) => {
        assert.ok(EdgewiseError.isCode(err, code as 'EW_NOT_FOUND'), String(err));
        assert.match((err as Error).message, pattern);
        return true;
      });
    await refusal(logPath('nope'), 'EW_NOT_FOUND', /pods "nope" not found/);
    await refusal(
      logPath('pair'),
      'EW_BAD_REQUEST',
      /a container name must be specified for pod pair, choose one of: \[app sidecar\]/,
    );
    await refusal(logPath('web', '?container=db'), 'EW_BAD_REQUEST', /container db is not valid for pod web/);
    await refusal(logPath('web', '?tailLines=-3'), 'EW_BAD_REQUEST', /invalid tailLines/);
    await refusal(logPath('web', '?previous=true'), 'EW_BAD_REQUEST', /previous/);
    assert.equal((await client.request('GET', logPath('pair', '?container=sidecar'))).body, '');

    await hub.service.create(podType, 'default', pod('elsewhere', 'edge-offline'));
    await refusal(logPath('elsewhere'), 'EW_UNAVAILABLE', /node edge-offline is not connected to the hub/);
  });

  it('ends a follow when the node goes away, and then says the node is offline', async () => {
    const res = await client.open('GET', logPath('web', '?follow=true'));
    const body = readAll(res);
    await waitFor('the agent following', () => (driver.followers === 1 ? true : undefined));
    await agent.close();
    assert.match(await body, /^one\ntwo\nthree\nfour\n$/);
    await assert.rejects(client.request('GET', logPath('web')), /node edge-1 is not connected to the hub/);
  });
});
