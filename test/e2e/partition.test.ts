/**
 * A real network partition: the agent runs in a network namespace the test creates,
 * joined to the hub by a veth pair. Cutting the link makes the node NotReady at the
 * hub while the site keeps serving; healing it brings status back without
 * restarting anything.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  createToken,
  freePort,
  type HubProcess,
  killAll,
  startHubProcess,
  waitFor,
} from '../support/fleet.js';
import { tempDir } from '../support/hub.js';
import { CLI_MAIN } from '../support/paths.js';
import { isCI } from '../support/services.js';

function canUseNetns(): string | undefined {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'the ip command (iproute2) is not available';
  }
}

const skip = canUseNetns();
if (skip && isCI()) throw new Error(`CI=true but ${skip}`);

const SERVICE = `
require('node:http').createServer((req, res) => res.end(String(process.pid))).listen(Number(process.env.PORT), '0.0.0.0');
`;

describe('a partition between hub and site', { skip, timeout: 180_000 }, () => {
  const tag = `${process.pid % 100000}`;
  const ns = `ewp${tag}`;
  const hostIf = `ewh${tag}`;
  const siteIf = `ews${tag}`;
  const subnet = `10.${200 + (process.pid % 50)}.${process.pid % 250}`;
  const hubIp = `${subnet}.1`;
  const siteIp = `${subnet}.2`;
  const root = tempDir('edgewise-partition-');
  let hub: HubProcess;
  let agent: ChildProcess;
  let agentOut = '';
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
  /** Runs a fetch from inside the site's namespace, as a customer at the site would. */
  const fromSite = (url: string): string | undefined => {
    try {
      return execFileSync(
        'ip',
        [
          'netns',
          'exec',
          ns,
          process.execPath,
          '-e',
          `fetch(${JSON.stringify(url)}, { signal: AbortSignal.timeout(2000) }).then(r => r.text()).then(t => process.stdout.write(t), () => process.exit(3))`,
        ],
        {
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      ).toString();
    } catch {
      return undefined;
    }
  };

  before(async () => {
    ip('netns', 'add', ns);
    ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', siteIf);
    ip('link', 'set', siteIf, 'netns', ns);
    ip('addr', 'add', `${hubIp}/24`, 'dev', hostIf);
    ip('link', 'set', hostIf, 'up');
    ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${siteIp}/24`, 'dev', siteIf);
    ip('netns', 'exec', ns, 'ip', 'link', 'set', siteIf, 'up');
    ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
    const port = await freePort();
    // The hub listens on its end of the veth pair, where the site reaches it.
    hub = await startHubProcess(
      path.join(root, 'hub'),
      port,
      ['--heartbeat-seconds', '1', '--not-ready-after', '3', '--offline-after', '60'],
      hubIp,
    );
    const token = await createToken(hub.client);
    agent = spawn(
      'ip',
      [
        'netns',
        'exec',
        ns,
        process.execPath,
        CLI_MAIN,
        'agent',
        '--hub',
        `https://${hubIp}:${port}`,
        '--token',
        token,
        '--name',
        'site-1',
        '--data-dir',
        path.join(root, 'agent'),
        '--address',
        siteIp,
        '--labels',
        'node-type=edge',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: root } },
    );
    agent.stdout?.on('data', (c: Buffer) => (agentOut += c.toString()));
    agent.stderr?.on('data', (c: Buffer) => (agentOut += c.toString()));
    await waitFor('the agent in the namespace to run', () =>
      /agent site-1 running/.test(agentOut) ? true : undefined,
    );
  });

  after(() => {
    agent?.kill('SIGKILL');
    killAll(root);
    try {
      ip('link', 'del', hostIf);
    } catch {
      // Already gone with the namespace.
    }
    try {
      ip('netns', 'del', ns);
    } catch {
      // Never created.
    }
    rmSync(root, { recursive: true, force: true });
  });

  it('keeps serving through a partition and converges when it heals', async () => {
    await hub.client.request('POST', '/apis/node.k8s.io/v1/runtimeclasses', {
      contentType: 'application/json',
      body: JSON.stringify({
        apiVersion: 'node.k8s.io/v1',
        kind: 'RuntimeClass',
        metadata: { name: 'process' },
        handler: 'process',
      }),
    });
    await hub.client.request('POST', '/api/v1/namespaces/default/pods', {
      contentType: 'application/json',
      body: JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'till' },
        spec: {
          runtimeClassName: 'process',
          containers: [
            {
              name: 'till',
              image: 'local/till:1',
              command: [process.execPath, '-e', SERVICE],
              ports: [{ containerPort: 8080 }],
            },
          ],
        },
      }),
    });
    type PodView = {
      status?: {
        hostPorts?: { hostPort: number }[];
        conditions?: { type: string; status: string }[];
        containerStatuses?: { restartCount: number }[];
      };
    };
    const pod = await waitFor(
      'the pod running at the site',
      async () => {
        const { value } = await hub.client.json<PodView>('GET', '/api/v1/namespaces/default/pods/till');
        return value.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
          ? value
          : undefined;
      },
      60_000,
    );
    const url = `http://127.0.0.1:${pod.status?.hostPorts?.[0]?.hostPort}/`;
    const pid = await waitFor('an answer at the site', () => fromSite(url));

    ip('link', 'set', hostIf, 'down');
    await waitFor('the node NotReady at the hub', async () => {
      const { value } = await hub.client.json<{ status: { conditions: { type: string; status: string }[] } }>(
        'GET',
        '/api/v1/nodes/site-1',
      );
      return value.status.conditions.find((c) => c.type === 'Ready')?.status !== 'True' ? true : undefined;
    });
    assert.equal(fromSite(url), pid, 'the site serves through the partition, same process');

    ip('link', 'set', hostIf, 'up');
    await waitFor(
      'the node Ready again',
      async () => {
        const { value } = await hub.client.json<{
          status: { conditions: { type: string; status: string }[] };
        }>('GET', '/api/v1/nodes/site-1');
        return value.status.conditions.find((c) => c.type === 'Ready')?.status === 'True' ? true : undefined;
      },
      60_000,
    );
    const healed = await waitFor('the pod Ready again', async () => {
      const { value } = await hub.client.json<PodView>('GET', '/api/v1/namespaces/default/pods/till');
      return value.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
        ? value
        : undefined;
    });
    assert.equal(healed.status?.containerStatuses?.[0]?.restartCount, 0, 'nothing restarted');
    assert.equal(fromSite(url), pid);
  });
});
