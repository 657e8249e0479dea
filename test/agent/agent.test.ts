/**
 * The agent and its link against a real (in-process, HTTPS) hub: resume without
 * relisting, the link's refusal of wrong versions and stolen names, waiting for
 * missing configuration, and data-dir faults that must never be papered over.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { WebSocket } from 'ws';
import { Agent } from '../../src/agent/agent.js';
import { parseCapacity } from '../../src/agent/node-report.js';
import { configMapType } from '../../src/api/kinds/core.js';
import { runtimeClassType } from '../../src/api/kinds/edge.js';
import { nodeType } from '../../src/api/kinds/node.js';
import { podType } from '../../src/api/kinds/pod.js';
import { LINK_PATH, LINK_SUBPROTOCOL, LinkClose } from '../../src/api/link-protocol.js';
import type { KubeObject } from '../../src/api/object.js';
import { createHub, type Hub, type ListeningHub, listenHub } from '../../src/hub/hub.js';
import { killAll, waitFor } from '../support/fleet.js';
import { tempDir } from '../support/hub.js';

const quiet = pino({ level: 'silent' });

function pod(name: string, node: string, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      nodeName: node,
      runtimeClassName: 'process',
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'c',
          image: 'local/sleeper:1',
          command: [process.execPath, '-e', 'setInterval(() => {}, 1000)'],
          ...extra,
        },
      ],
    },
  };
}

describe('agent and link', { timeout: 120_000 }, () => {
  const root = tempDir('edgewise-agent-');
  let hub: Hub;
  let served: ListeningHub;
  const agents: Agent[] = [];
  /** The resume node's link credential and pinned CA, kept for the link tests. */
  let credential = '';
  let ca = '';

  async function startAgent(name: string, token?: string): Promise<Agent> {
    const agent = await Agent.start({
      hubUrl: served.url,
      ...(token && { token }),
      name,
      dataDir: path.join(root, name),
      address: '127.0.0.1',
      logger: quiet,
      linkBackoff: { minMs: 50, maxMs: 200 },
      stopWorkloadsOnClose: true,
    });
    agents.push(agent);
    return agent;
  }

  async function token(): Promise<string> {
    const created = await hub.security?.tokens.create({ ttlMs: 600_000, oneTime: true });
    return created?.token as string;
  }

  async function podStatus(name: string): Promise<Record<string, unknown> | undefined> {
    return (await hub.service.find(podType, 'default', name))?.status as Record<string, unknown> | undefined;
  }

  before(async () => {
    hub = await createHub({ dataDir: path.join(root, 'hub'), logger: quiet, controllers: false });
    served = await listenHub(hub, { host: '127.0.0.1', port: 0 });
    await hub.service.create(runtimeClassType, '', {
      apiVersion: 'node.k8s.io/v1',
      kind: 'RuntimeClass',
      metadata: { name: 'process' },
      handler: 'process',
    });
  });
  after(async () => {
    for (const a of agents) await a.close().catch(() => undefined);
    await served.close();
    await hub.close();
    killAll(root);
    rmSync(root, { recursive: true, force: true });
  });

  it('resumes from what it holds: a reconnect resends only what changed', async () => {
    const first = await startAgent('resume-node', await token());
    await hub.service.create(configMapType, 'default', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'shared' },
      data: { v: '1' },
    });
    for (const n of ['p1', 'p2', 'p3']) {
      await hub.service.create(
        podType,
        'default',
        pod(n, 'resume-node', {
          env: [{ name: 'V', valueFrom: { configMapKeyRef: { name: 'shared', key: 'v' } } }],
        }),
      );
    }
    await waitFor('3 pods and their ConfigMap on the node', () =>
      first.state.inventory().length === 5 ? true : undefined,
    );
    await first.close();

    const second = await startAgent('resume-node');
    await waitFor('a resync', () => second.link.stats.syncs[0]);
    assert.deepEqual(
      second.link.stats.syncs[0],
      { sent: 0, unchanged: 5 },
      'nothing is resent when nothing changed',
    );
    await second.close();

    // While the node is away: one ConfigMap changes and one pod is deleted.
    await hub.service.modify(configMapType, 'default', 'shared', (cm) => ({ ...cm, data: { v: '2' } }));
    await hub.service.delete(podType, 'default', 'p3', { gracePeriodSeconds: 0 });
    const third = await startAgent('resume-node');
    await waitFor('a resync', () => third.link.stats.syncs[0]);
    assert.deepEqual(
      third.link.stats.syncs[0],
      { sent: 2, unchanged: 3 },
      'only the changed ConfigMap and the deletion travel',
    );
    assert.deepEqual(third.state.object(configMapType.storage, 'default', 'shared')?.data, { v: '2' });
    assert.equal(third.state.object(podType.storage, 'default', 'p3'), undefined);
    credential = third.state.getMeta('credential') as string;
    ca = third.state.getMeta('caPem') as string;
    await third.close();
  });

  it('refuses a link message of an unknown protocol version', async () => {
    const ws = new WebSocket(`${served.url.replace('https', 'wss')}${LINK_PATH}`, LINK_SUBPROTOCOL, {
      headers: { Authorization: `Bearer ${credential}` },
      ca,
    });
    const messages: string[] = [];
    ws.on('message', (m) => messages.push(String(m)));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ v: 2, type: 'hello', node: 'resume-node' }));
    const [code] = (await new Promise((r) => ws.once('close', (c, reason) => r([c, String(reason)])))) as [
      number,
      string,
    ];
    assert.equal(code, LinkClose.UNSUPPORTED_VERSION);
    assert.match(messages[0] ?? '', /unsupported link protocol version 2; this peer speaks 1/);
  });

  it("refuses a node claiming another node's name on the link", async () => {
    const ws = new WebSocket(`${served.url.replace('https', 'wss')}${LINK_PATH}`, LINK_SUBPROTOCOL, {
      headers: { Authorization: `Bearer ${credential}` },
      ca,
    });
    await new Promise((r) => ws.once('open', r));
    ws.send(
      JSON.stringify({
        v: 1,
        type: 'hello',
        node: 'someone-else',
        agentVersion: 'x',
        lastRevision: 0,
        inventory: [],
        report: { labels: {}, status: {} },
      }),
    );
    const code = await new Promise<number>((r) => ws.once('close', (c) => r(c)));
    assert.equal(code, LinkClose.UNAUTHORIZED);
    assert.equal(await hub.service.find(nodeType, '', 'someone-else'), undefined);
  });

  it('refuses a link without a valid credential', async () => {
    const ws = new WebSocket(`${served.url.replace('https', 'wss')}${LINK_PATH}`, LINK_SUBPROTOCOL, {
      headers: { Authorization: 'Bearer forged' },
      ca: hub.security?.pki.caPem,
    });
    const status = await new Promise<number>((r) =>
      ws.once('unexpected-response', (_req, res) => r(res.statusCode ?? 0)),
    );
    assert.equal(status, 401);
  });

  it('keeps a pod waiting with a clear reason until its ConfigMap appears', async () => {
    await startAgent('config-node', await token());
    await hub.service.create(
      podType,
      'default',
      pod('needs-config', 'config-node', { envFrom: [{ configMapRef: { name: 'late-config' } }] }),
    );
    const waiting = await waitFor('the waiting reason', async () => {
      const status = (await podStatus('needs-config')) as
        | { containerStatuses?: { state: { waiting?: { reason: string; message: string } } }[] }
        | undefined;
      return status?.containerStatuses?.[0]?.state.waiting?.reason === 'CreateContainerConfigError'
        ? status.containerStatuses[0].state.waiting
        : undefined;
    });
    assert.equal(waiting.message, 'configmap "late-config" not found');
    await hub.service.create(configMapType, 'default', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'late-config' },
      data: { MODE: 'edge' },
    });
    const phase = await waitFor('Running', async () =>
      (await podStatus('needs-config'))?.phase === 'Running' ? 'Running' : undefined,
    );
    assert.equal(phase, 'Running');
  });

  it('refuses a missing or corrupt data dir without touching it', async () => {
    await assert.rejects(
      Agent.start({ dataDir: path.join(root, 'never-joined'), logger: quiet }),
      /no agent state at .*agent\.db: this node has not joined yet \(pass --token to join\)/,
    );
    const corrupt = path.join(root, 'corrupt');
    mkdirSync(corrupt, { recursive: true });
    const garbage = Buffer.from('this is not a database, it is a shopping list\n'.repeat(100));
    writeFileSync(path.join(corrupt, 'agent.db'), garbage);
    await assert.rejects(
      Agent.start({ dataDir: corrupt, logger: quiet }),
      /agent state .*agent\.db is unreadable or corrupt .*left untouched/,
    );
    assert.deepEqual(readFileSync(path.join(corrupt, 'agent.db')), garbage, 'the file was not wiped');
    const agent = agents.find((a) => a.nodeName === 'config-node') as Agent;
    await agent.close();
    await assert.rejects(
      Agent.start({ dataDir: path.join(root, 'config-node'), name: 'another-name', logger: quiet }),
      /belongs to node config-node, not another-name/,
    );
    assert.ok(existsSync(path.join(root, 'config-node', 'agent.db')));
  });

  it('rejects nonsense capacity before joining', () => {
    assert.throws(() => parseCapacity('cpu=lots'), /--capacity: cpu=lots is not a sensible quantity/);
    assert.throws(() => parseCapacity('memory=-1Gi'), /not a sensible quantity/);
    assert.throws(() => parseCapacity('gpus=2'), /unknown resource "gpus"/);
    assert.deepEqual(parseCapacity('cpu=4,memory=8Gi'), { cpu: '4', memory: '8Gi' });
  });
});
