/**
 * Data sync as an operator sees it through the CLI: `edgewise apply -f sync.yaml`,
 * `edgewise get streams -A`, `edgewise get records -l stream=…`, `edgewise get
 * datasyncs`, and the errors a bad DataSync gets at the door.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { streamType } from '../../src/api/kinds/data-stream.js';
import { cli, maskAges } from '../support/cli.js';
import { joinToken, tempDir } from '../support/hub.js';
import {
  type SyncAgent,
  type SyncHub,
  startSyncAgent,
  startSyncHub,
  waitFor,
  waitForShipped,
  write,
} from './support/fleet.js';

const SYNC_YAML = `apiVersion: edgewise.io/v1alpha1
kind: DataSync
metadata:
  name: shipments
  namespace: supply-chain
spec:
  nodeSelector:
    node-type: edge
  streams: [shipments, "scan-*"]
  priority: 10
  limits:
    maxBytes: 64Mi
    maxAge: 72h
    onFull: DropOldest
  sink:
    hub:
      retention: 168h
`;

describe('data sync through the CLI', { timeout: 60_000 }, () => {
  const root = tempDir('edgewise-sync-cli-');
  let hub: SyncHub;
  let edge: SyncAgent;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    hub = await startSyncHub(path.join(root, 'hub'));
    env = { EDGEWISE_CONFIG: hub.hub.security?.writeKubeconfig(hub.url) ?? '' };
    edge = await startSyncAgent(root, 'edge-1', { hubUrl: hub.url, token: await joinToken(hub.hub) });
  });
  after(async () => {
    await edge.agent.close();
    await hub.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('applies a DataSync and shows streams and records', async () => {
    const file = path.join(root, 'sync.yaml');
    writeFileSync(file, SYNC_YAML);
    const applied = await cli(['apply', '-f', file], env);
    assert.equal(applied.stderr, '');
    assert.equal(applied.stdout.trim(), 'datasync.edgewise.io/shipments created');
    await waitForShipped(edge.agent, 'edgewise.io/datasyncs', 1);
    await write(edge.url, 'shipments', [
      { po: 'PO-1234', status: 'arrived', site: 'store-001' },
      { po: 'PO-1235', status: 'left', site: 'store-001' },
    ]);
    await write(edge.url, 'scan-dock', { pallet: 7 });
    await waitFor('both Stream objects delivered', async () => {
      const list = await hub.hub.service.list(streamType, '');
      return list.items.length === 2 &&
        list.items.every((s) => (s.status as { backlog?: number }).backlog === 0)
        ? true
        : undefined;
    });

    const streams = await cli(['get', 'streams', '-A'], env);
    assert.equal(
      maskAges(streams.stdout).trim(),
      [
        'NODE     STREAM      DATASYNC                 SINK   BACKLOG   LAG   DELIVERED   EVICTED   REFUSED',
        'edge-1   scan-dock   supply-chain/shipments   hub    0         <age>    1           0         0',
        'edge-1   shipments   supply-chain/shipments   hub    0         <age>    2           0         0',
      ].join('\n'),
    );
    const wide = await cli(['get', 'streams', '-o', 'wide'], env);
    assert.match(
      wide.stdout,
      /^NAME\s+NODE\s+STREAM.*REJECTED\s+REDACTED\s+CORRUPT\s+LOST\s+DUPLICATES\s+BYTES\s+EPOCH\s+POLICY\s+REPORTED/,
    );

    const records = await cli(['get', 'records', '-l', 'stream=shipments'], env);
    const lines = records.stdout.trim().split('\n');
    assert.match(lines[0] ?? '', /^NODE\s+STREAM\s+SEQ\s+TIME\s+DATA$/);
    assert.match(
      lines[1] ?? '',
      /^edge-1\s+shipments\s+1\s+\S+\s+\{"po":"PO-1234","status":"arrived","site":"store-001"\}$/,
    );
    assert.equal(lines.length, 3);
    const json = JSON.parse(
      (await cli(['get', 'records', '-l', 'node=edge-1,stream=shipments', '-o', 'json'], env)).stdout,
    ) as {
      items: { metadata: { name: string }; record: { seq: number; dedupKey: string }; data: unknown }[];
    };
    assert.equal(json.items.length, 2);
    const first = json.items[0];
    assert.match(first?.record.dedupKey ?? '', /^edge-1\/[0-9a-f]{12}\/shipments\/1$/);
    const one = await cli(['get', 'records', first?.metadata.name ?? '', '-o', 'json'], env);
    assert.deepEqual((JSON.parse(one.stdout) as { data: unknown }).data, first?.data);

    const syncs = await cli(['get', 'datasyncs', '-A'], env);
    assert.match(
      syncs.stdout,
      /^NAMESPACE\s+NAME\s+STREAMS\s+SINK\s+NODES\s+BACKLOG\s+DELIVERED\s+SINK READY\s+AGE/,
    );
    assert.match(syncs.stdout, /supply-chain\s+shipments\s+shipments,scan-\*\s+hub\s+1\s+0\s+3/);
  });

  it('refuses a DataSync with two sinks, a bad limit or bad sink options', async () => {
    const bad = (spec: string) => {
      const file = path.join(root, 'bad.yaml');
      writeFileSync(
        file,
        `apiVersion: edgewise.io/v1alpha1\nkind: DataSync\nmetadata: {name: bad}\nspec:\n${spec}`,
      );
      return cli(['apply', '-f', file], env);
    };
    const twoSinks = await bad('  streams: [a]\n  sink: {hub: {}, nats: {subject: x}}\n');
    assert.match(
      twoSinks.stderr,
      /spec\.sink: Invalid value.*name exactly one of hub, rabbitmq, nats, mqtt, postgres/,
    );
    const limit = await bad('  streams: [a]\n  limits: {maxAge: soon}\n  sink: {hub: {}}\n');
    assert.match(limit.stderr, /spec\.limits\.maxAge: Invalid value: "soon"/);
    const options = await bad(
      '  streams: [a]\n  sink: {rabbitmq: {url: "amqp://127.0.0.1", exchange: x, colour: blue}}\n',
    );
    assert.match(
      options.stderr,
      /spec\.sink\.rabbitmq\.colour: Forbidden: unknown option; known options: url, exchange/,
    );
    const records = await cli(['delete', 'records', 'x.y.z.1'], env);
    assert.notEqual(records.code, 0);
  });
});
