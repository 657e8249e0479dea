/** watch: history then live, filters and selector transitions, compaction, slow consumers, close. */
import assert from 'node:assert/strict';
import { EdgewiseError } from '../../../src/api/errors.js';
import { parseFieldSelector, parseLabelSelector } from '../../../src/api/selectors.js';
import type { StoreWatchEvent } from '../../../src/store/store.js';
import {
  bounded,
  CONFIGMAPS,
  configMap,
  type Define,
  NODES,
  node,
  PODS,
  pod,
  Reader,
  rejectsWith,
  summary,
} from './support.js';

export function watchTests(test: Define): void {
  test('watch delivers history after fromRevision, then live events, in revision order', async ({ open }) => {
    const store = await open();
    const a = await store.create(CONFIGMAPS, configMap('a'));
    await store.update(CONFIGMAPS, { ...a, data: { key: 'two' } });
    await store.create(CONFIGMAPS, configMap('b'));
    const watch = new Reader(store.watch({ resource: CONFIGMAPS, fromRevision: 1 }));
    const history = await watch.take(2);
    assert.deepEqual(summary(history), [
      `MODIFIED ${CONFIGMAPS} default/a @2`,
      `ADDED ${CONFIGMAPS} default/b @3`,
    ]);
    const [modified, added] = history as [StoreWatchEvent, StoreWatchEvent];
    assert.deepEqual(modified.object.data, { key: 'two' });
    assert.equal(modified.object.metadata.resourceVersion, '2');
    assert.equal(modified.previous?.metadata.resourceVersion, '1');
    assert.deepEqual(modified.previous?.data, { key: 'value' });
    assert.equal(added.previous, undefined);
    await store.delete({ resource: CONFIGMAPS, namespace: 'default', name: 'a' });
    const deleted = await watch.next();
    assert.deepEqual(summary([deleted]), [`DELETED ${CONFIGMAPS} default/a @4`]);
    assert.equal(
      deleted.object.metadata.resourceVersion,
      '4',
      'a deleted object carries the deletion revision',
    );
    assert.equal(deleted.previous?.metadata.resourceVersion, '2');
    // Watching from the current revision sees only what comes next.
    const fromNow = new Reader(store.watch({ resource: CONFIGMAPS, fromRevision: await store.revision() }));
    await store.create(CONFIGMAPS, configMap('c'));
    assert.deepEqual(summary([await fromNow.next()]), [`ADDED ${CONFIGMAPS} default/c @5`]);
    assert.deepEqual(summary([await watch.next()]), [`ADDED ${CONFIGMAPS} default/c @5`]);
    // From 0 replays everything.
    assert.deepEqual(
      summary(await new Reader(store.watch({ resource: CONFIGMAPS, fromRevision: 0 })).take(5)).map(
        (s) => s.split(' ')[0],
      ),
      ['ADDED', 'MODIFIED', 'ADDED', 'DELETED', 'ADDED'],
    );
  });

  test('watch filters by resource and namespace; without a resource it sees every resource', async ({
    open,
  }) => {
    const store = await open();
    const all = new Reader(store.watch({ fromRevision: 0 }));
    const pods = new Reader(store.watch({ resource: PODS, fromRevision: 0 }));
    const shopPods = new Reader(store.watch({ resource: PODS, namespace: 'shop', fromRevision: 0 }));
    await store.create(CONFIGMAPS, configMap('cfg'));
    await store.create(PODS, pod('p1'));
    await store.create(NODES, node('edge-1'));
    await store.create(PODS, pod('p2', { namespace: 'shop' }));
    await store.delete({ resource: PODS, namespace: 'default', name: 'p1' });
    assert.deepEqual(summary(await all.take(5)), [
      `ADDED ${CONFIGMAPS} default/cfg @1`,
      `ADDED ${PODS} default/p1 @2`,
      `ADDED ${NODES} edge-1 @3`,
      `ADDED ${PODS} shop/p2 @4`,
      `DELETED ${PODS} default/p1 @5`,
    ]);
    assert.deepEqual(summary(await pods.take(3)), [
      `ADDED ${PODS} default/p1 @2`,
      `ADDED ${PODS} shop/p2 @4`,
      `DELETED ${PODS} default/p1 @5`,
    ]);
    await store.create(PODS, pod('p3', { namespace: 'shop' }));
    assert.deepEqual(summary(await shopPods.take(2)), [
      `ADDED ${PODS} shop/p2 @4`,
      `ADDED ${PODS} shop/p3 @6`,
    ]);
  });

  test('with a selector, objects moving in and out of it arrive as ADDED and DELETED', async ({ open }) => {
    const store = await open();
    const from = await store.revision();
    const byLabel = new Reader(
      store.watch({ resource: PODS, labelSelector: parseLabelSelector('app=web'), fromRevision: from }),
    );
    const byPhase = new Reader(
      store.watch({
        resource: PODS,
        fieldSelector: parseFieldSelector('status.phase=Running'),
        fromRevision: from,
      }),
    );
    let p = await store.create(PODS, pod('p', { labels: { app: 'web' } })); // 1: matches app=web
    const change = async (edit: (o: typeof p) => void) => {
      const next = structuredClone(p);
      edit(next);
      p = (await store.update(PODS, next)).object;
    };
    await store.create(PODS, pod('other', { labels: { app: 'db' } })); // 2: matches neither
    await change((o) => {
      o.metadata.labels = { app: 'db' };
    }); // 3: leaves app=web
    await change((o) => {
      o.status = { phase: 'Running' };
    }); // 4: enters Running
    await change((o) => {
      o.metadata.labels = { app: 'web' };
    }); // 5: back in app=web
    await change((o) => {
      o.metadata.annotations = { touched: 'yes' };
    }); // 6: stays in both
    await change((o) => {
      o.status = { phase: 'Succeeded' };
    }); // 7: leaves Running
    await store.delete({ resource: PODS, namespace: 'default', name: 'p' }); // 8
    await store.delete({ resource: PODS, namespace: 'default', name: 'other' }); // 9: never matched
    const labelEvents = await byLabel.take(5);
    assert.deepEqual(summary(labelEvents), [
      `ADDED ${PODS} default/p @1`,
      `DELETED ${PODS} default/p @3`,
      `ADDED ${PODS} default/p @5`,
      `MODIFIED ${PODS} default/p @6`,
      `MODIFIED ${PODS} default/p @7`,
    ]);
    const phaseEvents = await byPhase.take(3);
    assert.deepEqual(summary(phaseEvents), [
      `ADDED ${PODS} default/p @4`,
      `MODIFIED ${PODS} default/p @5`,
      `MODIFIED ${PODS} default/p @6`,
    ]);
    const left = labelEvents[1] as StoreWatchEvent;
    // As in Kubernetes: the last state that matched, at the revision it stopped matching.
    assert.deepEqual(left.object.metadata.labels, { app: 'web' });
    assert.equal(left.object.metadata.resourceVersion, '3');
    const entered = labelEvents[2] as StoreWatchEvent;
    assert.deepEqual(entered.object.metadata.labels, { app: 'web' });
    assert.equal(entered.previous, undefined);
    assert.deepEqual(summary([await byLabel.next()]), [`DELETED ${PODS} default/p @8`]);
    assert.deepEqual(summary([await byPhase.next()]), [`DELETED ${PODS} default/p @7`]);
    // The same rule applies to history: a watch started afterwards sees the same sequence.
    const replay = new Reader(
      store.watch({ resource: PODS, labelSelector: parseLabelSelector('app=web'), fromRevision: from }),
    );
    assert.deepEqual(summary(await replay.take(6)), [
      ...summary(labelEvents),
      `DELETED ${PODS} default/p @8`,
    ]);
    await store.create(PODS, pod('late', { labels: { app: 'web' } }));
    assert.deepEqual(summary([await replay.next()]), [`ADDED ${PODS} default/late @10`]);
  });

  test('compaction: older watches get EW_GONE, later ones still work', async ({ open }) => {
    const store = await open();
    for (let i = 0; i < 6; i++) await store.create(CONFIGMAPS, configMap(`cm-${i}`));
    assert.equal(await store.compactedRevision(), 0);
    assert.deepEqual(await store.compact(4), { compactedRevision: 4, removedEvents: 4 });
    assert.equal(await store.compactedRevision(), 4);
    const tooOld = new Reader(store.watch({ fromRevision: 3 }));
    const error = await tooOld.failure();
    assert.ok(EdgewiseError.isCode(error, 'EW_GONE'), String(error));
    assert.equal((error as Error).message, 'too old resource version: 3 (4)');
    await tooOld.ended();
    const atCompacted = new Reader(store.watch({ fromRevision: 4 }));
    assert.deepEqual(summary(await atCompacted.take(2)), [
      `ADDED ${CONFIGMAPS} default/cm-4 @5`,
      `ADDED ${CONFIGMAPS} default/cm-5 @6`,
    ]);
    // Compacting backwards does nothing; past the head is clamped to it.
    assert.deepEqual(await store.compact(2), { compactedRevision: 4, removedEvents: 0 });
    assert.deepEqual(await store.compact(1000), { compactedRevision: 6, removedEvents: 2 });
    await rejectsWith(store.compact(-1), 'EW_BAD_REQUEST');
    assert.equal((await store.list(CONFIGMAPS)).items.length, 6, 'compaction drops history, not objects');
    await store.create(CONFIGMAPS, configMap('after'));
    assert.deepEqual(summary([await atCompacted.next()]), [`ADDED ${CONFIGMAPS} default/after @7`]);
  });

  test('the automatic compaction policy keeps the newest revisions', async ({ open }) => {
    const store = await open({ compaction: { retainRevisions: 3, intervalMs: 10 } });
    for (let i = 0; i < 10; i++) await store.create(CONFIGMAPS, configMap(`cm-${i}`));
    const deadline = Date.now() + 10_000;
    while ((await store.compactedRevision()) !== 7 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    assert.equal(await store.compactedRevision(), 7);
    const gone = new Reader(store.watch({ fromRevision: 6 }));
    assert.ok(EdgewiseError.isCode(await gone.failure(), 'EW_GONE'));
    assert.deepEqual(summary(await new Reader(store.watch({ fromRevision: 7 })).take(3)), [
      `ADDED ${CONFIGMAPS} default/cm-7 @8`,
      `ADDED ${CONFIGMAPS} default/cm-8 @9`,
      `ADDED ${CONFIGMAPS} default/cm-9 @10`,
    ]);
  });

  test('a consumer more than maxBuffered events behind is cut off with EW_TOO_MANY_REQUESTS', async ({
    open,
  }) => {
    const store = await open();
    const from = await store.revision();
    const slow = new Reader(store.watch({ fromRevision: from, maxBuffered: 5 }));
    const exact = new Reader(store.watch({ fromRevision: from, maxBuffered: 5 }));
    const fast = new Reader(store.watch({ fromRevision: from }));
    await store.create(CONFIGMAPS, configMap('first'));
    // Both bounded consumers read one event (so they are live), then stop reading.
    await slow.next();
    await exact.next();
    await fast.next();
    let last = 0;
    for (let i = 0; i < 5; i++)
      last = Number((await store.create(CONFIGMAPS, configMap(`cm-${i}`))).metadata.resourceVersion);
    // The fan-out is synchronous: once the fast watcher has an event, so have the others.
    await fast.until(last);
    assert.equal((await exact.take(5)).length, 5, 'exactly maxBuffered behind is still served');
    const overflow = await store.create(CONFIGMAPS, configMap('one-too-many'));
    await fast.until(Number(overflow.metadata.resourceVersion));
    const error = await slow.failure();
    assert.ok(EdgewiseError.isCode(error, 'EW_TOO_MANY_REQUESTS'), String(error));
    await slow.ended();
    assert.equal((await exact.next()).object.metadata.name, 'one-too-many');
    await store.create(CONFIGMAPS, configMap('still-serving'));
    assert.equal((await fast.next()).object.metadata.name, 'still-serving');
  });

  test('one write reaches 100 watchers, each exactly once and in order', async ({ open }) => {
    const store = await open();
    const from = await store.revision();
    const readers = Array.from(
      { length: 100 },
      (_, i) => new Reader(store.watch({ resource: i % 2 ? PODS : undefined, fromRevision: from })),
    );
    // Half are reading before the writes, half start afterwards and catch up from history.
    const early = readers.slice(0, 50).map((r) => r.take(5));
    for (let i = 0; i < 5; i++) await store.create(PODS, pod(`p-${i}`));
    const late = readers.slice(50).map((r) => r.take(5));
    const seen = await bounded(Promise.all([...early, ...late]), '100 watchers to see 5 events');
    const expected = Array.from({ length: 5 }, (_, i) => `ADDED ${PODS} default/p-${i} @${from + i + 1}`);
    for (const events of seen) assert.deepEqual(summary(events), expected);
    // Every watcher received the same, frozen event objects: read-only by contract.
    const [first] = seen[0] as StoreWatchEvent[];
    assert.ok(first && Object.isFrozen(first.object) && Object.isFrozen(first.object.metadata));
    assert.throws(() => {
      (first as { object: { metadata: { name: string } } }).object.metadata.name = 'changed';
    }, TypeError);
  });

  test('close() ends a watch cleanly; closing the store ends them all and rejects further calls', async ({
    open,
  }) => {
    const store = await open();
    const watch = store.watch({ fromRevision: 0 });
    await store.create(CONFIGMAPS, configMap('a'));
    const received: string[] = [];
    const consumer = (async () => {
      for await (const event of watch) {
        received.push(event.object.metadata.name ?? '');
        watch.close(); // ends the loop after this event, without an error
      }
    })();
    await bounded(consumer, 'the for-await loop to end');
    assert.deepEqual(received, ['a']);
    const pending = new Reader(store.watch({ fromRevision: await store.revision() }));
    const waiting = pending.ended();
    const reading = new Reader(store.watch({ fromRevision: 0 }));
    await reading.next();
    let loopEnded = false;
    const loop = (async () => {
      // Reads the history, then waits for live events until the store closes.
      for await (const event of store.watch({ fromRevision: 0 })) assert.ok(event);
      loopEnded = true;
    })();
    await store.close();
    await waiting;
    await reading.ended();
    await bounded(loop, 'a for-await loop to end at close');
    assert.equal(loopEnded, true);
    await rejectsWith(
      store.get({ resource: CONFIGMAPS, namespace: 'default', name: 'a' }),
      'EW_UNAVAILABLE',
      /closed/,
    );
    await rejectsWith(store.create(CONFIGMAPS, configMap('b')), 'EW_UNAVAILABLE');
    const late = new Reader(store.watch({ fromRevision: 0 }));
    assert.ok(EdgewiseError.isCode(await late.failure(), 'EW_UNAVAILABLE'));
    await store.close(); // closing twice is harmless
  });

  test('watch rejects invalid options', async ({ open }) => {
    const store = await open();
    assert.throws(
      () => store.watch({ fromRevision: -1 }),
      (e: unknown) => EdgewiseError.isCode(e, 'EW_BAD_REQUEST'),
    );
    assert.throws(
      () => store.watch({ fromRevision: 1.5 }),
      (e: unknown) => EdgewiseError.isCode(e, 'EW_BAD_REQUEST'),
    );
    assert.throws(
      () => store.watch({ fromRevision: 0, maxBuffered: 0 }),
      (e: unknown) => EdgewiseError.isCode(e, 'EW_BAD_REQUEST'),
    );
    assert.throws(
      () => store.watch({ fromRevision: 0, resource: '' }),
      (e: unknown) => EdgewiseError.isCode(e, 'EW_BAD_REQUEST'),
    );
  });
}
