/**
 * kubectl itself against a hub: discovery, client- and server-side apply, tables,
 * patch, label, explain, delete and errors, over HTTPS with the kubeconfig the hub
 * writes.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { createHub, type Hub, type ListeningHub, listenHub } from '../../src/hub/hub.js';
import { tempDir } from '../support/hub.js';
import { isCI } from '../support/services.js';

const run = promisify(execFile);
const KUBECTL = '/usr/bin/kubectl';
const skip = existsSync(KUBECTL) ? undefined : `${KUBECTL} is not installed`;
if (skip && isCI()) throw new Error(`CI=true but ${skip}`);

const MANIFEST = `apiVersion: v1
kind: ConfigMap
metadata:
  name: kube-cm
data:
  a: "1"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: kube-dep
spec:
  replicas: 2
  selector: {matchLabels: {app: kd}}
  template:
    metadata: {labels: {app: kd}}
    spec:
      containers:
      - name: c
        image: busybox:1.36
        env: [{name: A, value: "1"}]
`;

describe('kubectl against a hub', { skip, timeout: 120_000 }, () => {
  const dir = tempDir('edgewise-kubectl-');
  let hub: Hub;
  let served: ListeningHub;
  let kubeconfig = '';
  const kubectl = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run(KUBECTL, ['--kubeconfig', kubeconfig, ...args], {
        env: { ...process.env, HOME: dir },
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  before(async () => {
    hub = await createHub({
      dataDir: path.join(dir, 'hub'),
      logger: pino({ level: 'silent' }),
      controllers: false,
    });
    served = await listenHub(hub, { host: '127.0.0.1', port: 0 });
    kubeconfig = hub.security?.writeKubeconfig(served.url) ?? '';
    writeFileSync(path.join(dir, 'app.yaml'), MANIFEST);
  });
  after(async () => {
    await served.close();
    await hub.close();
  });

  it('talks to the hub over TLS with the kubeconfig it wrote', async () => {
    const version = await kubectl('version');
    assert.equal(version.code, 0, version.stderr);
    assert.match(version.stdout, /Server Version: v1\.32\.0-edgewise/);
    const resources = await kubectl('api-resources');
    assert.match(resources.stdout, /deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/);
    assert.match(resources.stdout, /edgeclusters\s+\S+\s+management\.k3s\.io\/v1/);
  });

  it('applies, reapplies and reports unchanged objects', async () => {
    const file = path.join(dir, 'app.yaml');
    const first = await kubectl('apply', '-f', file);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, 'configmap/kube-cm created\ndeployment.apps/kube-dep created\n');
    writeFileSync(file, MANIFEST.replace('a: "1"', 'a: "2"'));
    const second = await kubectl('apply', '-f', file);
    assert.match(second.stdout, /configmap\/kube-cm configured/);
    const cm = JSON.parse((await kubectl('get', 'cm', 'kube-cm', '-o', 'json')).stdout);
    assert.equal(cm.data.a, '2');
    const ssa = await kubectl('apply', '--server-side', '-f', file);
    assert.equal(ssa.code, 0, ssa.stderr);
    assert.match(ssa.stdout, /configmap\/kube-cm serverside-applied/);
  });

  it('prints server-side tables, patches and labels', async () => {
    const table = await kubectl('get', 'deploy');
    assert.match(table.stdout, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\n/);
    assert.match(table.stdout, /kube-dep\s+0\/2/);
    const patch = await kubectl('patch', 'deploy', 'kube-dep', '-p', '{"spec":{"replicas":3}}');
    assert.equal(patch.code, 0, patch.stderr);
    assert.equal((await kubectl('get', 'deploy', 'kube-dep', '-o', 'jsonpath={.spec.replicas}')).stdout, '3');
    const label = await kubectl('label', 'cm', 'kube-cm', 'tier=edge');
    assert.equal(label.stdout, 'configmap/kube-cm labeled\n');
    const selected = await kubectl('get', 'cm', '-l', 'tier=edge', '-o', 'name');
    assert.equal(selected.stdout, 'configmap/kube-cm\n');
    const explain = await kubectl('explain', 'deployment.spec.replicas');
    assert.match(explain.stdout, /FIELD: replicas <integer>/);
  });

  it('scales a Deployment through its scale subresource', async () => {
    const scaled = await kubectl('scale', 'deploy', 'kube-dep', '--replicas=5');
    assert.equal(scaled.code, 0, scaled.stderr);
    assert.equal(scaled.stdout, 'deployment.apps/kube-dep scaled\n');
    assert.equal((await kubectl('get', 'deploy', 'kube-dep', '-o', 'jsonpath={.spec.replicas}')).stdout, '5');
    const scale = JSON.parse(
      (await kubectl('get', '--raw', '/apis/apps/v1/namespaces/default/deployments/kube-dep/scale')).stdout,
    );
    assert.deepEqual([scale.kind, scale.spec.replicas, scale.status.selector], ['Scale', 5, 'app=kd']);
    const negative = await kubectl('scale', 'deploy', 'kube-dep', '--replicas=-1');
    assert.equal(negative.code, 1);
  });

  it("shows the hub's errors and deletes", async () => {
    const missing = await kubectl('get', 'cm', 'nope');
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr.trim(), 'Error from server (NotFound): configmaps "nope" not found');
    const invalid = await kubectl('create', 'configmap', 'Bad_Name');
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /Invalid value: "Bad_Name"/);
    const deleted = await kubectl('delete', '-f', path.join(dir, 'app.yaml'));
    assert.equal(deleted.stdout, 'configmap "kube-cm" deleted\ndeployment.apps "kube-dep" deleted\n');
  });
});
