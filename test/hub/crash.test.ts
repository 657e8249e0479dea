/**
 * Durability as a client sees it: a hub in a child process is SIGKILLed in the middle
 * of a stream of writes; after a restart every write it acknowledged is there.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { HubClient } from '../../src/cli/client.js';
import { readKubeconfig } from '../../src/cli/config.js';
import { tempDir } from '../support/hub.js';
import { CLI_MAIN } from '../support/paths.js';

const MAIN = CLI_MAIN;
const children = new Set<ChildProcess>();

function startHub(dataDir: string): Promise<{ child: ChildProcess; url: string; client: HubClient }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [MAIN, 'hub', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--log-level', 'warn'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    const timer = setTimeout(() => reject(new Error(`hub did not start: ${out}`)), 20_000);
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      out += chunk;
      const m = /hub serving (https:\/\/\S+)/.exec(out);
      if (m && /kubeconfig: /.test(out)) {
        clearTimeout(timer);
        const { connection } = readKubeconfig(path.join(dataDir, 'kubeconfig.yaml'));
        resolve({ child, url: m[1] as string, client: new HubClient(connection) });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`hub exited with ${code}: ${out}`));
    });
    // A hub that never says it is serving must not outlive the test.
    timer.unref();
    children.add(child);
  });
}

describe('hub crash safety', () => {
  const dataDir = tempDir('edgewise-crash-');
  after(() => {
    for (const child of children) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every acknowledged write across SIGKILL', async () => {
    const first = await startHub(dataDir);
    const acknowledged: string[] = [];
    let stop = false;
    const writer = async (id: number) => {
      for (let i = 0; !stop && i < 10_000; i++) {
        const name = `w${id}-${i}`;
        try {
          const res = await first.client.request('POST', '/api/v1/namespaces/default/configmaps', {
            contentType: 'application/json',
            body: JSON.stringify({
              apiVersion: 'v1',
              kind: 'ConfigMap',
              metadata: { name },
              data: { i: String(i) },
            }),
          });
          if (res.status === 201) acknowledged.push(name);
        } catch {
          return; // the hub died under us: this write was never acknowledged
        }
      }
    };
    const writers = [writer(0), writer(1), writer(2), writer(3)];
    for (let i = 0; i < 1000 && acknowledged.length < 150; i++) await new Promise((r) => setTimeout(r, 10));
    first.child.kill('SIGKILL');
    stop = true;
    await Promise.all(writers);
    if (first.child.exitCode === null && first.child.signalCode === null) await once(first.child, 'exit');
    assert.ok(acknowledged.length >= 150, `only ${acknowledged.length} writes before the kill`);

    const second = await startHub(dataDir);
    try {
      const { value: list } = await second.client.json<{ items: { metadata: { name: string } }[] }>(
        'GET',
        '/api/v1/namespaces/default/configmaps',
      );
      const present = new Set(list.items.map((i) => i.metadata.name));
      const lost = acknowledged.filter((n) => !present.has(n));
      assert.deepEqual(lost, [], `${lost.length} acknowledged writes lost`);
    } finally {
      second.child.kill('SIGTERM');
    }
  });
});
