/**
 * The field's manifests (../shared/scenarios) must be accepted as-is and read back
 * unchanged apart from defaults.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { resourcePath } from '../../src/cli/discovery.js';
import { readManifests } from '../../src/cli/manifests.js';
import { cli } from '../support/cli.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { sharedPath } from '../support/paths.js';

/** True when every field in `want` is present in `have` with the same value. */
function assertSubset(want: unknown, have: unknown, at: string): void {
  if (want !== null && typeof want === 'object') {
    assert.equal(typeof have, 'object', `${at}: expected an object/array, got ${JSON.stringify(have)}`);
    if (Array.isArray(want)) {
      assert.ok(Array.isArray(have), `${at}: expected an array`);
      assert.equal((have as unknown[]).length, want.length, `${at}: length`);
      want.forEach((w, i) => {
        assertSubset(w, (have as unknown[])[i], `${at}[${i}]`);
      });
      return;
    }
    for (const [k, v] of Object.entries(want))
      assertSubset(v, (have as Record<string, unknown>)[k], at ? `${at}.${k}` : k);
    return;
  }
  assert.deepEqual(have, want, at);
}

describe('field scenarios', () => {
  const scenarios = sharedPath('scenarios');
  let t: TestHub;
  before(async () => {
    t = await startTestHub({ listen: true });
  });
  after(async () => {
    await t.close();
  });

  it('applies every scenario manifest as-is and reads each object back unchanged plus defaults', {
    skip: scenarios.skip,
  }, async () => {
    const dir = scenarios.path as string;
    const env = { EDGEWISE_HUB: t.url };
    const applied = await cli(['apply', '-f', dir], env);
    assert.equal(applied.code, 0, applied.stderr);
    const docs = readManifests([dir]);
    assert.ok(docs.length >= 11, `found ${docs.length} documents`);
    const lines = applied.stdout.trim().split('\n');
    assert.equal(lines.length, docs.length);
    for (const line of lines) assert.match(line, / created$/);
    // Deployments without a selector are defaulted with a warning, as the scenarios README promises.
    assert.match(
      applied.stderr,
      /Warning: spec\.selector not set; defaulted to matchLabels \{app: edge-service\}/,
    );

    const discovery = await import('../../src/cli/discovery.js');
    const { HubClient } = await import('../../src/cli/client.js');
    const client = new HubClient({ server: t.url });
    const d = new discovery.Discovery(client);
    for (const doc of docs) {
      const resource = await d.forKind(doc.object.apiVersion, doc.object.kind);
      const ns = resource.namespaced ? (doc.object.metadata.namespace ?? 'default') : undefined;
      const stored = (
        await client.json<Record<string, unknown>>(
          'GET',
          resourcePath(resource, ns, doc.object.metadata.name),
        )
      ).value;
      assertSubset(doc.object, stored, `${doc.source}#${doc.document}`);
    }

    const again = await cli(['apply', '-f', dir], env);
    assert.equal(again.code, 0, again.stderr);
    for (const line of again.stdout.trim().split('\n')) assert.match(line, / unchanged$/);
  });

  it('deletes what a file declares', { skip: scenarios.skip }, async () => {
    const env = { EDGEWISE_HUB: t.url };
    const file = `${scenarios.path}/retail/hybrid.yaml`;
    await cli(['apply', '-f', file], env);
    const res = await cli(['delete', '-f', file], env);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(
      res.stdout,
      'deployment.apps "edge-app" deleted\nvirtualmachine.kubevirt.io "edge-vm" deleted\n',
    );
    const get = await cli(['get', 'deploy', 'edge-app'], env);
    assert.equal(get.code, 1);
    assert.equal(get.stderr, 'Error from server (NotFound): deployments.apps "edge-app" not found\n');
  });
});
