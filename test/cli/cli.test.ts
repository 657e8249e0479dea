/** The CLI as a user meets it: output snapshots and error lines. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cli, maskAges } from '../support/cli.js';
import { startTestHub, type TestHub, tempDir } from '../support/hub.js';

const MANIFESTS = `apiVersion: v1
kind: ConfigMap
metadata:
  name: edge-config
  labels:
    team: platform
data:
  offline_mode: "true"
  sync_interval: "60s"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: edge-service
spec:
  replicas: 3
  template:
    spec:
      runtimeClassName: wasmedge
      nodeSelector:
        node-type: edge
      containers:
      - name: edge-service
        image: registry.example.com/edge-service:latest
        resources:
          requests:
            cpu: 100m
            memory: 128Mi
---
apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata:
  name: wasmedge
handler: wasmedge
`;

describe('edgewise CLI', () => {
  let t: TestHub;
  let env: NodeJS.ProcessEnv;
  let dir: string;

  before(async () => {
    t = await startTestHub({ listen: true });
    env = { EDGEWISE_HUB: t.url };
    dir = tempDir('edgewise-cli-');
    writeFileSync(path.join(dir, 'app.yaml'), MANIFESTS);
  });
  after(async () => {
    await t.close();
  });

  it('applies a multi-document file with one result line per object', async () => {
    const res = await cli(['apply', '-f', path.join(dir, 'app.yaml')], env);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(
      res.stdout,
      'configmap/edge-config created\ndeployment.apps/edge-service created\nruntimeclass.node.k8s.io/wasmedge created\n',
    );
    assert.match(
      res.stderr,
      /^Warning: spec\.template\.metadata\.labels not set; defaulted to \{app: edge-service\}\n/,
    );
    const again = await cli(['apply', '-f', path.join(dir, 'app.yaml')], env);
    assert.equal(
      again.stdout,
      'configmap/edge-config unchanged\ndeployment.apps/edge-service unchanged\nruntimeclass.node.k8s.io/wasmedge unchanged\n',
    );
  });

  it('reports configured when a manifest changes, and removes fields the manifest dropped', async () => {
    const changed = MANIFESTS.replace('sync_interval: "60s"', 'sync_interval: "30s"').replace(
      '  labels:\n    team: platform\n',
      '',
    );
    const res = await cli(['apply', '-f', '-'], env, { stdin: changed });
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^configmap\/edge-config configured$/m);
    const cm = JSON.parse((await cli(['get', 'cm', 'edge-config', '-o', 'json'], env)).stdout);
    assert.equal(cm.data.sync_interval, '30s');
    assert.equal(cm.metadata.labels, undefined, 'the label the manifest no longer has is gone');
    await cli(['apply', '-f', path.join(dir, 'app.yaml')], env);
  });

  it('prints tables like kubectl', async () => {
    const deploy = await cli(['get', 'deployments'], env);
    assert.equal(deploy.code, 0, deploy.stderr);
    assert.equal(
      maskAges(deploy.stdout),
      'NAME           READY   UP-TO-DATE   AVAILABLE   AGE\nedge-service   0/3     0            0           <age>\n',
    );
    const cms = await cli(['get', 'cm', '-A'], env);
    assert.match(cms.stdout, /^NAMESPACE\s+NAME\s+DATA\s+AGE\n/);
    assert.match(cms.stdout, /^default\s+edge-config\s+2\s+\S+$/m);
    const wide = await cli(['get', 'deploy', '-o', 'wide'], env);
    assert.match(wide.stdout, /CONTAINERS\s+IMAGES\s+SELECTOR/);
    assert.match(
      wide.stdout,
      /edge-service\s+registry\.example\.com\/edge-service:latest\s+app=edge-service/,
    );
    const rc = await cli(['get', 'runtimeclasses'], env);
    assert.equal(maskAges(rc.stdout), 'NAME       HANDLER    AGE\nwasmedge   wasmedge   <age>\n');
  });

  it('prints objects as YAML, JSON and names', async () => {
    const yaml = await cli(['get', 'deploy', 'edge-service', '-o', 'yaml'], env);
    assert.match(yaml.stdout, /^apiVersion: apps\/v1\nkind: Deployment\nmetadata:\n/);
    assert.match(yaml.stdout, /runtimeClassName: wasmedge/);
    const names = await cli(['get', 'cm,deploy', '-o', 'name'], env);
    assert.equal(names.stdout, 'configmap/edge-config\ndeployment.apps/edge-service\n');
    const json = JSON.parse((await cli(['get', 'configmaps', '-o', 'json'], env)).stdout);
    assert.equal(json.kind, 'List');
    assert.equal(json.items[0].kind, 'ConfigMap');
  });

  it('selects by label and says when nothing matches', async () => {
    await cli(['label', 'cm', 'edge-config', 'team=platform'], env);
    const hit = await cli(['get', 'cm', '-l', 'team=platform', '-o', 'name'], env);
    assert.equal(hit.stdout, 'configmap/edge-config\n');
    const miss = await cli(['get', 'cm', '-l', 'team=nobody'], env);
    assert.equal(miss.code, 0);
    assert.equal(miss.stdout, '');
    assert.equal(miss.stderr, 'No resources found in default namespace.\n');
  });

  it('labels any kind, refusing to overwrite without --overwrite', async () => {
    const add = await cli(['label', 'deploy', 'edge-service', 'tier=edge'], env);
    assert.equal(add.stdout, 'deployment.apps/edge-service labeled\n');
    const clash = await cli(['label', 'deploy', 'edge-service', 'tier=core'], env);
    assert.equal(clash.code, 1);
    assert.equal(clash.stderr, "error: 'tier' already has a value (edge), and --overwrite is false\n");
    const over = await cli(['label', 'deploy', 'edge-service', 'tier=core', '--overwrite'], env);
    assert.equal(over.code, 0);
    const remove = await cli(['label', 'deploy', 'edge-service', 'tier-'], env);
    assert.equal(remove.stdout, 'deployment.apps/edge-service labeled\n');
    const shown = await cli(['get', 'deploy', '--show-labels'], env);
    assert.doesNotMatch(shown.stdout, /tier=/);
  });

  it('describes a ConfigMap with its data', async () => {
    const res = await cli(['describe', 'configmap', 'edge-config'], env);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^Name:\s+edge-config\nNamespace:\s+default\nLabels:\s+team=platform\n/);
    assert.match(res.stdout, /Data\n====\noffline_mode:\n----\ntrue\n/);
    assert.match(res.stdout, /Events:\s+<none>/);
  });

  it('names file, document and field for bad manifests, and exits 1', async () => {
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fine\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: greedy\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: x:1\n        resources:\n          limits:\n            cpu: lots\n`,
    );
    const res = await cli(['apply', '-f', bad], env);
    assert.equal(res.code, 1);
    assert.equal(res.stdout, 'configmap/fine created\n');
    assert.equal(
      res.stderr,
      `error: ${bad}: document 2 (Deployment "greedy"): spec.template.spec.containers[0].resources.limits.cpu: invalid quantity "lots"\n`,
    );

    const broken = path.join(dir, 'broken.yaml');
    writeFileSync(broken, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: [unclosed\n');
    const syntax = await cli(['apply', '-f', broken], env);
    assert.equal(syntax.code, 1);
    assert.match(
      syntax.stderr,
      new RegExp(
        `^error: ${broken.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: document 1: line \\d+, column \\d+: invalid YAML`,
      ),
    );

    const nokind = path.join(dir, 'nokind.yaml');
    writeFileSync(nokind, 'apiVersion: v1\nmetadata:\n  name: x\n');
    const missing = await cli(['apply', '-f', nokind], env);
    assert.equal(
      missing.stderr,
      `error: ${nokind}: document 1: kind: Required value: every manifest needs apiVersion and kind\n`,
    );

    const unknown = path.join(dir, 'unknown.yaml');
    writeFileSync(unknown, 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n');
    const unk = await cli(['apply', '-f', unknown], env);
    assert.equal(unk.code, 1);
    assert.equal(
      unk.stderr,
      `error: ${unknown}: document 1 (Widget "w"): no matches for kind "Widget" in version "example.com/v1"\n`,
    );
  });

  it('explains an unknown resource type and an unreachable hub', async () => {
    const res = await cli(['get', 'widgets'], env);
    assert.equal(res.code, 1);
    assert.equal(res.stderr, 'error: the server doesn\'t have a resource type "widgets"\n');
    const down = await cli(['get', 'pods'], { EDGEWISE_HUB: 'http://127.0.0.1:1' });
    assert.equal(down.code, 1);
    assert.match(
      down.stderr,
      /cannot reach the hub at http:\/\/127\.0\.0\.1:1: .*is `edgewise hub` running\?/,
    );
  });

  it('streams changes with get -w', async () => {
    const abort = new AbortController();
    const lines: string[] = [];
    const done = (async () => {
      const { run } = await import('../../src/cli/main.js');
      return run(['get', 'configmaps', '-w'], {
        stdout: (s) => {
          lines.push(...s.split('\n').filter(Boolean));
          if (lines.some((l) => l.startsWith('watched-cm'))) abort.abort();
        },
        stderr: () => {},
        env: { HOME: '/nonexistent', EDGEWISE_HUB: t.url },
        signal: abort.signal,
      });
    })();
    // Create after the watch has printed the current state.
    for (let i = 0; i < 200 && !lines.some((l) => l.startsWith('edge-config')); i++)
      await new Promise((r) => setTimeout(r, 10));
    await cli(['apply', '-f', '-'], env, {
      stdin: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: watched-cm\n',
    });
    assert.equal(await done, 0);
    assert.match(lines[0] ?? '', /^NAME\s+DATA\s+AGE$/);
    assert.ok(
      lines.some((l) => /^watched-cm\s+0\s+/.test(l)),
      lines.join('\n'),
    );
  });
});
