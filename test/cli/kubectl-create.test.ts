/**
 * kubectl's imperative generators against a hub over TLS. `create configmap`,
 * `create secret`, `create namespace` and `create deployment` send their bodies
 * as Kubernetes protobuf; `run` sends JSON. Each object is read back with
 * `kubectl get -o json`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
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

describe('kubectl create and run against a hub', { skip, timeout: 120_000 }, () => {
  const dir = tempDir('edgewise-kubectl-create-');
  let hub: Hub;
  let served: ListeningHub;
  let kubeconfig = '';
  const kubectl = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run(KUBECTL, ['--kubeconfig', kubeconfig, ...args], {
        env: { ...process.env, HOME: dir },
        timeout: 30_000,
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
  const getJson = async (...args: string[]) => {
    const got = await kubectl('get', ...args, '-o', 'json');
    assert.equal(got.code, 0, got.stderr);
    return JSON.parse(got.stdout);
  };

  before(async () => {
    hub = await createHub({
      dataDir: path.join(dir, 'hub'),
      logger: pino({ level: 'silent' }),
      controllers: false,
    });
    served = await listenHub(hub, { host: '127.0.0.1', port: 0 });
    kubeconfig = hub.security?.writeKubeconfig(served.url) ?? '';
  });
  after(async () => {
    await served.close();
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a ConfigMap from literals', async () => {
    const created = await kubectl(
      'create',
      'configmap',
      'edge-config',
      '--from-literal=site=store-42',
      '--from-literal=empty=',
    );
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout, 'configmap/edge-config created\n');
    const cm = await getJson('configmap', 'edge-config');
    assert.deepEqual(cm.data, { site: 'store-42', empty: '' });
    assert.equal(cm.metadata.namespace, 'default');
    assert.match(cm.metadata.uid, /^[0-9a-f-]{36}$/);
  });

  it('creates a generic Secret whose data decodes to what was typed', async () => {
    const created = await kubectl(
      'create',
      'secret',
      'generic',
      'edge-creds',
      '--from-literal=user=admin',
      '--from-literal=password=p@ss w0rd!',
    );
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout, 'secret/edge-creds created\n');
    const secret = await getJson('secret', 'edge-creds');
    assert.equal(Buffer.from(secret.data.user, 'base64').toString('utf8'), 'admin');
    assert.equal(Buffer.from(secret.data.password, 'base64').toString('utf8'), 'p@ss w0rd!');
    assert.equal(secret.type, 'Opaque');
  });

  it('creates a Namespace', async () => {
    const created = await kubectl('create', 'namespace', 'clinic-7');
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout, 'namespace/clinic-7 created\n');
    const ns = await getJson('namespace', 'clinic-7');
    assert.equal(ns.metadata.name, 'clinic-7');
    assert.equal(ns.kind, 'Namespace');
  });

  it('creates a Deployment with an image, a port and replicas in a namespace', async () => {
    const created = await kubectl(
      'create',
      'deployment',
      'web',
      '--image=nginx:1.27',
      '--port=8080',
      '--replicas=2',
      '-n',
      'clinic-7',
    );
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout, 'deployment.apps/web created\n');
    const dep = await getJson('deployment', 'web', '-n', 'clinic-7');
    assert.equal(dep.spec.replicas, 2);
    assert.deepEqual(dep.spec.selector, { matchLabels: { app: 'web' } });
    assert.deepEqual(dep.spec.template.metadata.labels, { app: 'web' });
    const [container, ...rest] = dep.spec.template.spec.containers;
    assert.equal(rest.length, 0);
    assert.equal(container.name, 'nginx');
    assert.equal(container.image, 'nginx:1.27');
    assert.equal(container.ports[0].containerPort, 8080);
  });

  it('creates a Deployment with a command', async () => {
    const created = await kubectl(
      'create',
      'deployment',
      'sleeper',
      '--image=busybox:1.36',
      '--',
      'sleep',
      '3600',
    );
    assert.equal(created.code, 0, created.stderr);
    const dep = await getJson('deployment', 'sleeper');
    assert.deepEqual(dep.spec.template.spec.containers[0].command, ['sleep', '3600']);
  });

  it('runs a Pod with labels, env and args', async () => {
    const created = await kubectl(
      'run',
      'probe',
      '--image=busybox:1.36',
      '--labels=app=probe',
      '--env=MODE=edge',
      '--',
      'sleep',
      '60',
    );
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout, 'pod/probe created\n');
    const pod = await getJson('pod', 'probe');
    assert.deepEqual(pod.metadata.labels, { app: 'probe' });
    const container = pod.spec.containers[0];
    assert.equal(container.image, 'busybox:1.36');
    assert.deepEqual(container.args, ['sleep', '60']);
    assert.deepEqual(container.env, [{ name: 'MODE', value: 'edge' }]);
  });

  it("shows the hub's validation errors for protobuf bodies", async () => {
    const invalid = await kubectl('create', 'secret', 'generic', 'Bad_Secret', '--from-literal=a=b');
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /Invalid value: "Bad_Secret"/);
    const exists = await kubectl('create', 'namespace', 'clinic-7');
    assert.equal(exists.code, 1);
    assert.match(exists.stderr, /AlreadyExists/);
  });
});
