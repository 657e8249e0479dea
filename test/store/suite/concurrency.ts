/** Optimistic concurrency: resourceVersion and uid preconditions, and racing writers. */
import assert from 'node:assert/strict';
import { EdgewiseError } from '../../../src/api/errors.js';
import type { KubeObject } from '../../../src/api/object.js';
import { CONFIGMAPS, configMap, type Define, rejectsWith } from './support.js';

const KEY = { resource: CONFIGMAPS, namespace: 'default', name: 'cfg' };

export function concurrencyTests(test: Define): void {
  test('an update with a stale resourceVersion is a conflict and changes nothing', async ({ open }) => {
    const store = await open();
    const v1 = await store.create(CONFIGMAPS, configMap('cfg'));
    const v2 = (await store.update(CONFIGMAPS, { ...v1, data: { key: 'v2' } })).object;
    // The body's own resourceVersion is the precondition...
    await rejectsWith(
      store.update(CONFIGMAPS, { ...v1, data: { key: 'lost update' } }),
      'EW_CONFLICT',
      /^Operation cannot be fulfilled on configmaps "cfg": the object has been modified; please apply your changes to the latest version and try again$/,
    );
    // ...and an explicit option overrides it, either way.
    await rejectsWith(
      store.update(
        CONFIGMAPS,
        { ...v2, data: { key: 'x' } },
        { resourceVersion: v1.metadata.resourceVersion ?? '' },
      ),
      'EW_CONFLICT',
    );
    const v3 = await store.update(
      CONFIGMAPS,
      { ...v1, data: { key: 'v3' } },
      { resourceVersion: v2.metadata.resourceVersion ?? '' },
    );
    assert.equal(v3.changed, true);
    assert.deepEqual((await store.get(KEY))?.data, { key: 'v3' });
    // Without any resourceVersion the update is unconditional.
    const { metadata, ...rest } = v1;
    const { resourceVersion: _rv, ...metaWithoutRv } = metadata;
    const v4 = await store.update(CONFIGMAPS, {
      ...rest,
      metadata: metaWithoutRv,
      data: { key: 'v4' },
    } as KubeObject);
    assert.equal(v4.changed, true);
  });

  test('uid and resourceVersion preconditions on delete; a recreated object has a new uid', async ({
    open,
  }) => {
    const store = await open();
    const first = await store.create(CONFIGMAPS, configMap('cfg'));
    await rejectsWith(
      store.delete(KEY, { uid: 'not-the-uid' }),
      'EW_CONFLICT',
      /Precondition failed: UID in precondition: not-the-uid, UID in object meta: /,
    );
    await rejectsWith(
      store.delete(KEY, { resourceVersion: '999' }),
      'EW_CONFLICT',
      /Precondition failed: ResourceVersion in precondition: 999, ResourceVersion in object meta: /,
    );
    assert.ok(await store.get(KEY), 'failed deletes removed nothing');
    await store.delete(KEY, {
      uid: first.metadata.uid ?? '',
      resourceVersion: first.metadata.resourceVersion ?? '',
    });
    const second = await store.create(CONFIGMAPS, configMap('cfg'));
    // A client still holding the first incarnation must not delete or update the second.
    await rejectsWith(store.delete(KEY, { uid: first.metadata.uid ?? '' }), 'EW_CONFLICT');
    const { resourceVersion: _rv, ...staleMeta } = first.metadata;
    await rejectsWith(
      store.update(CONFIGMAPS, { ...first, metadata: staleMeta, data: { key: 'x' } }),
      'EW_CONFLICT',
      /UID/,
    );
    await rejectsWith(
      store.update(CONFIGMAPS, { ...second, data: { key: 'x' } }, { uid: first.metadata.uid ?? '' }),
      'EW_CONFLICT',
    );
    assert.equal((await store.get(KEY))?.metadata.uid, second.metadata.uid);
    await store.delete(KEY, { uid: second.metadata.uid ?? '' });
  });

  test('concurrent creates of one name: exactly one wins, the rest get EW_ALREADY_EXISTS', async ({
    open,
  }) => {
    const store = await open();
    const before = await store.revision();
    const attempts = Array.from({ length: 25 }, (_, i) =>
      store.create(CONFIGMAPS, configMap('race', 'default', { writer: String(i) })),
    );
    const results = await Promise.allSettled(attempts);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(won.length, 1);
    assert.equal(lost.length, 24);
    for (const r of lost) assert.ok(EdgewiseError.isCode(r.reason, 'EW_ALREADY_EXISTS'), String(r.reason));
    assert.equal(await store.revision(), before + 1);
    const stored = await store.get({ resource: CONFIGMAPS, namespace: 'default', name: 'race' });
    assert.deepEqual(stored, (won[0] as PromiseFulfilledResult<KubeObject>).value);
  });

  test('concurrent updates from one resourceVersion: exactly one wins, the rest conflict', async ({
    open,
  }) => {
    const store = await open();
    const base = await store.create(CONFIGMAPS, configMap('cfg'));
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        store.update(CONFIGMAPS, { ...base, data: { writer: String(i) } }),
      ),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    assert.equal(won.length, 1);
    for (const r of results) {
      if (r.status === 'rejected') assert.ok(EdgewiseError.isCode(r.reason, 'EW_CONFLICT'), String(r.reason));
    }
    assert.equal(await store.revision(), Number(base.metadata.resourceVersion) + 1);
  });

  test('concurrent creates of different names all succeed with distinct consecutive revisions', async ({
    open,
  }) => {
    const store = await open();
    const created = await Promise.all(
      Array.from({ length: 30 }, (_, i) => store.create(CONFIGMAPS, configMap(`cm-${i}`))),
    );
    const revisions = created.map((o) => Number(o.metadata.resourceVersion)).sort((a, b) => a - b);
    assert.deepEqual(
      revisions,
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
    assert.equal((await store.list(CONFIGMAPS)).items.length, 30);
  });
}
