/** Constraint kinds and constraints come back with the hub after a restart, before it serves. */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { configMapType } from '../../../src/api/kinds/core.js';
import { tempDir } from '../../support/hub.js';
import { CONFIGMAPS, configMap, constraint, requiredLabelsTemplate, startGatekeeperHub } from './fixtures.js';

describe('gatekeeper across a hub restart', () => {
  const dataDir = tempDir('gatekeeper-restart-');
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('re-registers constraint kinds from stored templates and keeps enforcing', async () => {
    const first = await startGatekeeperHub({}, { dataDir });
    await first.hub.service.create(
      first.type('templates.gatekeeper.sh/v1', 'ConstraintTemplate'),
      '',
      requiredLabelsTemplate(),
    );
    await first.hub.service.create(
      first.type('constraints.gatekeeper.sh/v1beta1', 'K8sRequiredLabels'),
      '',
      constraint('K8sRequiredLabels', 'owner', { match: CONFIGMAPS, parameters: { labels: ['owner'] } }),
    );
    await first.close();

    const second = await startGatekeeperHub({}, { dataDir });
    try {
      const type = second.hub.registry.byKind('constraints.gatekeeper.sh/v1beta1', 'K8sRequiredLabels');
      assert.ok(type, 'constraint kind registered again');
      assert.equal((await second.hub.service.get(type, '', 'owner')).metadata.name, 'owner');
      await assert.rejects(
        second.hub.service.create(configMapType, 'default', configMap('unlabelled')),
        /\[owner\] you must provide labels/,
      );
      const res = await fetch(`${second.url}/apis/constraints.gatekeeper.sh/v1beta1/k8srequiredlabels`);
      assert.equal(res.status, 200);
    } finally {
      await second.close();
    }
  });
});
