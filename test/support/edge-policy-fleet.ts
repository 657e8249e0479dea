/** In-process hubs and agents with the edge policy features, for the edge policy tests. */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pino } from 'pino';
import YAML from 'yaml';
import { Agent } from '../../src/agent/agent.js';
import { type EdgePolicyAgentOptions, EdgePolicyFeature } from '../../src/agent/edge-policy/index.js';
import { configMapType } from '../../src/api/kinds/core.js';
import type { KubeObject } from '../../src/api/object.js';
import { EdgePolicyHubFeature } from '../../src/hub/edge-policy/index.js';
import { createHub, type Hub, type ListeningHub, listenHub } from '../../src/hub/hub.js';
import { REPO_ROOT } from './paths.js';

export const quiet = pino({ level: 'silent' });
export const EXAMPLES = path.join(REPO_ROOT, 'examples', 'policy');

export interface RunningHub {
  hub: Hub;
  served: ListeningHub;
  feature: EdgePolicyHubFeature;
  url: string;
  close(): Promise<void>;
}

/** A secure hub with the edge policy feature; `port` to come back on the same address. */
export async function startPolicyHub(dataDir: string, port = 0): Promise<RunningHub> {
  const feature = new EdgePolicyHubFeature();
  const hub = await createHub({ dataDir, logger: quiet, controllers: false, features: [feature] });
  const served = await listenHub(hub, { host: '127.0.0.1', port });
  let closed = false;
  return {
    hub,
    served,
    feature,
    url: served.url,
    async close() {
      if (closed) return;
      closed = true;
      // Agents stay connected: the server's close waits for their links, which hub.close ends.
      const stopped = served.close();
      await hub.close();
      await stopped;
    },
  };
}

export interface PolicyAgent {
  agent: Agent;
  policy: EdgePolicyFeature;
}

/** An agent with the edge policy feature and no runtimes (decisions need none). */
export async function startPolicyAgent(options: {
  dataDir: string;
  name: string;
  hubUrl?: string;
  token?: string;
  labels?: Record<string, string>;
  policy?: EdgePolicyAgentOptions;
}): Promise<PolicyAgent> {
  const policy = new EdgePolicyFeature({ flushIntervalMs: 20, ...options.policy });
  const agent = await Agent.start({
    dataDir: options.dataDir,
    name: options.name,
    ...(options.hubUrl && { hubUrl: options.hubUrl }),
    ...(options.token && { token: options.token }),
    labels: options.labels ?? { 'node-type': 'edge' },
    address: '127.0.0.1',
    logger: quiet,
    drivers: [],
    linkBackoff: { minMs: 50, maxMs: 200 },
    features: [policy],
  });
  return { agent, policy };
}

/** The ConfigMaps of an example manifest. */
export function exampleConfigMaps(file: string): KubeObject[] {
  return YAML.parseAllDocuments(readFileSync(path.join(EXAMPLES, 'manifests', file), 'utf8')).map(
    (d) => d.toJS() as KubeObject,
  );
}

export async function applyConfigMap(hub: Hub, object: KubeObject): Promise<KubeObject> {
  const ns = object.metadata.namespace ?? 'default';
  const existing = await hub.service.find(configMapType, ns, object.metadata.name ?? '');
  if (!existing) return (await hub.service.create(configMapType, ns, object)).object;
  return (
    await hub.service.modify(configMapType, ns, object.metadata.name ?? '', (live) => ({
      ...live,
      metadata: {
        ...live.metadata,
        labels: object.metadata.labels ?? {},
        annotations: { ...live.metadata.annotations, ...object.metadata.annotations },
      },
      data: object.data,
    }))
  ).object;
}

export interface OpaResponse {
  status: number;
  body: { result?: unknown; decision_id?: string; code?: string; message?: string };
}

/** An HTTP request on a fresh connection (agents restart on the same port in these tests). */
export function request(
  url: string,
  method = 'GET',
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method, agent: false, headers: body ? { 'Content-Type': 'application/json' } : {}, timeout: 10_000 },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** POST {input} to the agent's data API (an example input file's body when `input` is a file name). */
export async function ask(agent: Agent, dataPath: string, input: unknown): Promise<OpaResponse> {
  const body =
    typeof input === 'string' && input.endsWith('.json')
      ? readFileSync(path.join(EXAMPLES, 'inputs', input), 'utf8')
      : JSON.stringify({ input });
  const res = await request(`${agent.localApi.url}/v1/data/${dataPath}`, 'POST', body);
  return { status: res.status, body: JSON.parse(res.body) as OpaResponse['body'] };
}

/** GET on the agent's local API, parsed. */
export async function localGet<T>(agent: Agent, urlPath: string): Promise<T> {
  return JSON.parse((await request(`${agent.localApi.url}${urlPath}`)).body) as T;
}

/** GET on the hub's HTTPS API with the admin token (as an auditor with kubeconfig would). */
export async function hubGet(
  running: RunningHub,
  urlPath: string,
  bearer = running.hub.security?.adminToken ?? '',
): Promise<{ status: number; body: string }> {
  const https = await import('node:https');
  return new Promise((resolve, reject) => {
    https
      .get(
        `${running.url}${urlPath}`,
        { ca: running.hub.security?.pki.caPem, headers: { Authorization: `Bearer ${bearer}` } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      )
      .on('error', reject);
  });
}
