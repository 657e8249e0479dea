/**
 * Shipping rules: a feature makes objects go to the nodes they target by label, and
 * the link follows changes to the objects and to the nodes' labels.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Agent } from '../../src/agent/agent.js';
import { configMapType } from '../../src/api/kinds/core.js';
import { nodeType } from '../../src/api/kinds/node.js';
import { createHub, type Hub, type ListeningHub, listenHub } from '../../src/hub/hub.js';
import { waitFor } from '../support/fleet.js';
import { tempDir } from '../support/hub.js';

const quiet = pino({ level: 'silent' });

describe('shipping rules', { timeout: 60_000 }, () => {
  const root = tempDir('edgewise-shipping-');
  let hub: Hub;
  let served: ListeningHub;
  const agents: Agent[] = [];

  before(async () => {
    hub = await createHub({
      dataDir: path.join(root, 'hub'),
      logger: quiet,
      controllers: false,
      features: [
        {
          name: 'test-shipping',
          install(h) {
            // ConfigMaps labelled for a site go to that site's nodes.
            h.link?.shipping.push({
              resource: configMapType.storage,
              selects: (o, node) =>
                o.metadata.labels?.['ship-to-site'] !== undefined &&
                o.metadata.labels['ship-to-site'] === node.metadata.labels?.['edgewise.io/site'],
            });
          },
        },
      ],
    });
    served = await listenHub(hub, { host: '127.0.0.1', port: 0 });
    for (const [name, site] of [
      ['n1', 's1'],
      ['n2', 's2'],
    ] as const) {
      const token = (await hub.security?.tokens.create({ ttlMs: 60_000, oneTime: true }))?.token as string;
      agents.push(
        await Agent.start({
          hubUrl: served.url,
          token,
          name,
          dataDir: path.join(root, name),
          address: '127.0.0.1',
          logger: quiet,
          labels: { 'edgewise.io/site': site },
          linkBackoff: { minMs: 50, maxMs: 200 },
          stopWorkloadsOnClose: true,
        }),
      );
    }
  });
  after(async () => {
    for (const a of agents) await a.close();
    await served.close();
    await hub.close();
    rmSync(root, { recursive: true, force: true });
  });

  const holds = (agent: Agent, name: string) =>
    agent.state.object(configMapType.storage, 'default', name) !== undefined;

  it('ships a targeted object only to the nodes it selects, and follows its changes', async () => {
    const [n1, n2] = agents as [Agent, Agent];
    await waitFor('both linked', () => (n1.link.connected && n2.link.connected ? true : undefined));
    await hub.service.create(configMapType, 'default', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'prices', labels: { 'ship-to-site': 's1' } },
      data: { milk: '1.10' },
    });
    await waitFor('n1 holds prices', () => (holds(n1, 'prices') ? true : undefined));
    assert.equal(holds(n2, 'prices'), false, 'the other site does not get it');
    await hub.service.modify(configMapType, 'default', 'prices', (cm) => ({ ...cm, data: { milk: '1.20' } }));
    await waitFor('the new price on n1', () =>
      (n1.state.object(configMapType.storage, 'default', 'prices')?.data as { milk: string } | undefined)
        ?.milk === '1.20'
        ? true
        : undefined,
    );
    await hub.service.modify(configMapType, 'default', 'prices', (cm) => ({
      ...cm,
      metadata: { ...cm.metadata, labels: { 'ship-to-site': 's2' } },
    }));
    await waitFor('moved to n2', () => (holds(n2, 'prices') && !holds(n1, 'prices') ? true : undefined));
  });

  it('follows a node moving to another site', async () => {
    const [n1, n2] = agents as [Agent, Agent];
    await hub.service.modify(nodeType, '', 'n1', (node) => ({
      ...node,
      metadata: { ...node.metadata, labels: { ...node.metadata.labels, 'edgewise.io/site': 's2' } },
    }));
    await waitFor('n1 now holds s2 objects', () => (holds(n1, 'prices') ? true : undefined));
    assert.equal(holds(n2, 'prices'), true);
  });
});
