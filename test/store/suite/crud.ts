/** Create, get, update, delete; metadata stamping; the revision and generation rules. */
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import {
  CONFIGMAPS,
  configMap,
  DEPLOYMENTS,
  type Define,
  NODES,
  node,
  PODS,
  pod,
  Reader,
  rejectsWith,
  summary,
} from './support.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

export function crudTests(test: Define): void {
  test('create returns the stored object and get reads it back unchanged', async ({ open }) => {
    const store = await open();
    const input = configMap('settings');
    const before = structuredClone(input);
    const created = await store.create(CONFIGMAPS, input);
    assert.deepEqual(input, before, 'the caller’s object is not modified');
    const read = await store.get({ resource: CONFIGMAPS, namespace: 'default', name: 'settings' });
    assert.ok(read);
    assert.equal(JSON.stringify(read), JSON.stringify(created), 'same content and key order');
    assert.deepEqual(read.data, { key: 'value' });
    assert.equal(await store.get({ resource: CONFIGMAPS, namespace: 'other', name: 'settings' }), undefined);
    assert.equal(
      await store.get({ resource: DEPLOYMENTS, namespace: 'default', name: 'settings' }),
      undefined,
    );
  });

  test('create stamps uid, resourceVersion, generation 1 and a second-precision creationTimestamp', async ({
    open,
  }) => {
    const store = await open();
    const startedAt = Math.floor(Date.now() / 1000) * 1000;
    const created = await store.create(CONFIGMAPS, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        labels: { app: 'web' },
        name: 'stamped',
        namespace: 'default',
        uid: 'client-chosen',
        generation: 7,
        annotations: { note: 'kept' },
        finalizers: ['example.com/keep'],
      },
      data: { b: '2', a: '1' },
    });
    const meta = created.metadata;
    assert.match(meta.uid ?? '', UUID);
    assert.equal(meta.resourceVersion, String(await store.revision()));
    assert.equal(meta.generation, 1);
    assert.match(meta.creationTimestamp ?? '', TIMESTAMP);
    const at = Date.parse(meta.creationTimestamp ?? '');
    assert.ok(at >= startedAt && at <= Date.now(), `creationTimestamp ${meta.creationTimestamp} is now`);
    assert.deepEqual(meta.labels, { app: 'web' });
    assert.deepEqual(meta.annotations, { note: 'kept' });
    assert.deepEqual(meta.finalizers, ['example.com/keep']);
    // The caller's keys keep their order; the store's own fields follow name/namespace.
    assert.deepEqual(Object.keys(meta), [
      'labels',
      'name',
      'namespace',
      'uid',
      'resourceVersion',
      'generation',
      'creationTimestamp',
      'annotations',
      'finalizers',
    ]);
    assert.deepEqual(Object.keys(created.data as object), ['b', 'a']);
    const other = await store.create(CONFIGMAPS, configMap('another'));
    assert.notEqual(other.metadata.uid, meta.uid);
  });

  test('update replaces the object, keeping uid and creationTimestamp', async ({ open }) => {
    const store = await open();
    const created = await store.create(CONFIGMAPS, configMap('cfg'));
    const next = { ...created, data: { key: 'changed', more: 'yes' } } as KubeObject;
    const { object: updated, changed } = await store.update(CONFIGMAPS, next);
    assert.equal(changed, true);
    assert.deepEqual(updated.data, { key: 'changed', more: 'yes' });
    assert.equal(updated.metadata.uid, created.metadata.uid);
    assert.equal(updated.metadata.creationTimestamp, created.metadata.creationTimestamp);
    assert.equal(updated.metadata.resourceVersion, String(Number(created.metadata.resourceVersion) + 1));
    const read = await store.get({ resource: CONFIGMAPS, namespace: 'default', name: 'cfg' });
    assert.equal(JSON.stringify(read), JSON.stringify(updated));
    // uid and creationTimestamp come from the store even when the body omits them.
    const bare = configMap('cfg', 'default', { key: 'bare' });
    const { object: third } = await store.update(CONFIGMAPS, bare);
    assert.equal(third.metadata.uid, created.metadata.uid);
    assert.equal(third.metadata.creationTimestamp, created.metadata.creationTimestamp);
  });

  test('delete removes the object and returns its last state at the deletion revision', async ({ open }) => {
    const store = await open();
    const created = await store.create(CONFIGMAPS, configMap('gone'));
    const key = { resource: CONFIGMAPS, namespace: 'default', name: 'gone' };
    const deleted = await store.delete(key);
    const revision = await store.revision();
    assert.equal(revision, Number(created.metadata.resourceVersion) + 1);
    assert.equal(deleted.metadata.resourceVersion, String(revision));
    assert.equal(deleted.metadata.uid, created.metadata.uid);
    assert.deepEqual(deleted.data, created.data);
    assert.equal(await store.get(key), undefined);
    await rejectsWith(store.delete(key), 'EW_NOT_FOUND', /^configmaps "gone" not found$/);
    const again = await store.create(CONFIGMAPS, configMap('gone'));
    assert.notEqual(again.metadata.uid, created.metadata.uid, 'a recreated object is a new incarnation');
    assert.equal(again.metadata.generation, 1);
  });

  test('cluster-scoped objects use the empty namespace', async ({ open }) => {
    const store = await open();
    const created = await store.create(NODES, node('edge-1'));
    assert.equal(created.metadata.namespace, undefined);
    assert.ok(await store.get({ resource: NODES, namespace: '', name: 'edge-1' }));
    const { items } = await store.list(NODES);
    assert.deepEqual(
      items.map((o) => o.metadata.name),
      ['edge-1'],
    );
    await store.delete({ resource: NODES, namespace: '', name: 'edge-1' });
    assert.equal(await store.get({ resource: NODES, namespace: '', name: 'edge-1' }), undefined);
  });

  test('every write advances the global revision by exactly one', async ({ open }) => {
    const store = await open();
    assert.equal(await store.revision(), 0);
    const seen: number[] = [];
    const a = await store.create(CONFIGMAPS, configMap('a'));
    seen.push(Number(a.metadata.resourceVersion));
    const b = await store.create(PODS, pod('b'));
    seen.push(Number(b.metadata.resourceVersion));
    const a2 = await store.update(CONFIGMAPS, { ...a, data: { key: 'two' } });
    seen.push(Number(a2.object.metadata.resourceVersion));
    const n = await store.create(NODES, node('n'));
    seen.push(Number(n.metadata.resourceVersion));
    const bDeleted = await store.delete({ resource: PODS, namespace: 'default', name: 'b' });
    seen.push(Number(bDeleted.metadata.resourceVersion));
    assert.deepEqual(seen, [1, 2, 3, 4, 5]);
    assert.equal(await store.revision(), 5);
  });

  test('an update that changes nothing writes nothing and uses no revision', async ({ open }) => {
    const store = await open();
    const created = await store.create(CONFIGMAPS, configMap('same', 'default', { a: '1', b: '2' }));
    const watch = new Reader(store.watch({ fromRevision: await store.revision() }));
    const revision = await store.revision();
    const same = await store.update(CONFIGMAPS, structuredClone(created));
    assert.equal(same.changed, false);
    assert.equal(JSON.stringify(same.object), JSON.stringify(created));
    // Key order alone is no change either; nor are fields the store owns left out.
    const reordered = {
      data: { b: '2', a: '1' },
      metadata: { namespace: 'default', name: 'same' },
      kind: 'ConfigMap',
      apiVersion: 'v1',
    };
    const alsoSame = await store.update(CONFIGMAPS, reordered as KubeObject);
    assert.equal(alsoSame.changed, false);
    assert.equal(await store.revision(), revision);
    const marker = await store.create(CONFIGMAPS, configMap('marker'));
    assert.equal(marker.metadata.resourceVersion, String(revision + 1));
    assert.deepEqual(summary([await watch.next()]), [`ADDED ${CONFIGMAPS} default/marker @${revision + 1}`]);
  });

  test('generation moves only when something outside metadata and status changes', async ({ open }) => {
    const store = await open();
    let current = await store.create(PODS, pod('p', { labels: { app: 'web' } }));
    assert.equal(current.metadata.generation, 1);
    const step = async (change: (o: KubeObject) => void): Promise<number | undefined> => {
      const next = structuredClone(current);
      change(next);
      current = (await store.update(PODS, next)).object;
      return current.metadata.generation;
    };
    assert.equal(
      await step((o) => {
        o.metadata.labels = { app: 'db' };
      }),
      1,
      'labels are metadata',
    );
    assert.equal(
      await step((o) => {
        o.metadata.annotations = { a: 'b' };
      }),
      1,
      'annotations are metadata',
    );
    assert.equal(
      await step((o) => {
        o.status = { phase: 'Running' };
      }),
      1,
      'status is not spec',
    );
    assert.equal(
      await step((o) => {
        (o.spec as { nodeName?: string }).nodeName = 'edge-1';
      }),
      2,
      'spec changed',
    );
    assert.equal(
      await step((o) => {
        o.data = { extra: 'field' };
      }),
      3,
      'any other top-level field counts',
    );
    assert.equal(
      await step((o) => {
        o.metadata.generation = 99;
      }),
      3,
      'a generation in the body is ignored',
    );
  });

  test('a failed write leaves the store unchanged', async ({ open }) => {
    const store = await open();
    const created = await store.create(CONFIGMAPS, configMap('keep'));
    const revision = await store.revision();
    const watch = new Reader(store.watch({ fromRevision: revision }));
    const snapshot = await store.list(CONFIGMAPS);
    await rejectsWith(
      store.create(CONFIGMAPS, configMap('keep', 'default', { key: 'other' })),
      'EW_ALREADY_EXISTS',
      /^configmaps "keep" already exists$/,
    );
    await rejectsWith(
      store.update(CONFIGMAPS, configMap('missing')),
      'EW_NOT_FOUND',
      /^configmaps "missing" not found$/,
    );
    await rejectsWith(
      store.update(DEPLOYMENTS, configMap('keep')),
      'EW_NOT_FOUND',
      /^deployments\.apps "keep" not found$/,
    );
    await rejectsWith(
      store.delete({ resource: CONFIGMAPS, namespace: 'default', name: 'missing' }),
      'EW_NOT_FOUND',
    );
    await rejectsWith(
      store.update(CONFIGMAPS, { ...created, data: { key: 'x' } }, { resourceVersion: '0' }),
      'EW_CONFLICT',
    );
    await rejectsWith(
      store.update(CONFIGMAPS, { ...created, data: { key: 'x' } }, { resourceVersion: 'abc' }),
      'EW_BAD_REQUEST',
    );
    await rejectsWith(
      store.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }),
      'EW_INVALID',
      /metadata\.name/,
    );
    await rejectsWith(
      store.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap' } as unknown as KubeObject),
      'EW_INVALID',
    );
    await rejectsWith(store.create('', configMap('x')), 'EW_BAD_REQUEST');
    await rejectsWith(
      store.delete({ resource: CONFIGMAPS, namespace: 'default', name: '' }),
      'EW_BAD_REQUEST',
    );
    assert.equal(await store.revision(), revision);
    assert.deepEqual(await store.list(CONFIGMAPS), snapshot);
    const marker = await store.create(CONFIGMAPS, configMap('marker'));
    assert.deepEqual(summary([await watch.next()]), [
      `ADDED ${CONFIGMAPS} default/marker @${marker.metadata.resourceVersion}`,
    ]);
  });
}
