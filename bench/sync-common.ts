/**
 * Shared pieces of the data-sync benchmarks: a hub with the ingest feature on a
 * fixed loopback port, agents as `edgewise agent` processes of the same build,
 * percentiles, tables and the JSON result files in bench/results/.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { dataSyncType } from '../src/api/kinds/data-sync.js';
import { createHub, type Hub, type ListeningHub, listenHub } from '../src/hub/hub.js';
import { type DataIngestFeature, dataIngestFeature } from '../src/hub/ingest/feature.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

export interface BenchHub {
  hub: Hub;
  served: ListeningHub;
  ingest: DataIngestFeature;
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

export async function startHub(dataDir: string, port: number): Promise<BenchHub> {
  const ingest = dataIngestFeature({ statusIntervalMs: 1000 });
  const hub = await createHub({
    dataDir,
    logger: pino({ level: 'silent' }),
    controllers: false,
    features: [ingest],
  });
  const served = await listenHub(hub, { host: '127.0.0.1', port });
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
    async close() {
      const closing = served.close();
      for (const s of links) s.destroy();
      await closing;
      await hub.close();
    },
  };
}

export async function routeStream(hub: Hub, stream: string): Promise<void> {
  await hub.service.create(dataSyncType, 'default', {
    apiVersion: 'edgewise.io/v1alpha1',
    kind: 'DataSync',
    metadata: { name: stream },
    spec: { streams: [stream], sink: { hub: {} } },
  });
}

export async function token(hub: Hub): Promise<string> {
  return (await hub.security?.tokens.create({ ttlMs: 600_000, oneTime: true }))?.token as string;
}

export interface AgentProcess {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

/** Starts `edgewise agent` and resolves with its local API URL once it logs it. */
export function startAgent(dataDir: string, args: string[] = []): Promise<AgentProcess> {
  const child = spawn(
    process.execPath,
    [CLI, 'agent', '--data-dir', dataDir, '--address', '127.0.0.1', '--log-level', 'info', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: dataDir } },
  );
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /"localApi":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out);
      if (m && /agent \S+ running/.test(out)) {
        child.stdout?.off('data', onData);
        resolve({
          child,
          url: m[1] as string,
          stop: () =>
            new Promise((r) => {
              if (child.exitCode !== null) return r();
              child.once('exit', () => r());
              child.kill('SIGTERM');
            }),
        });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => reject(new Error(`agent exited (${code}):\n${out}`)));
  });
}

/** POSTs records to an agent's local API (one connection per call). */
export function post(url: string, stream: string, body: unknown): Promise<number> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/v1/streams/${stream}/records`,
      {
        method: 'POST',
        agent: false,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

export function writeResult(name: string, parameters: Record<string, unknown>, results: unknown[]): string {
  const out = fileURLToPath(new URL('../../bench/results/', import.meta.url));
  mkdirSync(out, { recursive: true });
  const file = path.join(out, `${name}.json`);
  const report = {
    benchmark: name,
    date: new Date().toISOString(),
    node: process.version,
    machine: {
      platform: `${os.platform()} ${os.arch()}`,
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model ?? '',
    },
    parameters,
    results,
  };
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
