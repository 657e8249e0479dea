/**
 * Bad input at the hub's door: templates that do not compile, constraints of
 * unknown kinds, parameters against the template's schema, and policies that run
 * past their budget under both failure policies.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EdgewiseError } from '../../../src/api/errors.js';
import { configMapType } from '../../../src/api/kinds/core.js';
import { type GatekeeperOptions, gatekeeperFeature } from '../../../src/hub/gatekeeper/index.js';
import { cli } from '../../support/cli.js';
import { tempDir } from '../../support/hub.js';
import {
  CONFIGMAPS,
  configMap,
  constraint,
  type GatekeeperHub,
  requiredLabelsTemplate,
  startGatekeeperHub,
  template,
} from './fixtures.js';

interface StatusBody {
  code: number;
  reason: string;
  message: string;
  details?: { causes?: { field?: string; message: string }[] };
}

async function send(
  t: GatekeeperHub,
  method: string,
  path: string,
  body: unknown,
): Promise<StatusBody & { httpStatus: number }> {
  const res = await fetch(`${t.url}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { ...((await res.json()) as StatusBody), httpStatus: res.status };
}

const TEMPLATES = '/apis/templates.gatekeeper.sh/v1/constrainttemplates';
const LABELS = '/apis/constraints.gatekeeper.sh/v1beta1/k8srequiredlabels';

/** Three nested ranges: a billion combinations, so any step budget runs out. */
const LOOPING = `package k8sloops

violation[{"msg": "never"}] {
  n := numbers.range(1, 1000)
  n[_] + n[_] + n[_] == -1
}
`;

describe('gatekeeper bad input', () => {
  let t: GatekeeperHub;

  before(async () => {
    t = await startGatekeeperHub();
    assert.equal((await send(t, 'POST', TEMPLATES, requiredLabelsTemplate())).httpStatus, 201);
    const c = constraint('K8sRequiredLabels', 'must-have-owner', {
      match: CONFIGMAPS,
      parameters: { labels: ['owner'] },
    });
    assert.equal((await send(t, 'POST', LABELS, c)).httpStatus, 201);
  });
  after(async () => {
    await t.close();
  });

  it('rejects a template that does not compile with a 422 naming file:line:col; existing constraints stay in force', async () => {
    const broken = template(
      'K8sRequiredLabels',
      'package k8srequiredlabels\n\nviolation[{"msg": msg}] {\n  msg := \n}\n',
    );
    const res = await send(t, 'PUT', `${TEMPLATES}/k8srequiredlabels`, broken);
    assert.equal(res.httpStatus, 422);
    assert.equal(res.reason, 'Invalid');
    assert.match(
      res.message,
      /^ConstraintTemplate\.templates\.gatekeeper\.sh "k8srequiredlabels" is invalid: spec\.targets\[0\]\.rego: k8srequiredlabels\.rego:5:1: rego_parse_error: /,
    );
    assert.equal(res.details?.causes?.[0]?.field, 'spec.targets[0].rego');
    // The stored template and its constraint are untouched and still enforced.
    await assert.rejects(
      t.hub.service.create(configMapType, 'default', configMap('no-owner')),
      /\[must-have-owner\] you must provide labels/,
    );
    const created = await send(
      t,
      'POST',
      TEMPLATES,
      template('K8sBroken', 'package k8sbroken\nviolation[{"msg": x}] { true }\n'),
    );
    assert.equal(created.httpStatus, 422);
    assert.match(created.message, /k8sbroken\.rego:2:\d+: rego_unsafe_var_error: var x is unsafe/);
    assert.equal((await fetch(`${t.url}${TEMPLATES}/k8sbroken`)).status, 404);
  });

  it('names the lib file of a lib that does not compile, and requires a violation rule', async () => {
    const badLib = template('K8sBadLib', 'package k8sbadlib\nviolation[{"msg": "x"}] { data.lib.a.ok }\n', {
      libs: ['package lib.a\n\nok { input.x ==  }\n'],
    });
    const res = await send(t, 'POST', TEMPLATES, badLib);
    assert.equal(res.httpStatus, 422);
    assert.match(res.message, /k8sbadlib\/libs\[0\]\.rego:3:\d+: rego_parse_error/);
    const noViolation = await send(
      t,
      'POST',
      TEMPLATES,
      template('K8sNoViolation', 'package k8snoviolation\nallow { true }\n'),
    );
    assert.equal(noViolation.httpStatus, 422);
    assert.match(
      noViolation.message,
      /k8snoviolation\.rego:1:1: rego_compile_error: missing required rule: violation/,
    );
  });

  it('rejects a template whose name is not its kind in lowercase, or with a target it cannot serve', async () => {
    const misnamed = template('K8sThing', 'package a\nviolation[{"msg": "x"}] { true }\n');
    misnamed.metadata.name = 'thing';
    const res = await send(t, 'POST', TEMPLATES, misnamed);
    assert.equal(res.httpStatus, 422);
    assert.match(
      res.message,
      /metadata\.name: template name "thing" must be the lowercase of spec\.crd\.spec\.names\.kind \(k8sthing\)/,
    );
    const other = template('K8sOther', 'package a\nviolation[{"msg": "x"}] { true }\n');
    ((other.spec as { targets: { target: string }[] }).targets[0] as { target: string }).target =
      'audit.example.com';
    assert.match(
      (await send(t, 'POST', TEMPLATES, other)).message,
      /unsupported target "audit\.example\.com"/,
    );
  });

  it('says clearly that a constraint kind no template defines does not exist', async () => {
    const res = await send(
      t,
      'POST',
      '/apis/constraints.gatekeeper.sh/v1beta1/k8snopes',
      constraint('K8sNope', 'x', {}),
    );
    assert.equal(res.httpStatus, 404);
    assert.match(
      res.message,
      /no ConstraintTemplate defines it; create the ConstraintTemplate first \(kinds defined now: K8sRequiredLabels\)/,
    );
    const wrongVersion = await fetch(`${t.url}/apis/constraints.gatekeeper.sh/v1/k8srequiredlabels`);
    assert.equal(wrongVersion.status, 404);
    assert.match(
      ((await wrongVersion.json()) as StatusBody).message,
      /constraint kind K8sRequiredLabels is served as constraints\.gatekeeper\.sh\/v1beta1, not v1/,
    );
    assert.throws(
      () => t.hub.registry.requireKind('constraints.gatekeeper.sh/v1beta1', 'K8sNope'),
      (err: unknown) =>
        EdgewiseError.isCode(err, 'EW_NOT_FOUND') && /no matches for kind "K8sNope"/.test(err.message),
    );
    const dir = tempDir('gatekeeper-cli-');
    const file = `${dir}/nope.yaml`;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      file,
      'apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sNope\nmetadata:\n  name: x\n',
    );
    const applied = await cli(['apply', '-f', file], { EDGEWISE_HUB: t.url });
    assert.equal(applied.code, 1);
    assert.match(
      applied.stderr,
      /no matches for kind "K8sNope" in version "constraints\.gatekeeper\.sh\/v1beta1"/,
    );
  });

  it('validates parameters against the template schema, naming each field', async () => {
    const bad = constraint('K8sRequiredLabels', 'bad-params', { parameters: { labels: ['ok', 7] } });
    const res = await send(t, 'POST', LABELS, bad);
    assert.equal(res.httpStatus, 422);
    assert.deepEqual(
      res.details?.causes?.map((c) => [c.field, c.message]),
      [['spec.parameters.labels[1]', 'Invalid value: 7: must be of type string']],
    );
    const notArray = await send(
      t,
      'POST',
      LABELS,
      constraint('K8sRequiredLabels', 'bad2', { parameters: { labels: 'owner' } }),
    );
    assert.match(notArray.message, /spec\.parameters\.labels: Invalid value: "owner": must be of type array/);
    const action = await send(
      t,
      'POST',
      LABELS,
      constraint('K8sRequiredLabels', 'bad3', { enforcementAction: 'block' }),
    );
    assert.match(
      action.message,
      /spec\.enforcementAction: Unsupported value: "block": supported values: "deny", "dryrun", "warn"/,
    );
    const glob = await send(
      t,
      'POST',
      LABELS,
      constraint('K8sRequiredLabels', 'bad4', { match: { namespaces: ['Prod'] } }),
    );
    assert.match(glob.message, /spec\.match\.namespaces\[0\]: Invalid value: "Prod"/);
  });
});

describe('gatekeeper options', () => {
  it('rejects unknown and out-of-range options when the feature is made', () => {
    assert.throws(
      () => gatekeeperFeature({ failurPolicy: 'Fail' } as GatekeeperOptions),
      /gatekeeper options: unknown option "failurPolicy"/,
    );
    assert.throws(
      () => gatekeeperFeature({ failurePolicy: 'Open' as 'Fail' }),
      /failurePolicy must be "Fail" or "Ignore"/,
    );
    assert.throws(
      () => gatekeeperFeature({ budget: { maxSteps: 0 } }),
      /budget\.maxSteps must be at least 1/,
    );
  });
});

describe('gatekeeper policies that run past their budget', () => {
  const budget = { maxSteps: 20_000, timeoutMs: 0 };
  const hubs: GatekeeperHub[] = [];
  after(async () => {
    for (const h of hubs) await h.close();
  });

  async function loopingHub(failurePolicy: 'Fail' | 'Ignore'): Promise<GatekeeperHub> {
    const h = await startGatekeeperHub({ failurePolicy, budget });
    hubs.push(h);
    await h.hub.service.create(
      h.type('templates.gatekeeper.sh/v1', 'ConstraintTemplate'),
      '',
      template('K8sLoops', LOOPING),
    );
    await h.hub.service.create(
      h.type('constraints.gatekeeper.sh/v1beta1', 'K8sLoops'),
      '',
      constraint('K8sLoops', 'spins', { match: CONFIGMAPS }),
    );
    return h;
  }

  it('fails closed with failurePolicy Fail: 500 naming the constraint and the budget', async () => {
    const h = await loopingHub('Fail');
    const res = await send(h, 'POST', '/api/v1/namespaces/default/configmaps', configMap('blocked'));
    assert.equal(res.httpStatus, 500);
    assert.match(
      res.message,
      /^admission webhook "validation\.gatekeeper\.sh" could not evaluate the request: \[spins\] eval_budget_error: evaluation exceeded its budget of 20000 steps .*\(failurePolicy Fail\)$/,
    );
    assert.equal((await fetch(`${h.url}/api/v1/namespaces/default/configmaps/blocked`)).status, 404);
  });

  it('fails open with failurePolicy Ignore: admitted with a Warning, counted in metrics', async () => {
    const h = await loopingHub('Ignore');
    const res = await fetch(`${h.url}/api/v1/namespaces/default/configmaps`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(configMap('admitted')),
    });
    assert.equal(res.status, 201);
    assert.match(
      res.headers.get('warning') ?? '',
      /\[spins\] not evaluated, request admitted \(failurePolicy Ignore\): eval_budget_error/,
    );
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    assert.match(
      metrics,
      /edgewise_hub_gatekeeper_policy_errors_total\{constraint_kind="K8sLoops",constraint="spins",reason="budget"\} 1/,
    );
  });

  it('rejects on other evaluation errors whatever the failure policy, as Gatekeeper does', async () => {
    const h = hubs[1] as GatekeeperHub;
    const conflict =
      'package k8sconflict\n\nv := 1 { true }\nv := 2 { true }\n\nviolation[{"msg": "x"}] { v == 3 }\n';
    await h.hub.service.create(
      h.type('templates.gatekeeper.sh/v1', 'ConstraintTemplate'),
      '',
      template('K8sConflict', conflict),
    );
    await h.hub.service.create(
      h.type('constraints.gatekeeper.sh/v1beta1', 'K8sConflict'),
      '',
      constraint('K8sConflict', 'conflicted', { match: CONFIGMAPS }),
    );
    await assert.rejects(
      h.hub.service.create(configMapType, 'default', configMap('conflicted')),
      (err: unknown) =>
        EdgewiseError.isCode(err, 'EW_POLICY_EVAL') &&
        /\[conflicted\] .*eval_conflict_error/.test(err.message),
    );
  });
});
