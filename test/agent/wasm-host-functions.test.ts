/**
 * The Wasm host functions on a real agent, end to end: an in-process hub with edge
 * policy and data ingest, an agent with both features and the example services as
 * pods. With the hub stopped, the education service admits an allowed student and
 * refuses a denied one through edgewise.policy_decide (the decisions in the node's
 * log), and the supply-chain tracker's events go durably into the node's shipments
 * stream through edgewise.stream_write; once the hub is back they arrive there exactly
 * once, in order, and the decisions reach the hub's audit store.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import YAML from 'yaml';
import { Agent } from '../../src/agent/agent.js';
import { EdgePolicyFeature } from '../../src/agent/edge-policy/index.js';
import { streamsFeature } from '../../src/agent/streams/feature.js';
import { AgentWasmHost } from '../../src/agent/wasm-host.js';
import { streamType } from '../../src/api/kinds/data-stream.js';
import { DATA_SYNC_STORAGE, dataSyncType } from '../../src/api/kinds/data-sync.js';
import { runtimeClassType } from '../../src/api/kinds/edge.js';
import { podType } from '../../src/api/kinds/pod.js';
import type { KubeObject } from '../../src/api/object.js';
import { EdgePolicyHubFeature } from '../../src/hub/edge-policy/index.js';
import { WasmDriver } from '../../src/runtime/wasm/driver.js';
import { applyConfigMap, exampleConfigMaps, hubGet } from '../support/edge-policy-fleet.js';
import { joinToken, tempDir } from '../support/hub.js';
import { REPO_ROOT } from '../support/paths.js';
import {
  hubRecords,
  quiet,
  type SyncHub,
  startSyncHub,
  waitFor,
  waitForShipped,
} from '../sync/support/fleet.js';

const APPS = {
  'education-courses:1.0': 'examples/education/courses',
  'supply-chain-tracker:1.0': 'examples/supply-chain/tracker',
} as const;

/** Builds the two examples with the project's build when a module is missing or older than its sources. */
function ensureBuilt(): void {
  const sources = (base: string) => [`${base}.ts`, 'examples/lib/edgewise.ts', 'examples/lib/wagi.ts'];
  const stale = Object.values(APPS).filter((base) => {
    const wasm = path.join(REPO_ROOT, `${base}.wasm`);
    if (!existsSync(wasm)) return true;
    const built = statSync(wasm).mtimeMs;
    return sources(base).some((s) => statSync(path.join(REPO_ROOT, s)).mtimeMs > built);
  });
  if (stale.length === 0) return;
  execFileSync(
    process.execPath,
    [path.join(REPO_ROOT, 'scripts/build-examples.mjs'), ...stale.map((b) => `${b}.ts`)],
    { stdio: 'inherit', cwd: REPO_ROOT },
  );
}

/** The example's Deployment as one pod bound to `node` (the test hub runs no controllers). */
function examplePod(app: string, node: string): KubeObject {
  const deployment = YAML.parse(
    readFileSync(path.join(REPO_ROOT, 'examples', app, 'deployment.yaml'), 'utf8'),
  ) as {
    metadata: { name: string };
    spec: { template: { metadata: { labels: Record<string, string> }; spec: Record<string, unknown> } };
  };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: deployment.metadata.name,
      namespace: 'default',
      labels: deployment.spec.template.metadata.labels,
    },
    spec: { ...deployment.spec.template.spec, nodeName: node },
  };
}

/** A request to the node's gateway for `workload` (the pod's name), on a fresh connection. */
function viaGateway(
  port: number,
  workload: string,
  method: string,
  urlPath: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: urlPath,
        agent: false,
        headers: {
          host: `${workload}.default`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        timeout: 10_000,
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> });
          } catch {
            resolve({ status: res.statusCode ?? 0, json: { text } });
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath} timed out`)));
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe('Wasm host functions on an agent: decisions and durable writes, hub or no hub', {
  timeout: 120_000,
}, () => {
  const root = tempDir('edgewise-wasm-host-');
  const hubDir = path.join(root, 'hub');
  const hubFeatures = () => [new EdgePolicyHubFeature()];
  let hub: SyncHub;
  let port = 0;
  let agent: Agent;
  let policy: EdgePolicyFeature;
  let gateway = 0;
  const decisionIds: string[] = [];

  before(async () => {
    ensureBuilt();
    hub = await startSyncHub(hubDir, { features: hubFeatures() });
    port = hub.port;
    const wasmHost = new AgentWasmHost();
    policy = new EdgePolicyFeature({ flushIntervalMs: 20 });
    agent = await Agent.start({
      hubUrl: hub.url,
      token: await joinToken(hub.hub),
      name: 'school-1',
      dataDir: path.join(root, 'school-1'),
      address: '127.0.0.1',
      logger: quiet,
      labels: { 'node-type': 'edge' },
      linkBackoff: { minMs: 20, maxMs: 100 },
      drivers: [new WasmDriver({ workers: 2, hostServices: wasmHost })],
      wasmHost,
      features: [policy, streamsFeature({ reportIntervalMs: 100, sweepIntervalMs: 100 })],
      gateway: { host: '127.0.0.1', port: 0 },
      resolveArtifact: async (image) => {
        const base = APPS[image as keyof typeof APPS];
        return base ? { path: path.join(REPO_ROOT, `${base}.wasm`) } : undefined;
      },
    });
    gateway = agent.gateway.shared?.port ?? 0;
    const api = hub.hub.service;
    await api.create(runtimeClassType, '', {
      apiVersion: 'node.k8s.io/v1',
      kind: 'RuntimeClass',
      metadata: { name: 'wasmedge' },
      handler: 'wasmedge',
    } as KubeObject);
    for (const cm of exampleConfigMaps('education-policy.yaml')) await applyConfigMap(hub.hub, cm);
    const sync = YAML.parse(readFileSync(path.join(REPO_ROOT, 'examples/supply-chain/sync.yaml'), 'utf8'));
    await api.create(dataSyncType, 'default', sync as KubeObject);
    for (const app of ['education', 'supply-chain'])
      await api.create(podType, 'default', examplePod(app, 'school-1'));
    await waitForShipped(agent, DATA_SYNC_STORAGE, 1);
    await waitFor('the education policy in force on the node', () =>
      policy.bundle.sources.some((s) => s.name === 'education-policy') ? true : undefined,
    );
    for (const workload of ['education-courses', 'supply-chain-tracker'])
      await waitFor(`${workload} served by the node`, async () => {
        const probe = workload === 'education-courses' ? '/courses/math-101' : '/healthz';
        return (await viaGateway(gateway, workload, 'GET', probe)).status === 200 ? true : undefined;
      });
  });

  after(async () => {
    await agent?.close().catch(() => undefined);
    await hub?.close().catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  });

  it('admits an allowed student and refuses a denied one through the host function, with the hub stopped', async () => {
    await hub.close();
    await waitFor('the link down', () => (agent.link.connected ? undefined : true));
    const join = (student: string, role: string) =>
      viaGateway(gateway, 'education-courses', 'POST', '/courses/math-101/join', { student, role });
    const admitted = await join('s-42', 'student');
    assert.equal(admitted.status, 200, JSON.stringify(admitted.json));
    assert.equal(admitted.json.joined, true);
    const refused = await join('t-7', 'teacher');
    assert.equal(refused.status, 403);
    assert.equal(refused.json.joined, false);
    assert.equal(
      refused.json.reason,
      'the join policy (education/allow) does not admit a teacher to this active course',
    );
    for (const answer of [admitted, refused]) {
      assert.match(String(answer.json.decision_id), /^[0-9a-f-]{36}$/);
      decisionIds.push(String(answer.json.decision_id));
    }
    // The node logged both decisions (for the hub's audit, once it is back).
    const logged = await waitFor('both decisions in the node log', () => {
      const rows = agent.state.database.prepare('SELECT entry FROM edge_policy_decisions').all() as {
        entry: string;
      }[];
      const entries = rows.map(
        (r) => JSON.parse(r.entry) as { decision_id: string; result?: unknown; path: string },
      );
      const ours = entries.filter((e) => decisionIds.includes(e.decision_id));
      return ours.length === 2 ? ours : undefined;
    });
    assert.deepEqual(
      decisionIds.map((id) => {
        const e = logged.find((x) => x.decision_id === id);
        return [e?.path, e?.result];
      }),
      [
        ['education/allow', true],
        ['education/allow', false],
      ],
    );
    const info = await viaGateway(gateway, 'education-courses', 'GET', '/courses/math-101');
    assert.equal(info.json.students, 1, 'only the admitted student was enrolled');
  });

  it('keeps the tracker’s events durable on the node and delivers them exactly once when the hub returns', async () => {
    assert.equal(agent.link.connected, false, 'the hub is still away');
    const events = [
      { po: 'PO-1', event: 'shipped', location: 'Shenzhen' },
      { po: 'PO-1', event: 'arrived', location: 'Rotterdam' },
      { po: 'PO-2', event: 'shipped', location: 'Busan' },
    ];
    const seqs: unknown[] = [];
    for (const e of events) {
      const res = await viaGateway(gateway, 'supply-chain-tracker', 'POST', '/track', e);
      assert.equal(res.status, 201, JSON.stringify(res.json));
      seqs.push(res.json.seq);
    }
    assert.deepEqual(seqs, [1, 2, 3], 'acknowledged with their sequence numbers, hub or no hub');
    hub = await startSyncHub(hubDir, { port, features: hubFeatures() });
    const stored = await waitFor('three records at the hub', async () => {
      const r = await hubRecords(hub.ingest, { stream: 'shipments' });
      return r.length >= 3 ? r : undefined;
    });
    await waitFor('the stream drained and reported', async () => {
      const s = await hub.hub.service.find(streamType, '', 'school-1.shipments');
      const status = s?.status as { delivered?: number; backlog?: number } | undefined;
      return status?.delivered === 3 && status.backlog === 0 ? true : undefined;
    });
    // One more after the link is back: it follows, and nothing came twice.
    const later = await viaGateway(gateway, 'supply-chain-tracker', 'POST', '/track', {
      po: 'PO-2',
      event: 'arrived',
    });
    assert.equal(later.json.seq, 4);
    const all = await waitFor('the fourth record', async () => {
      const r = await hubRecords(hub.ingest, { stream: 'shipments' });
      return r.length >= 4 ? r : undefined;
    });
    assert.deepEqual(
      all.map((r) => [r.node, r.seq, JSON.parse(r.data).po, JSON.parse(r.data).event]),
      [
        ['school-1', 1, 'PO-1', 'shipped'],
        ['school-1', 2, 'PO-1', 'arrived'],
        ['school-1', 3, 'PO-2', 'shipped'],
        ['school-1', 4, 'PO-2', 'arrived'],
      ],
    );
    assert.equal(new Set(stored.map((r) => r.seq)).size, stored.length);
    // The decisions made while the hub was away reached its audit store too.
    const audit = await waitFor('the decisions at the hub', async () => {
      const res = await hubGet(
        { url: hub.url, hub: hub.hub } as never,
        '/edgewise/v1/decisions?node=school-1',
      );
      const items = (JSON.parse(res.body) as { items?: { decision_id: string }[] }).items ?? [];
      return decisionIds.every((id) => items.some((i) => i.decision_id === id)) ? items : undefined;
    });
    assert.equal(audit.filter((i) => decisionIds.includes(i.decision_id)).length, 2, 'each decision once');
  });
});
