/**
 * `edgewise hub` serves Gatekeeper: the field's scenarios are applied with the CLI,
 * then a ConstraintTemplate and a constraint; audit counts the scenarios'
 * violations in `get`, and a new violating Deployment is denied.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readManifests } from '../../../src/cli/manifests.js';
import { cli, maskAges } from '../../support/cli.js';
import { freePort, type HubProcess, killAll, startHubProcess, stop, waitFor } from '../../support/fleet.js';
import { tempDir } from '../../support/hub.js';
import { sharedPath } from '../../support/paths.js';

const TEMPLATE = `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8sedgeimagespinned
spec:
  crd:
    spec:
      names:
        kind: K8sEdgeImagesPinned
      validation:
        openAPIV3Schema:
          type: object
          properties:
            tags:
              type: array
              items: {type: string}
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package k8sedgeimagespinned

        violation[{"msg": msg}] {
          c := input.review.object.spec.template.spec.containers[_]
          tag := input.parameters.tags[_]
          endswith(c.image, concat("", [":", tag]))
          msg := sprintf("container <%v> uses image <%v>; pin a version", [c.name, c.image])
        }
`;

const CONSTRAINT = `apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sEdgeImagesPinned
metadata:
  name: pin-edge-images
spec:
  match:
    kinds:
      - apiGroups: ["apps"]
        kinds: ["Deployment"]
  parameters:
    tags: ["latest"]
`;

function deployment(name: string, image: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
        - name: app
          image: ${image}
`;
}

describe('edgewise hub with Gatekeeper, through the CLI', () => {
  const scenarios = sharedPath('scenarios');
  const root = tempDir('gatekeeper-cli-');
  let hub: HubProcess;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    hub = await startHubProcess(path.join(root, 'hub'), await freePort());
    env = { EDGEWISE_CONFIG: path.join(root, 'hub', 'kubeconfig.yaml') };
    writeFileSync(path.join(root, 'template.yaml'), TEMPLATE);
    writeFileSync(path.join(root, 'constraint.yaml'), CONSTRAINT);
    writeFileSync(
      path.join(root, 'latest.yaml'),
      deployment('edge-new', 'registry.example.com/edge-new:latest'),
    );
    writeFileSync(
      path.join(root, 'pinned.yaml'),
      deployment('edge-pinned', 'registry.example.com/edge-new:1.4.2'),
    );
  });
  after(async () => {
    if (hub) await stop(hub.child);
    killAll(root);
    rmSync(root, { recursive: true, force: true });
  });

  it('applies the scenarios, then a template and constraint that audit them and deny a new violation', {
    skip: scenarios.skip,
  }, async () => {
    const dir = scenarios.path as string;
    const applied = await cli(['apply', '-f', dir], env);
    assert.equal(applied.code, 0, applied.stderr);

    const t = await cli(['apply', '-f', path.join(root, 'template.yaml')], env);
    assert.equal(t.code, 0, t.stderr);
    assert.equal(t.stdout, 'constrainttemplate.templates.gatekeeper.sh/k8sedgeimagespinned created\n');
    const c = await cli(['apply', '-f', path.join(root, 'constraint.yaml')], env);
    assert.equal(c.code, 0, c.stderr);
    assert.equal(c.stdout, 'k8sedgeimagespinned.constraints.gatekeeper.sh/pin-edge-images created\n');

    const templates = await cli(['get', 'constrainttemplates'], env);
    assert.equal(
      maskAges(templates.stdout),
      'NAME                  CONSTRAINT-KIND       ENGINE   AGE\nk8sedgeimagespinned   K8sEdgeImagesPinned   Rego     <age>\n',
    );

    // Every :latest container of the scenarios' Deployments is a violation the audit finds.
    const expected = readManifests([dir])
      .map((d) => d.object)
      .filter((o) => o.kind === 'Deployment')
      .flatMap(
        (o) =>
          (o.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers,
      )
      .filter((container) => container.image.endsWith(':latest')).length;
    assert.ok(expected >= 5, `the scenarios have ${expected} :latest containers`);
    const table = await waitFor('the audit to count violations', async () => {
      const got = await cli(['get', 'k8sedgeimagespinned'], env);
      return /pin-edge-images\s+deny\s+\d+/.test(got.stdout) ? got.stdout : undefined;
    });
    assert.equal(
      table,
      `NAME              ENFORCEMENT-ACTION   TOTAL-VIOLATIONS\npin-edge-images   deny                 ${expected}\n`,
    );

    const denied = await cli(['apply', '-f', path.join(root, 'latest.yaml')], env);
    assert.equal(denied.code, 1);
    assert.match(
      denied.stderr,
      /admission webhook "validation\.gatekeeper\.sh" denied the request: \[pin-edge-images\] container <app> uses image <registry\.example\.com\/edge-new:latest>; pin a version/,
    );
    const pinned = await cli(['apply', '-f', path.join(root, 'pinned.yaml')], env);
    assert.equal(pinned.code, 0, pinned.stderr);
    assert.equal(pinned.stdout, 'deployment.apps/edge-pinned created\n');
  });
});
