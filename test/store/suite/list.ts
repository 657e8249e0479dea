/** list: selectors, namespaces, ordering and pagination consistent at one revision. */
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { parseFieldSelector, parseLabelSelector } from '../../../src/api/selectors.js';
import type { ListOptions, Store } from '../../../src/store/store.js';
import { CONFIGMAPS, configMap, type Define, names, PODS, pod, rejectsWith } from './support.js';

async function seedPods(store: Store): Promise<void> {
  await store.create(
    PODS,
    pod('web-1', { labels: { app: 'web', tier: 'front', rank: '1' }, nodeName: 'edge-a', phase: 'Running' }),
  );
  await store.create(
    PODS,
    pod('web-2', { labels: { app: 'web', tier: 'front', rank: '3' }, nodeName: 'edge-b', phase: 'Pending' }),
  );
  await store.create(
    PODS,
    pod('db-1', { labels: { app: 'db', rank: '2' }, nodeName: 'edge-a', phase: 'Running' }),
  );
  await store.create(PODS, pod('cache-1', { labels: { app: 'cache', rank: 'high' } }));
  await store.create(PODS, pod('bare', {}));
  await store.create(
    PODS,
    pod('web-3', { namespace: 'shop', labels: { app: 'web' }, nodeName: 'edge-c', phase: 'Failed' }),
  );
  await store.create(CONFIGMAPS, configMap('web-1'));
}

export function listTests(test: Define): void {
  test('list returns one resource in namespace then name order, at the current revision', async ({
    open,
  }) => {
    const store = await open();
    for (const [ns, name] of [
      ['b', 'x'],
      ['a', 'z'],
      ['b', 'a'],
      ['a', 'a-b'],
      ['a', 'ab'],
      ['', 'c'],
    ] as const) {
      await store.create(CONFIGMAPS, configMap(name, ns));
    }
    await store.create(PODS, pod('not-a-configmap'));
    const all = await store.list(CONFIGMAPS);
    assert.deepEqual(names(all.items), ['c', 'a/a-b', 'a/ab', 'a/z', 'b/a', 'b/x']);
    assert.equal(all.revision, await store.revision());
    assert.equal(all.continue, undefined);
    assert.deepEqual(names((await store.list(CONFIGMAPS, { namespace: 'a' })).items), [
      'a/a-b',
      'a/ab',
      'a/z',
    ]);
    assert.deepEqual(names((await store.list(CONFIGMAPS, { namespace: '' })).items), names(all.items));
    assert.deepEqual((await store.list('core/secrets')).items, []);
    // Objects from list are the caller's: changing one changes nothing stored.
    const first = all.items[1] as KubeObject;
    first.data = { mutated: 'yes' };
    assert.deepEqual((await store.get({ resource: CONFIGMAPS, namespace: 'a', name: 'a-b' }))?.data, {
      key: 'value',
    });
  });

  test('label selectors: =, ==, !=, in, notin, exists, !, >, < and combinations', async ({ open }) => {
    const store = await open();
    await seedPods(store);
    const select = async (selector: string, options: ListOptions = {}) =>
      names((await store.list(PODS, { ...options, labelSelector: parseLabelSelector(selector) })).items);
    assert.deepEqual(await select('app=web'), ['default/web-1', 'default/web-2', 'shop/web-3']);
    assert.deepEqual(await select('app==web', { namespace: 'default' }), ['default/web-1', 'default/web-2']);
    assert.deepEqual(
      await select('app!=web'),
      ['default/bare', 'default/cache-1', 'default/db-1'],
      '!= matches objects without the label',
    );
    assert.deepEqual(await select('app in (db, cache)'), ['default/cache-1', 'default/db-1']);
    assert.deepEqual(await select('app notin (web,db)'), ['default/bare', 'default/cache-1']);
    assert.deepEqual(await select('tier'), ['default/web-1', 'default/web-2']);
    assert.deepEqual(await select('!tier'), [
      'default/bare',
      'default/cache-1',
      'default/db-1',
      'shop/web-3',
    ]);
    assert.deepEqual(
      await select('rank>1'),
      ['default/db-1', 'default/web-2'],
      'non-integer values never match',
    );
    assert.deepEqual(await select('rank<3'), ['default/db-1', 'default/web-1']);
    assert.deepEqual(await select('app=web,tier=front,rank!=3'), ['default/web-1']);
    assert.deepEqual(await select('app=web,!tier'), ['shop/web-3']);
    assert.deepEqual(await select(''), [
      'default/bare',
      'default/cache-1',
      'default/db-1',
      'default/web-1',
      'default/web-2',
      'shop/web-3',
    ]);
    assert.deepEqual(
      (await store.list(PODS, { labelSelector: { requirements: [], matchNothing: true } })).items,
      [],
    );
  });

  test('field selectors: metadata.name, metadata.namespace, spec.nodeName, status.phase', async ({
    open,
  }) => {
    const store = await open();
    await seedPods(store);
    const select = async (selector: string, options: ListOptions = {}) =>
      names((await store.list(PODS, { ...options, fieldSelector: parseFieldSelector(selector) })).items);
    assert.deepEqual(await select('metadata.name=web-1'), ['default/web-1']);
    assert.deepEqual(await select('metadata.name!=web-1', { namespace: 'default' }), [
      'default/bare',
      'default/cache-1',
      'default/db-1',
      'default/web-2',
    ]);
    assert.deepEqual(await select('metadata.namespace=shop'), ['shop/web-3']);
    assert.deepEqual(
      await select('metadata.namespace==shop', { namespace: 'default' }),
      [],
      'disagrees with the namespace option',
    );
    assert.deepEqual(await select('metadata.namespace!=default'), ['shop/web-3']);
    assert.deepEqual(await select('spec.nodeName=edge-a'), ['default/db-1', 'default/web-1']);
    assert.deepEqual(
      await select('spec.nodeName='),
      ['default/bare', 'default/cache-1'],
      'an unset field reads as ""',
    );
    assert.deepEqual(await select('spec.nodeName!='), [
      'default/db-1',
      'default/web-1',
      'default/web-2',
      'shop/web-3',
    ]);
    assert.deepEqual(await select('status.phase=Running'), ['default/db-1', 'default/web-1']);
    assert.deepEqual(await select('status.phase!=Running,metadata.namespace=default'), [
      'default/bare',
      'default/cache-1',
      'default/web-2',
    ]);
    assert.deepEqual(await select('spec.nodeName=edge-a,status.phase=Running,metadata.name=db-1'), [
      'default/db-1',
    ]);
    assert.deepEqual(
      await select('spec.nodeName=edge-a,spec.nodeName=edge-b'),
      [],
      'two different values for one field',
    );
    const both = await store.list(PODS, {
      labelSelector: parseLabelSelector('app=web'),
      fieldSelector: parseFieldSelector('status.phase!=Pending'),
    });
    assert.deepEqual(names(both.items), ['default/web-1', 'shop/web-3']);
  });

  test('pagination returns every object once, in order, with continue only while more remain', async ({
    open,
  }) => {
    const store = await open();
    for (let i = 0; i < 23; i++) {
      await store.create(
        PODS,
        pod(`p-${String(i).padStart(2, '0')}`, {
          namespace: `ns-${i % 3}`,
          labels: { even: String(i % 2 === 0) },
        }),
      );
    }
    const everything = await store.list(PODS);
    const pages = async (
      options: ListOptions,
    ): Promise<{ items: KubeObject[]; sizes: number[]; revisions: number[] }> => {
      const items: KubeObject[] = [];
      const sizes: number[] = [];
      const revisions: number[] = [];
      let token: string | undefined;
      for (let guard = 0; guard < 50; guard++) {
        const page = await store.list(PODS, { ...options, ...(token && { continue: token }) });
        items.push(...page.items);
        sizes.push(page.items.length);
        revisions.push(page.revision);
        token = page.continue;
        if (!token) return { items, sizes, revisions };
      }
      throw new Error('pagination did not end');
    };
    const byFive = await pages({ limit: 5 });
    assert.deepEqual(byFive.sizes, [5, 5, 5, 5, 3]);
    assert.deepEqual(names(byFive.items), names(everything.items));
    assert.ok(byFive.revisions.every((r) => r === everything.revision));
    assert.deepEqual((await pages({ limit: 23 })).sizes, [23], 'no continue when exactly the rest fits');
    assert.deepEqual((await pages({ limit: 100 })).sizes, [23]);
    assert.deepEqual((await pages({ limit: 0 })).sizes, [23], 'limit 0 means no limit');
    // Selectors filter before the page is cut: full pages of matches only.
    const even = await pages({ limit: 4, labelSelector: parseLabelSelector('even=true') });
    assert.deepEqual(even.sizes, [4, 4, 4]);
    assert.deepEqual(
      names(even.items),
      names((await store.list(PODS, { labelSelector: parseLabelSelector('even=true') })).items),
    );
    const inNamespace = await pages({ limit: 3, namespace: 'ns-1' });
    assert.deepEqual(inNamespace.sizes, [3, 3, 2]);
    assert.deepEqual(names(inNamespace.items), names((await store.list(PODS, { namespace: 'ns-1' })).items));
    await rejectsWith(store.list(PODS, { limit: -1 }), 'EW_BAD_REQUEST');
    await rejectsWith(store.list(PODS, { limit: 2.5 }), 'EW_BAD_REQUEST');
  });

  test('every page of a continued list reflects the first page’s revision', async ({ open }) => {
    const store = await open();
    for (const name of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'])
      await store.create(CONFIGMAPS, configMap(name, 'default', { v: '1' }));
    const atFirstPage = await store.list(CONFIGMAPS);
    const first = await store.list(CONFIGMAPS, { limit: 3 });
    assert.deepEqual(names(first.items), ['default/a', 'default/b', 'default/c']);
    // Writes after the first page: none of them may show in the later pages.
    const d = await store.get({ resource: CONFIGMAPS, namespace: 'default', name: 'd' });
    assert.ok(d);
    await store.update(CONFIGMAPS, { ...d, data: { v: '2' } });
    await store.delete({ resource: CONFIGMAPS, namespace: 'default', name: 'e' });
    await store.create(CONFIGMAPS, configMap('ee', 'default', { v: 'new' }));
    await store.delete({ resource: CONFIGMAPS, namespace: 'default', name: 'g' });
    await store.create(CONFIGMAPS, configMap('g', 'default', { v: 'recreated' }));
    await store.delete({ resource: CONFIGMAPS, namespace: 'default', name: 'a' });
    const rest: KubeObject[] = [];
    let token = first.continue;
    for (let guard = 0; token && guard < 10; guard++) {
      const page = await store.list(CONFIGMAPS, { limit: 3, continue: token });
      assert.equal(page.revision, first.revision);
      rest.push(...page.items);
      token = page.continue;
    }
    assert.equal(token, undefined);
    assert.deepEqual(
      [...first.items, ...rest],
      atFirstPage.items,
      'the list as it was at its first revision',
    );
    // A fresh list sees the present.
    assert.deepEqual(names((await store.list(CONFIGMAPS)).items), [
      'default/b',
      'default/c',
      'default/d',
      'default/ee',
      'default/f',
      'default/g',
      'default/h',
    ]);
  });

  test('a continue token is checked: malformed is EW_BAD_REQUEST, compacted away is EW_GONE', async ({
    open,
  }) => {
    const store = await open();
    for (const name of ['a', 'b', 'c']) await store.create(CONFIGMAPS, configMap(name));
    const first = await store.list(CONFIGMAPS, { limit: 1 });
    assert.ok(first.continue);
    await rejectsWith(store.list(CONFIGMAPS, { continue: 'not-a-token' }), 'EW_BAD_REQUEST', /continue/);
    await rejectsWith(
      store.list(CONFIGMAPS, { continue: Buffer.from('{"v":1}').toString('base64url') }),
      'EW_BAD_REQUEST',
    );
    // Still valid while its revision is the compacted one...
    await store.compact(first.revision);
    assert.equal((await store.list(CONFIGMAPS, { limit: 1, continue: first.continue })).items.length, 1);
    // ...and gone once history after it is dropped.
    await store.create(CONFIGMAPS, configMap('d'));
    await store.compact(await store.revision());
    await rejectsWith(store.list(CONFIGMAPS, { limit: 1, continue: first.continue }), 'EW_GONE', /too old/);
  });
}
