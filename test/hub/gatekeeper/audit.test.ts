/** Audit: existing objects re-evaluated, status written to each constraint, metrics, re-audit on change. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { configMapType } from '../../../src/api/kinds/core.js';
import {
  CONFIGMAPS,
  configMap,
  constraint,
  eventually,
  type GatekeeperHub,
  requiredLabelsTemplate,
  startGatekeeperHub,
} from './fixtures.js';

const NOW = new Date('2025-03-01T12:00:00Z');

interface AuditStatus {
  auditTimestamp?: string;
  totalViolations?: number;
  enforced?: boolean;
  violations?: {
    enforcementAction: string;
    kind: string;
    name: string;
    namespace?: string;
    message: string;
  }[];
}

describe('gatekeeper audit', () => {
  let t: GatekeeperHub;
  const status = async (name: string): Promise<AuditStatus> =>
    ((await t.hub.service.get(t.type('constraints.gatekeeper.sh/v1beta1', 'K8sRequiredLabels'), '', name))
      .status ?? {}) as AuditStatus;

  before(async () => {
    t = await startGatekeeperHub({ violationsLimit: 2, now: () => NOW });
    // Objects that exist before any constraint: admission never saw them against one.
    for (const name of ['a', 'b', 'c']) await t.hub.service.create(configMapType, 'default', configMap(name));
    await t.hub.service.create(configMapType, 'kube-system', configMap('d', { owner: 'ops' }, 'kube-system'));
    await t.hub.service.create(
      t.type('templates.gatekeeper.sh/v1', 'ConstraintTemplate'),
      '',
      requiredLabelsTemplate(),
    );
    await t.hub.service.create(
      t.type('constraints.gatekeeper.sh/v1beta1', 'K8sRequiredLabels'),
      '',
      constraint('K8sRequiredLabels', 'owner-audit', {
        match: CONFIGMAPS,
        parameters: { labels: ['owner'] },
        enforcementAction: 'dryrun',
      }),
    );
  });
  after(async () => {
    await t.close();
  });

  it('writes totalViolations, auditTimestamp and a capped violations list to the constraint', async () => {
    const report = await t.gk.auditNow();
    const mine = report.constraints.find((c) => c.name === 'owner-audit');
    assert.equal(mine?.totalViolations, 3);
    const s = await status('owner-audit');
    assert.equal(s.totalViolations, 3);
    assert.equal(s.auditTimestamp, '2025-03-01T12:00:00Z');
    assert.equal(s.violations?.length, 2);
    assert.deepEqual(s.violations?.[0], {
      enforcementAction: 'dryrun',
      group: '',
      version: 'v1',
      kind: 'ConfigMap',
      name: 'a',
      namespace: 'default',
      message: 'you must provide labels: {"owner"}',
    });
  });

  it('exports violations per constraint and the audit duration', async () => {
    await t.gk.auditNow();
    const text = await (await fetch(`${t.url}/metrics`)).text();
    assert.match(
      text,
      /edgewise_hub_gatekeeper_violations\{constraint_kind="K8sRequiredLabels",constraint="owner-audit",enforcement_action="dryrun"\} 3/,
    );
    assert.match(text, /edgewise_hub_gatekeeper_audit_duration_seconds_count [1-9]/);
  });

  it('audits again on its own when a constraint changes', async () => {
    await t.hub.service.modify(
      t.type('constraints.gatekeeper.sh/v1beta1', 'K8sRequiredLabels'),
      '',
      'owner-audit',
      (c) => ({
        ...c,
        spec: { ...(c.spec as object), match: { ...CONFIGMAPS, namespaces: ['kube-system'] } },
      }),
    );
    const s = await eventually('re-audit after the change', async () => {
      const current = await status('owner-audit');
      return current.totalViolations === 0 ? current : undefined;
    });
    assert.deepEqual(s.violations, []);
  });
});

describe('gatekeeper periodic audit', () => {
  let t: GatekeeperHub;
  before(async () => {
    t = await startGatekeeperHub({ auditIntervalSeconds: 0.05 });
  });
  after(async () => {
    await t.close();
  });

  it('finds objects written behind admission’s back on the next round', async () => {
    await t.hub.service.create(
      t.type('templates.gatekeeper.sh/v1', 'ConstraintTemplate'),
      '',
      requiredLabelsTemplate(),
    );
    const type = t.type('constraints.gatekeeper.sh/v1beta1', 'K8sRequiredLabels');
    await t.hub.service.create(
      type,
      '',
      constraint('K8sRequiredLabels', 'periodic', { match: CONFIGMAPS, parameters: { labels: ['owner'] } }),
    );
    await eventually('the first audit', async () => {
      const st = (await t.hub.service.get(type, '', 'periodic')).status as AuditStatus | undefined;
      return st?.totalViolations === 0 ? st : undefined;
    });
    // Straight into the store: no admission, and no template or constraint change to trigger an audit.
    await t.hub.store.create(configMapType.storage, configMap('sneaky'));
    const s = await eventually('a periodic audit to see it', async () => {
      const st = (await t.hub.service.get(type, '', 'periodic')).status as AuditStatus | undefined;
      return st?.totalViolations === 1 ? st : undefined;
    });
    assert.equal(s.violations?.[0]?.name, 'sneaky');
  });
});
