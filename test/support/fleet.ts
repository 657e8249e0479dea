/**
 * Real hubs and agents as child processes on loopback, for end-to-end tests: the
 * `edgewise` executable itself, killed and restarted the way an operator (or a
 * power cut) would.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { HubClient } from '../../src/cli/client.js';
import { readKubeconfig } from '../../src/cli/config.js';
import { CLI_MAIN } from './paths.js';

const MAIN = CLI_MAIN;
const running = new Set<ChildProcess>();

/**
 * Kills every child still running, and every process working under `root` — the
 * workloads agents started, which outlive a killed agent by design.
 */
export function killAll(root?: string): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
  if (!root) return;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`).startsWith(root)) process.kill(Number(entry), 'SIGKILL');
    } catch {
      // Gone already, or not ours to inspect.
    }
  }
}

/** A loopback TCP port that was free a moment ago: another process may take it before the caller binds it. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  server.close();
  await once(server, 'close');
  return port;
}

function start(
  args: string[],
  home: string,
  ready: RegExp,
  timeoutMs = 30_000,
): Promise<{ child: ChildProcess; output: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, HOME: home },
    });
    running.add(child);
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (ready.test(out)) {
        clearTimeout(timer);
        resolve({ child, output: () => out });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const timer = setTimeout(() => reject(new Error(`${args[0]} did not start in time:\n${out}`)), timeoutMs);
    timer.unref();
    child.once('exit', (code, signal) => {
      running.delete(child);
      clearTimeout(timer);
      if (!ready.test(out))
        reject(new Error(`${args[0]} exited (${code ?? signal}) before it was ready:\n${out}`));
    });
  });
}

export async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

export interface HubProcess {
  child: ChildProcess;
  url: string;
  client: HubClient;
  output: () => string;
}

/** Fast node lifecycle so tests see NotReady/Offline in seconds. */
export const FAST_LIFECYCLE = ['--heartbeat-seconds', '1', '--not-ready-after', '3', '--offline-after', '6'];

export async function startHubProcess(
  dataDir: string,
  port: number,
  extra: string[] = FAST_LIFECYCLE,
  host = '127.0.0.1',
): Promise<HubProcess> {
  const { child, output } = await start(
    ['hub', '--data-dir', dataDir, '--listen', `${host}:${port}`, '--log-level', 'warn', ...extra],
    dataDir,
    /kubeconfig: /,
  );
  const url = /hub serving (https:\/\/\S+)/.exec(output())?.[1] as string;
  const { connection } = readKubeconfig(path.join(dataDir, 'kubeconfig.yaml'));
  return { child, url, client: new HubClient(connection), output };
}

export async function createToken(client: HubClient, oneTime = true): Promise<string> {
  const { value } = await client.json<{ token: string }>('POST', '/join/v1/tokens', {
    contentType: 'application/json',
    body: JSON.stringify({ ttlSeconds: 600, oneTime }),
  });
  return value.token;
}

export interface AgentProcess {
  child: ChildProcess;
  output: () => string;
}

export async function startAgentProcess(
  dataDir: string,
  options: { hubUrl?: string; token?: string; name?: string; labels?: string; portRange?: string } = {},
): Promise<AgentProcess> {
  const args = ['agent', '--data-dir', dataDir, '--address', '127.0.0.1', '--log-level', 'info'];
  // Local agents share one machine: each needs its own host ports.
  if (options.portRange) args.push('--port-range', options.portRange);
  if (options.hubUrl) args.push('--hub', options.hubUrl);
  if (options.token) args.push('--token', options.token);
  if (options.name) args.push('--name', options.name);
  if (options.labels) args.push('--labels', options.labels);
  return start(args, dataDir, /agent \S+ running/);
}

/** Polls `check` until it returns a value (not undefined) or the time is up. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** GET over plain HTTP; resolves undefined instead of throwing when nothing answers. */
export async function httpGet(url: string): Promise<{ status: number; body: string } | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return { status: res.status, body: await res.text() };
  } catch {
    return undefined;
  }
}
