/**
 * Wasm services in a fleet, as issue 4 shows them: build the tracker, `edgewise push`
 * it to the hub's module store, `edgewise apply -f examples/supply-chain/`, curl it on
 * the pod's node port and through the node's gateway by Host, read the guest's stderr
 * with `edgewise logs` (and kubectl), then take the hub away and restart the agent:
 * the module comes from the node's cache and the service answers. Bad input: a tag
 * that resolves nowhere, a module whose bytes no longer match their digest, a file
 * that is not Wasm, logs of a pod whose node is offline.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { HubClient } from '../../src/cli/client.js';
import { findExampleModules } from '../../src/cli/examples.js';
import { run } from '../../src/cli/main.js';
import { cli } from '../support/cli.js';
import {
  createToken,
  freePort,
  type HubProcess,
  killAll,
  startHubProcess,
  stop,
  waitFor,
} from '../support/fleet.js';
import { tempDir } from '../support/hub.js';
import { CLI_MAIN, REPO_ROOT } from '../support/paths.js';
import { wat } from '../support/wasm.js';
import { staticGuest } from '../support/wasm-guests.js';

const TRACKER = path.join(REPO_ROOT, 'examples/supply-chain/tracker');
const EXAMPLE_DIR = path.join(REPO_ROOT, 'examples/supply-chain');

interface PodView {
  metadata: { name: string };
  spec: { nodeName?: string };
  status?: {
    conditions?: { type: string; status: string }[];
    hostPorts?: { containerPort: number; hostPort: number }[];
    containerStatuses?: { state?: { waiting?: { reason?: string; message?: string } }; imageID?: string }[];
  };
}

/** Builds the tracker with the project's own build when it is missing or older than its source. */
function ensureTrackerBuilt(): void {
  const wasm = `${TRACKER}.wasm`;
  if (existsSync(wasm) && statSync(wasm).mtimeMs >= statSync(`${TRACKER}.ts`).mtimeMs) return;
  execFileSync(
    process.execPath,
    [path.join(REPO_ROOT, 'scripts/build-examples.mjs'), 'examples/supply-chain/tracker.ts'],
    {
      stdio: 'inherit',
    },
  );
}

/** An HTTP request with any Host header (fetch does not let one set it). */
function request(
  url: string,
  options: { method?: string; host?: string; body?: string } = {},
): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolve) => {
    const req = http.request(
      url,
      {
        method: options.method ?? 'GET',
        headers: {
          ...(options.host && { host: options.host }),
          ...(options.body && { 'content-type': 'application/json' }),
        },
        timeout: 3000,
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
    req.end(options.body);
  });
}

/** An agent process with a host-routed gateway port. */
function startAgent(args: string[], home: string): Promise<{ child: ChildProcess; output: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_MAIN, 'agent', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, HOME: home },
    });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`agent did not start:\n${out}`)), 30_000);
    const onData = (c: Buffer) => {
      out += c.toString();
      if (/agent \S+ running/.test(out)) {
        clearTimeout(timer);
        resolve({ child, output: () => out });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`agent exited (${code}):\n${out}`));
    });
  });
}

async function podsOf(client: HubClient, app: string): Promise<PodView[]> {
  const { value } = await client.json<{ items: PodView[] }>(
    'GET',
    `/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent(`app=${app}`)}`,
  );
  return value.items;
}

const isReady = (p: PodView) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

function deployment(name: string, image: string): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 1,
      template: {
        metadata: { labels: { app: name } },
        spec: {
          runtimeClassName: 'wasmedge',
          containers: [{ name, image, ports: [{ containerPort: 8080 }] }],
        },
      },
    },
  });
}

describe('Wasm services in a fleet (hub, agent, CLI as a user runs them)', { timeout: 240_000 }, () => {
  const root = tempDir('edgewise-wasm-e2e-');
  const hubDir = path.join(root, 'hub');
  const agentDir = path.join(root, 'edge-1');
  let hub: HubProcess;
  let agent: { child: ChildProcess; output: () => string };
  let agentArgs: string[];
  let env: NodeJS.ProcessEnv;
  let gatewayPort = 0;
  let nodePort = 0;

  before(async () => {
    ensureTrackerBuilt();
    hub = await startHubProcess(hubDir, await freePort());
    env = { EDGEWISE_CONFIG: path.join(hubDir, 'kubeconfig.yaml') };
    gatewayPort = await freePort();
    const first = 20000 + Math.floor(Math.random() * 20000);
    agentArgs = [
      '--data-dir',
      agentDir,
      '--address',
      '127.0.0.1',
      '--port-range',
      `${first}-${first + 99}`,
      '--gateway',
      `127.0.0.1:${gatewayPort}`,
      '--log-level',
      'info',
    ];
    agent = await startAgent(
      [...agentArgs, '--hub', hub.url, '--token', await createToken(hub.client), '--name', 'edge-1'],
      agentDir,
    );
  });

  after(async () => {
    killAll(root);
    const { rmSync } = await import('node:fs');
    rmSync(root, { recursive: true, force: true });
  });

  it('refuses to push a file that is not WebAssembly, before any upload', async () => {
    const notWasm = path.join(root, 'tracker.wasm');
    writeFileSync(notWasm, '#!/bin/sh\necho not a module\n');
    const r = await cli(['push', notWasm, '--name', 'broken:1.0'], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /is not a WebAssembly module/);
    const catalog = await hub.client.json<{ repositories: string[] }>('GET', '/v2/_catalog');
    assert.ok(!catalog.value.repositories.includes('broken'), 'nothing was uploaded');
  });

  it('pushes the tracker to the hub and runs examples/supply-chain/ on the node port and the gateway', async () => {
    const pushed = await cli(['push', `${TRACKER}.wasm`, '--name', 'supply-chain-tracker:1.0'], env);
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.match(pushed.stdout, /use it as image: supply-chain-tracker:1\.0/);
    const applied = await cli(['apply', '-f', `${EXAMPLE_DIR}/`], env);
    assert.equal(applied.code, 0, applied.stderr);

    const pod = await waitFor(
      'the tracker pod to be ready',
      async () => {
        const [p] = await podsOf(hub.client, 'supply-chain-tracker');
        return p && isReady(p) ? p : undefined;
      },
      60_000,
    );
    assert.equal(pod.spec.nodeName, 'edge-1');
    assert.match(pod.status?.containerStatuses?.[0]?.imageID ?? '', /^sha256:[0-9a-f]{64}$/);
    nodePort = pod.status?.hostPorts?.find((p) => p.containerPort === 8080)?.hostPort ?? 0;
    assert.ok(nodePort > 0, 'the pod reports its node port');

    const posted = await request(`http://127.0.0.1:${nodePort}/track`, {
      method: 'POST',
      body: JSON.stringify({ po: 'PO-1234', event: 'shipped', location: 'Shenzhen' }),
    });
    assert.equal(posted?.status, 201, posted?.body);
    const direct = await request(`http://127.0.0.1:${nodePort}/track/PO-1234`);
    assert.equal(direct?.status, 200);
    assert.match(direct?.body ?? '', /"po":"PO-1234".*shipped/);

    const viaGateway = await request(`http://127.0.0.1:${gatewayPort}/track/PO-1234`, {
      host: `supply-chain-tracker.default.store-001.example:${gatewayPort}`,
    });
    assert.equal(viaGateway?.status, 200);
    assert.equal(viaGateway?.body, direct?.body, 'the gateway reaches the same workload');
    const unknown = await request(`http://127.0.0.1:${gatewayPort}/track/PO-1234`, {
      host: 'nothing.default',
    });
    assert.equal(unknown?.status, 404);
    assert.match(unknown?.body ?? '', /supply-chain-tracker\.default/, 'a miss names what the node serves');

    const wide = await cli(['get', 'nodes', '-o', 'wide'], env);
    assert.match(wide.stdout, /GATEWAY/);
    assert.match(wide.stdout, new RegExp(`127\\.0\\.0\\.1:${gatewayPort}`));
  });

  it('reads the guest stderr with edgewise logs and kubectl logs, tail and follow', async () => {
    const logs = await waitFor('the tracker log line', async () => {
      const r = await cli(['logs', 'deploy/supply-chain-tracker'], env);
      return r.code === 0 && /tracker: PO-1234 shipped/.test(r.stdout) ? r : undefined;
    });
    assert.match(logs.stdout, /tracker: PO-1234 shipped \(1 events\)/);

    const kubectl = execFileSync(
      'kubectl',
      ['--kubeconfig', String(env.EDGEWISE_CONFIG), 'logs', 'deploy/supply-chain-tracker'],
      {
        encoding: 'utf8',
      },
    );
    assert.match(kubectl, /tracker: PO-1234 shipped/);

    await request(`http://127.0.0.1:${nodePort}/track`, {
      method: 'POST',
      body: JSON.stringify({ po: 'PO-1234', event: 'loaded', location: 'Rotterdam' }),
    });
    const tail = await waitFor('two log lines', async () => {
      const r = await cli(['logs', 'deploy/supply-chain-tracker', '--tail', '1'], env);
      return /loaded/.test(r.stdout) ? r : undefined;
    });
    assert.equal(tail.stdout.trim().split('\n').length, 1, tail.stdout);

    // Follow: lines written after the request arrive on the open stream.
    const abort = new AbortController();
    let streamed = '';
    const following = run(['logs', 'deploy/supply-chain-tracker', '-f', '--tail', '0'], {
      stdout: (text) => {
        streamed += text;
      },
      stderr: () => {},
      env: { HOME: '/nonexistent', ...env },
      signal: abort.signal,
    });
    let round = 0;
    await waitFor('a followed line', async () => {
      await request(`http://127.0.0.1:${nodePort}/track`, {
        method: 'POST',
        body: JSON.stringify({ po: `PO-F${round++}`, event: 'followed', location: 'Hamburg' }),
      });
      return /tracker: PO-F\d+ followed/.test(streamed) ? true : undefined;
    });
    abort.abort();
    assert.equal(await following, 0);
    const followed = { stdout: streamed };
    assert.doesNotMatch(followed.stdout, /PO-1234/, '--tail 0 starts at the end');
  });

  it('says why a tag resolves nowhere, and refuses a module whose bytes do not match their digest', async () => {
    const missing = await cli(['apply', '-f', '-'], env, { stdin: deployment('ghost', 'ghost-module:9.9') });
    assert.equal(missing.code, 0, missing.stderr);
    const waiting = await waitFor('ghost to report its pull failure', async () => {
      const [p] = await podsOf(hub.client, 'ghost');
      const w = p?.status?.containerStatuses?.[0]?.state?.waiting;
      return w && /ErrImagePull|ImagePullBackOff/.test(w.reason ?? '') ? w : undefined;
    });
    assert.match(waiting.message ?? '', /ghost-module:9\.9.*not found in the hub's module store/);

    // A module pushed fine, then corrupted in the hub's store: the node checks what it downloads.
    const module = path.join(root, 'static.wasm');
    writeFileSync(module, await wat(staticGuest('content-type: text/plain\n\nstatic')));
    assert.equal((await cli(['push', module, '--name', 'static:1.0'], env)).code, 0);
    const blobs = path.join(hubDir, 'registry', 'blobs', 'sha256');
    const { createHash } = await import('node:crypto');
    const { readFileSync } = await import('node:fs');
    const moduleHex = createHash('sha256').update(readFileSync(module)).digest('hex');
    assert.ok(readdirSync(blobs).includes(moduleHex));
    writeFileSync(path.join(blobs, moduleHex), 'tampered');
    assert.equal(
      (await cli(['apply', '-f', '-'], env, { stdin: deployment('tampered', 'static:1.0') })).code,
      0,
    );
    const mismatch = await waitFor('tampered to report the digest mismatch', async () => {
      const [p] = await podsOf(hub.client, 'tampered');
      const w = p?.status?.containerStatuses?.[0]?.state?.waiting;
      return w && /digest/.test(w.message ?? '') ? w : undefined;
    });
    assert.match(mismatch.reason ?? '', /ErrImagePull|ImagePullBackOff/);
    assert.match(mismatch.message ?? '', /does not match its digest/);
  });

  it('explains that logs of a pod on an offline node cannot be read, then serves from cache without the hub', async () => {
    await stop(agent.child);
    const [pod] = await podsOf(hub.client, 'supply-chain-tracker');
    const offline = await waitFor('logs to refuse', async () => {
      const r = await cli(['logs', pod?.metadata.name ?? ''], env);
      return r.code === 1 ? r : undefined;
    });
    assert.match(offline.stderr, /node edge-1 is not connected to the hub/);

    await stop(hub.child);
    agent = await startAgent(agentArgs, agentDir);
    const answer = await waitFor(
      'the tracker to answer after an offline restart',
      async () => {
        const r = await request(`http://127.0.0.1:${nodePort}/track/PO-1234`);
        return r?.status === 200 ? r : undefined;
      },
      60_000,
    );
    assert.match(answer.body, /shipped.*loaded/, 'events recorded before the restart are still there');
    const viaGateway = await request(`http://127.0.0.1:${gatewayPort}/track/PO-1234`, {
      host: 'supply-chain-tracker.default',
    });
    assert.equal(viaGateway?.status, 200);
    await stop(agent.child);
  });
});

describe('edgewise up: the example modules it publishes', () => {
  it('reads each example manifest for the module it names and the image its pods use', () => {
    const found = findExampleModules(path.join(REPO_ROOT, 'examples'));
    const byImage = Object.fromEntries(found.map((m) => [m.image, path.relative(REPO_ROOT, m.file)]));
    assert.equal(byImage['supply-chain-tracker:1.0'], 'examples/supply-chain/tracker.wasm');
    assert.equal(byImage['hello:1.0'], 'examples/hello/hello.wasm');
    assert.ok(found.length >= 4, `every example is published: ${JSON.stringify(byImage)}`);
  });
});
