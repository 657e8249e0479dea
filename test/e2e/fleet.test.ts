/**
 * A fleet as an operator meets it: a hub and two agents as real processes on
 * loopback. Apply → placed → running and serving; the hub dies and the site keeps
 * serving, a crashed workload restarts, the agent restarts from its own state;
 * the hub returns and status converges; a silent node goes Offline without losing
 * its pods; unplaceable pods say why.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { HubClient } from '../../src/cli/client.js';
import {
  type AgentProcess,
  createToken,
  freePort,
  type HubProcess,
  httpGet,
  killAll,
  startAgentProcess,
  startHubProcess,
  stop,
  waitFor,
} from '../support/fleet.js';
import { tempDir } from '../support/hub.js';

interface PodView {
  metadata: { name: string; uid: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status?: {
    phase?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    hostPorts?: { containerPort: number; hostPort: number }[];
    containerStatuses?: { restartCount: number; ready: boolean }[];
  };
}

/** A tiny HTTP service: says which node and process answered; /crash exits with 1. */
const SERVICE = `
const http = require('node:http');
let hits = 0;
http.createServer((req, res) => {
  if (req.url === '/crash') { res.end('bye'); setTimeout(() => process.exit(1), 10); return; }
  hits++;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ node: process.env.NODE_NAME, pid: process.pid, hits, greeting: process.env.GREETING }));
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

function manifests(): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'List',
    items: [
      {
        apiVersion: 'node.k8s.io/v1',
        kind: 'RuntimeClass',
        metadata: { name: 'process' },
        handler: 'process',
      },
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'greeter-config' },
        data: { greeting: 'hello from the edge' },
      },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'greeter' },
        spec: {
          replicas: 2,
          template: {
            spec: {
              runtimeClassName: 'process',
              nodeSelector: { 'node-type': 'edge' },
              containers: [
                {
                  name: 'greeter',
                  image: 'local/greeter:1',
                  command: [process.execPath, '-e', SERVICE],
                  ports: [{ containerPort: 8080 }],
                  resources: { requests: { cpu: '50m', memory: '32Mi' } },
                  env: [
                    { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
                    {
                      name: 'GREETING',
                      valueFrom: { configMapKeyRef: { name: 'greeter-config', key: 'greeting' } },
                    },
                  ],
                },
              ],
            },
          },
        },
      },
    ],
  });
}

async function pods(client: HubClient, selector: string): Promise<PodView[]> {
  const { value } = await client.json<{ items: PodView[] }>(
    'GET',
    `/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent(selector)}`,
  );
  return value.items;
}

function ready(pod: PodView): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

async function nodeStatus(client: HubClient, name: string): Promise<string> {
  const { value } = await client.json<{
    status?: { conditions?: { type: string; status: string; reason?: string }[] };
  }>('GET', `/api/v1/nodes/${name}`);
  const c = value.status?.conditions?.find((x) => x.type === 'Ready');
  if (c?.status === 'True') return 'Ready';
  return c?.reason === 'NodeOffline' ? 'Offline' : 'NotReady';
}

describe('a fleet that keeps serving without its hub', { timeout: 240_000 }, () => {
  const root = tempDir('edgewise-e2e-');
  const hubDir = path.join(root, 'hub');
  let port = 0;
  let hub: HubProcess;
  let agentA: AgentProcess;
  let agentB: AgentProcess;
  /** Where each replica answers: node → URL. */
  const endpoints = new Map<string, string>();
  const pidOn = new Map<string, number>();

  before(async () => {
    port = await freePort();
    hub = await startHubProcess(hubDir, port);
    const [ta, tb] = [await createToken(hub.client), await createToken(hub.client)];
    agentA = await startAgentProcess(path.join(root, 'a'), {
      hubUrl: hub.url,
      token: ta,
      name: 'store-001-a',
      labels: 'node-type=edge,edgewise.io/site=store-001',
      portRange: '41000-41099',
    });
    agentB = await startAgentProcess(path.join(root, 'b'), {
      hubUrl: hub.url,
      token: tb,
      name: 'store-002-a',
      labels: 'node-type=edge,edgewise.io/site=store-002',
      portRange: '41100-41199',
    });
  });
  after(() => {
    killAll(root);
    rmSync(root, { recursive: true, force: true });
  });

  it('registers joined nodes with their site, architecture and runtimes', async () => {
    for (const name of ['store-001-a', 'store-002-a']) {
      const state = await waitFor(`${name} Ready`, async () =>
        (await nodeStatus(hub.client, name)) === 'Ready' ? 'Ready' : undefined,
      );
      assert.equal(state, 'Ready');
    }
    const { value: node } = await hub.client.json<{
      metadata: { labels: Record<string, string> };
      status: { runtimeHandlers: { name: string }[] };
    }>('GET', '/api/v1/nodes/store-001-a');
    assert.equal(node.metadata.labels['edgewise.io/site'], 'store-001');
    assert.ok(node.metadata.labels['kubernetes.io/arch']);
    assert.ok(node.status.runtimeHandlers.some((h) => h.name === 'process'));
  });

  it('places replicas on different sites and serves them on their nodes', async () => {
    await hub.client.request('POST', '/api/v1/namespaces/default/configmaps', {
      contentType: 'application/json',
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'placeholder' } }),
    });
    const list = JSON.parse(manifests()) as {
      items: { apiVersion: string; kind: string; metadata: { name: string } }[];
    };
    for (const item of list.items) {
      const base =
        item.apiVersion === 'v1'
          ? '/api/v1/namespaces/default/configmaps'
          : item.kind === 'RuntimeClass'
            ? '/apis/node.k8s.io/v1/runtimeclasses'
            : '/apis/apps/v1/namespaces/default/deployments';
      await hub.client.request('PATCH', `${base}/${item.metadata.name}`, {
        contentType: 'application/apply-patch+yaml',
        body: JSON.stringify(item),
      });
    }
    const running = await waitFor(
      '2 ready replicas',
      async () => {
        const list = await pods(hub.client, 'app=greeter');
        return list.length === 2 && list.every(ready) ? list : undefined;
      },
      60_000,
    );
    const nodes = new Set(running.map((p) => p.spec.nodeName));
    assert.deepEqual([...nodes].sort(), ['store-001-a', 'store-002-a'], 'one replica per site');
    for (const pod of running) {
      const hostPort = pod.status?.hostPorts?.[0]?.hostPort;
      assert.ok(hostPort, 'the pod reports the host port serving its containerPort');
      const url = `http://127.0.0.1:${hostPort}/`;
      const answer = await waitFor('an answer', async () => (await httpGet(url))?.body);
      const body = JSON.parse(answer) as { node: string; pid: number; greeting: string };
      assert.equal(body.node, pod.spec.nodeName);
      assert.equal(body.greeting, 'hello from the edge', 'ConfigMap values reach the workload through env');
      endpoints.set(pod.spec.nodeName as string, url);
      pidOn.set(pod.spec.nodeName as string, body.pid);
    }
  });

  it('explains in plain words why a pod cannot be placed', async () => {
    await hub.client.request('POST', '/apis/apps/v1/namespaces/default/deployments', {
      contentType: 'application/json',
      body: JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'nowhere' },
        spec: {
          replicas: 1,
          template: {
            spec: {
              runtimeClassName: 'process',
              nodeSelector: { 'node-type': 'satellite' },
              containers: [{ name: 'c', image: 'x', command: ['true'] }],
            },
          },
        },
      }),
    });
    const message = await waitFor('an unschedulable condition', async () => {
      const [pod] = await pods(hub.client, 'app=nowhere');
      return pod?.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False')?.message;
    });
    assert.equal(message, '0/2 nodes are available: 2 lack label node-type=satellite.');
    const { value: events } = await hub.client.json<{ items: { reason: string; message: string }[] }>(
      'GET',
      '/api/v1/namespaces/default/events?fieldSelector=reason%3DFailedScheduling',
    );
    assert.ok(
      events.items.some((e) => e.message === message),
      'and an Event says the same',
    );
  });

  it('keeps serving with the hub gone, restarts a crashed workload, and comes back after an agent restart', async () => {
    await stop(hub.child, 'SIGKILL');
    const urlA = endpoints.get('store-001-a') as string;
    assert.ok((await httpGet(urlA))?.status === 200, 'the site serves with the hub dead');
    await httpGet(`${urlA}crash`);
    const restarted = await waitFor('the crashed workload back', async () => {
      const answer = await httpGet(urlA);
      if (!answer) return undefined;
      const body = JSON.parse(answer.body) as { pid: number };
      return body.pid !== pidOn.get('store-001-a') ? body.pid : undefined;
    });
    pidOn.set('store-001-a', restarted);
    // Restart the agent with the hub still down: it brings the workload back from its own state.
    await stop(agentA.child, 'SIGTERM');
    agentA = await startAgentProcess(path.join(root, 'a'));
    const after = await waitFor('the workload after the agent restart', async () => {
      const answer = await httpGet(urlA);
      return answer ? (JSON.parse(answer.body) as { pid: number }).pid : undefined;
    });
    assert.equal(after, restarted, 'the running workload was adopted, not started twice');
  });

  it('converges when the hub returns: nodes Ready, restart counts reported', async () => {
    hub = await startHubProcess(hubDir, port);
    await waitFor('both nodes Ready', async () => {
      const states = await Promise.all(['store-001-a', 'store-002-a'].map((n) => nodeStatus(hub.client, n)));
      return states.every((s) => s === 'Ready') ? true : undefined;
    });
    const pod = await waitFor('the restart reported', async () => {
      const list = await pods(hub.client, 'app=greeter');
      const onA = list.find((p) => p.spec.nodeName === 'store-001-a');
      return onA && (onA.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 && ready(onA)
        ? onA
        : undefined;
    });
    assert.ok(pod);
    assert.equal(
      (await pods(hub.client, 'app=greeter')).length,
      2,
      'no replica was added while the hub was away',
    );
  });

  it('marks a silent node Offline without evicting or replacing its pod', async () => {
    const before = (await pods(hub.client, 'app=greeter')).map((p) => p.metadata.uid).sort();
    await stop(agentB.child, 'SIGKILL');
    await waitFor('store-002-a Offline', async () =>
      (await nodeStatus(hub.client, 'store-002-a')) === 'Offline' ? true : undefined,
    );
    const during = await pods(hub.client, 'app=greeter');
    assert.deepEqual(during.map((p) => p.metadata.uid).sort(), before, 'same pods: none evicted, none added');
    assert.ok(during.every((p) => !p.metadata.deletionTimestamp));
    const urlB = endpoints.get('store-002-a') as string;
    assert.equal((await httpGet(urlB))?.status, 200, 'the offline site still serves');
    agentB = await startAgentProcess(path.join(root, 'b'));
    await waitFor('store-002-a Ready again', async () =>
      (await nodeStatus(hub.client, 'store-002-a')) === 'Ready' ? true : undefined,
    );
    const back = await waitFor('its pod ready again', async () => {
      const onB = (await pods(hub.client, 'app=greeter')).find((p) => p.spec.nodeName === 'store-002-a');
      return onB && ready(onB) ? onB : undefined;
    });
    assert.equal(
      back.status?.containerStatuses?.[0]?.restartCount,
      0,
      'nothing was restarted on the returning node',
    );
    const answer = JSON.parse((await httpGet(urlB))?.body ?? '{}') as { pid: number };
    assert.equal(answer.pid, pidOn.get('store-002-a'), 'the same process served throughout');
  });
});
