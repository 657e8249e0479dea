/**
 * Egress policy at the edge: the telemedicine policy from ../shared/scenarios keeps
 * patient records on the clinic's node (refused, counted, still readable locally)
 * while other streams leave; redaction removes fields before a record leaves; a
 * policy that is named but not on the node holds the stream instead of leaking it;
 * kube-mgmt-labelled policy ConfigMaps are used when no ConfigMap is named.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { configMapType } from '../../src/api/kinds/core.js';
import { streamType } from '../../src/api/kinds/data-stream.js';
import { DATA_SYNC_STORAGE } from '../../src/api/kinds/data-sync.js';
import { joinToken, tempDir } from '../support/hub.js';
import { sharedPath } from '../support/paths.js';
import {
  applyDataSync,
  dataSync,
  hubRecords,
  type SyncAgent,
  type SyncHub,
  startSyncAgent,
  startSyncHub,
  waitFor,
  waitForShipped,
  write,
} from './support/fleet.js';

const telemedicine = sharedPath('scenarios/telemedicine/telemedicine-policy.rego');

function configMap(name: string, data: Record<string, string>, labels?: Record<string, string>) {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(labels && { labels }) }, data };
}

describe('edge streams: egress policy', { timeout: 60_000 }, () => {
  const root = tempDir('edgewise-sync-egress-');
  let hub: SyncHub;
  let clinic: SyncAgent;

  before(async () => {
    hub = await startSyncHub(path.join(root, 'hub'));
    clinic = await startSyncAgent(root, 'clinic-1', {
      hubUrl: hub.url,
      token: await joinToken(hub.hub),
      labels: { 'node-type': 'edge', sector: 'health' },
    });
  });
  after(async () => {
    await clinic.agent.close();
    await hub.close();
    rmSync(root, { recursive: true, force: true });
  });

  async function streamStatus(stream: string, check: (s: Record<string, unknown>) => boolean) {
    return waitFor(`status of ${stream}`, async () => {
      const s = (await hub.hub.service.find(streamType, '', `clinic-1.${stream}`))?.status as
        | Record<string, unknown>
        | undefined;
      return s && check(s) ? s : undefined;
    });
  }

  it('keeps patient data on the site under the telemedicine policy', {
    skip: telemedicine.skip,
  }, async () => {
    const source = readFileSync(telemedicine.path as string, 'utf8');
    await hub.hub.service.create(
      configMapType,
      'default',
      configMap('telemedicine-policy', { 'telemedicine-policy.rego': source }),
    );
    await applyDataSync(
      hub.hub,
      dataSync('patient-data', {
        streams: ['patient-*'],
        nodeSelector: { sector: 'health' },
        egress: { policy: { configMap: 'telemedicine-policy', decision: 'data.healthcare.telemedicine' } },
      }),
    );
    await applyDataSync(
      hub.hub,
      dataSync('clinic-ops', { streams: ['visits'], nodeSelector: { sector: 'health' } }),
    );
    await waitForShipped(clinic.agent, DATA_SYNC_STORAGE, 2);
    await waitFor('the policy ConfigMap on the node', () =>
      clinic.agent.state.object(configMapType.storage, 'default', 'telemedicine-policy') ? true : undefined,
    );
    for (let i = 1; i <= 5; i++) {
      assert.equal(
        (
          await write(clinic.url, 'patient-records', {
            patient: { id: `p${i}`, name: 'Jane Roe' },
            bp: '120/80',
          })
        ).status,
        200,
      );
      assert.equal((await write(clinic.url, 'visits', { visit: i, minutes: 20 })).status, 200);
    }
    await streamStatus('visits', (s) => s.delivered === 5);
    const patient = await streamStatus('patient-records', (s) => s.refusedByPolicy === 5 && s.backlog === 0);
    assert.equal(patient.delivered, 0);
    assert.deepEqual(
      await hubRecords(hub.ingest, { stream: 'patient-records' }),
      [],
      'no patient record reached the hub',
    );
    const local = (await (await fetch(`${clinic.url}/v1/streams/patient-records/records`)).json()) as {
      records: { state: string; data: { patient: { id: string } } }[];
    };
    assert.deepEqual(
      local.records.map((r) => [r.state, r.data.patient.id]),
      ['p1', 'p2', 'p3', 'p4', 'p5'].map((id) => ['kept-local', id]),
      'refused records stay readable on the node',
    );
  });

  it('removes redacted fields before a record leaves', async () => {
    const policy = [
      'package clinic.summaries',
      'import rego.v1',
      'allow if input.record.kind == "summary"',
      'redact contains "patient.name"',
      'redact contains ["patient", "address"]',
    ].join('\n');
    await hub.hub.service.create(
      configMapType,
      'default',
      configMap('summary-policy', { 'summary.rego': policy }),
    );
    await applyDataSync(
      hub.hub,
      dataSync('summaries', {
        streams: ['summaries'],
        egress: { policy: { configMap: 'summary-policy', decision: 'data.clinic.summaries' } },
      }),
    );
    await waitForShipped(clinic.agent, DATA_SYNC_STORAGE, 3);
    await waitFor('the summary policy on the node', () =>
      clinic.agent.state.object(configMapType.storage, 'default', 'summary-policy') ? true : undefined,
    );
    await write(clinic.url, 'summaries', [
      { kind: 'summary', patient: { id: 'p1', name: 'Jane Roe', address: '1 Main St' }, score: 3 },
      { kind: 'raw', patient: { id: 'p2', name: 'John Doe' } },
    ]);
    const status = await streamStatus(
      'summaries',
      (s) => s.delivered === 1 && s.refusedByPolicy === 1 && s.redacted === 1,
    );
    assert.equal(status.backlog, 0);
    const [record] = await hubRecords(hub.ingest, { stream: 'summaries' });
    assert.deepEqual(JSON.parse(record?.data ?? 'null'), {
      kind: 'summary',
      patient: { id: 'p1' },
      score: 3,
    });
  });

  it('holds a stream whose policy is not on the node, then decides once it arrives', async () => {
    await applyDataSync(
      hub.hub,
      dataSync('lab', {
        streams: ['lab-results'],
        egress: { policy: { configMap: 'lab-policy', decision: 'data.lab.egress' } },
      }),
    );
    await waitForShipped(clinic.agent, DATA_SYNC_STORAGE, 4);
    await write(clinic.url, 'lab-results', [
      { test: 'hb', anonymised: true },
      { test: 'hb', anonymised: false },
    ]);
    const held = await streamStatus(
      'lab-results',
      (s) => s.backlog === 2 && String(s.policy).startsWith('held'),
    );
    assert.match(String(held.policy), /lab-policy is not on this node/);
    assert.equal(held.refusedByPolicy, 0, 'held records are not refused: they wait');
    await hub.hub.service.create(
      configMapType,
      'default',
      configMap('lab-policy', {
        'lab.rego':
          'package lab.egress\nimport rego.v1\ndefault allow := false\nallow if input.record.anonymised',
      }),
    );
    const decided = await streamStatus('lab-results', (s) => s.delivered === 1 && s.refusedByPolicy === 1);
    assert.equal(decided.backlog, 0);
  });

  it('uses kube-mgmt-labelled policy ConfigMaps when none is named, and a Deny default', async () => {
    await hub.hub.service.create(
      configMapType,
      'default',
      configMap(
        'site-egress',
        {
          main: 'package site.egress\nimport rego.v1\ndeny contains "card data stays in the store" if input.record.pan',
        },
        { 'openpolicyagent.org/policy': 'rego' },
      ),
    );
    await applyDataSync(
      hub.hub,
      dataSync('payments', { streams: ['payments'], egress: { policy: { decision: 'data.site.egress' } } }),
    );
    await applyDataSync(
      hub.hub,
      dataSync('cameras', { streams: ['video-index'], egress: { defaultAction: 'Deny' } }),
    );
    await waitForShipped(clinic.agent, DATA_SYNC_STORAGE, 6);
    await waitFor('the labelled policy on the node', () =>
      clinic.agent.state.object(configMapType.storage, 'default', 'site-egress') ? true : undefined,
    );
    await write(clinic.url, 'payments', [{ amount: 12, pan: '4111111111111111' }, { amount: 7 }]);
    await write(clinic.url, 'video-index', [{ frame: 1 }]);
    await streamStatus('payments', (s) => s.delivered === 1 && s.refusedByPolicy === 1);
    await streamStatus('video-index', (s) => s.refusedByPolicy === 1 && s.backlog === 0);
    const [payment] = await hubRecords(hub.ingest, { stream: 'payments' });
    assert.deepEqual(JSON.parse(payment?.data ?? 'null'), { amount: 7 });
  });
});
