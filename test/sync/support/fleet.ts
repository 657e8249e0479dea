/**
 * In-process hubs and agents with data sync, for the sync tests: a secure hub with
 * the ingest feature on a fixed loopback port (so it can stop and come back at the
 * same address), agents with the streams feature, and helpers to write records at
 * the edge and read what the hub committed.
 */
import http from 'node:http';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { pino } from 'pino';
import { Agent } from '../../../src/agent/agent.js';
import {
  type StreamsFeature,
  type StreamsFeatureOptions,
  streamsFeature,
} from '../../../src/agent/streams/feature.js';
import { dataSyncType } from '../../../src/api/kinds/data-sync.js';
import type { KubeObject } from '../../../src/api/object.js';
import type { HubFeature } from '../../../src/hub/feature.js';
import { createHub, type Hub, type HubOptions, type ListeningHub, listenHub } from '../../../src/hub/hub.js';
import {
  type DataIngestFeature,
  type DataIngestOptions,
  dataIngestFeature,
} from '../../../src/hub/ingest/feature.js';
import type { StoredRecord } from '../../../src/hub/ingest/ledger.js';
import { freePort, waitFor } from '../../support/fleet.js';

export const quiet = pino({ level: process.env.SYNC_TEST_LOG ?? 'silent' });

export interface SyncHub {
  hub: Hub;
  served: ListeningHub;
  ingest: DataIngestFeature;
  url: string;
  port: number;
  dataDir: string;
  close(): Promise<void>;
}

export async function startSyncHub(
  dataDir: string,
  options: {
    port?: number;
    ingest?: DataIngestOptions;
    hub?: Partial<HubOptions>;
    /** Features besides data ingest (edge policy, say). */
    features?: HubFeature[];
  } = {},
): Promise<SyncHub> {
  const ingest = dataIngestFeature({ statusIntervalMs: 100, ...options.ingest });
  const hub = await createHub({
    dataDir,
    logger: quiet,
    controllers: false,
    features: [ingest, ...(options.features ?? [])],
    ...options.hub,
  });
  const port = options.port ?? (await freePort());
  const served = await listenHub(hub, { host: '127.0.0.1', port });
  // Agent links are upgraded sockets the HTTP server no longer closes; a hub going away cuts them.
  const links = new Set<Duplex>();
  served.server.on('upgrade', (_req, socket: Duplex) => {
    links.add(socket);
    socket.once('close', () => links.delete(socket));
  });
  return {
    hub,
    served,
    ingest,
    url: served.url,
    port,
    dataDir,
    async close() {
      const closing = served.close();
      for (const socket of links) socket.destroy();
      await closing;
      await hub.close();
    },
  };
}

export interface SyncAgent {
  agent: Agent;
  streams: StreamsFeature;
  url: string;
}

export async function startSyncAgent(
  root: string,
  name: string,
  options: {
    hubUrl: string;
    token?: string;
    labels?: Record<string, string>;
    streams?: StreamsFeatureOptions;
    dataDir?: string;
  },
): Promise<SyncAgent> {
  const streams = streamsFeature({ reportIntervalMs: 100, sweepIntervalMs: 100, ...options.streams });
  const agent = await Agent.start({
    hubUrl: options.hubUrl,
    ...(options.token && { token: options.token }),
    name,
    dataDir: options.dataDir ?? path.join(root, name),
    address: '127.0.0.1',
    logger: quiet,
    labels: options.labels ?? { 'node-type': 'edge' },
    linkBackoff: { minMs: 20, maxMs: 100 },
    stopWorkloadsOnClose: true,
    drivers: [],
    features: [streams],
  });
  return { agent, streams, url: agent.localApi.url };
}

export function dataSync(name: string, spec: Record<string, unknown>, namespace = 'default'): KubeObject {
  return {
    apiVersion: 'edgewise.io/v1alpha1',
    kind: 'DataSync',
    metadata: { name, namespace },
    spec: { sink: { hub: {} }, ...spec },
  };
}

export async function applyDataSync(hub: Hub, object: KubeObject): Promise<void> {
  await hub.service.create(dataSyncType, object.metadata.namespace ?? 'default', object);
}

/** Waits until the agent holds the DataSyncs (and whatever else) the hub shipped. */
export async function waitForShipped(agent: Agent, resource: string, count: number): Promise<void> {
  await waitFor(`${count} ${resource} on ${agent.nodeName}`, () =>
    agent.state.objects(resource).length >= count ? true : undefined,
  );
}

/**
 * POSTs records to the agent's local API; returns the JSON answer and status. Each call
 * has its own connection: agents restart on the same port, and a pooled keep-alive
 * socket to the old process would fail the request.
 */
export function write(
  url: string,
  stream: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: http.IncomingHttpHeaders }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/v1/streams/${stream}/records`,
      {
        method: 'POST',
        agent: false,
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(payload),
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(text) as Record<string, unknown>,
            headers: res.headers,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Every record the hub stored, in ingest order. */
export async function hubRecords(
  ingest: DataIngestFeature,
  filter: { node?: string; stream?: string } = {},
): Promise<StoredRecord[]> {
  const ledger = ingest.ledger;
  if (!ledger) throw new Error('ingest has no ledger');
  const out: StoredRecord[] = [];
  for (;;) {
    const page = await ledger.records({ ...filter, after: out.at(-1)?.id ?? 0, limit: 5000 });
    out.push(...page);
    if (page.length < 5000) return out;
  }
}

/** Local stream counters as the agent reports them. */
export function localStream(sa: SyncAgent, stream: string) {
  return sa.streams.reporter?.report(stream);
}

export { waitFor };
