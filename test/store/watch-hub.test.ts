/**
 * The watch fan-out on its own, fed by an in-memory history, to pin down the
 * interleavings a database makes hard to produce on demand: events committed while a
 * watcher reads history, and history compacted before the hub dispatched it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EdgewiseError } from '../../src/api/errors.js';
import type { KubeObject } from '../../src/api/object.js';
import { WatchHub } from '../../src/store/common/watch/hub.js';
import type { HistoryPage, HistorySource } from '../../src/store/common/watch/watcher.js';
import type { StoreWatchEvent } from '../../src/store/store.js';
import { Reader } from './suite/support.js';

function event(revision: number): StoreWatchEvent {
  const object: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `cm-${revision}`, namespace: 'default', resourceVersion: String(revision) },
  };
  return { type: 'ADDED', revision, resource: 'core/configmaps', object };
}

/** A history whose reads can be held open while the test commits and publishes more. */
class History implements HistorySource {
  events: StoreWatchEvent[] = [];
  compacted = 0;
  reads = 0;
  private gate: Promise<void> | undefined;
  private release: (() => void) | undefined;

  commit(hub: WatchHub, revision: number): void {
    const e = event(revision);
    this.events.push(e);
    hub.publish(e);
  }

  hold(): void {
    this.gate = new Promise((resolve) => {
      this.release = resolve;
    });
  }

  open(): void {
    this.release?.();
    this.gate = undefined;
  }

  async readHistory(after: number, _scope: unknown, max: number): Promise<HistoryPage> {
    this.reads++;
    // The snapshot is taken when the read starts, as a database's would be.
    const head = this.events.at(-1)?.revision ?? 0;
    const events = this.events.filter((e) => e.revision > after && e.revision > this.compacted).slice(0, max);
    const compacted = this.compacted;
    await this.gate;
    return { events, head, compacted };
  }
}

describe('watch hub', () => {
  it('events committed while a watcher reads history arrive once each, in order', async () => {
    const history = new History();
    const hub = new WatchHub(history, 0);
    history.commit(hub, 1);
    history.commit(hub, 2);
    const reader = new Reader(hub.watch({ fromRevision: 0 }));
    history.hold();
    const first = reader.next();
    // Committed after the read's snapshot, before it returns: not in the page, and the
    // watcher is not live yet when they are published.
    history.commit(hub, 3);
    history.commit(hub, 4);
    history.open();
    assert.equal((await first).revision, 1);
    history.commit(hub, 5);
    const rest = await reader.take(4);
    assert.deepEqual(
      rest.map((e) => e.revision),
      [2, 3, 4, 5],
    );
    assert.ok(history.reads >= 2, 'the watcher read history again to cover 3 and 4');
  });

  it('a watcher whose snapshot is ahead of the hub skips what it already has', async () => {
    const history = new History();
    const hub = new WatchHub(history, 0);
    // Committed but not yet dispatched (a PostgreSQL reader that has not caught up).
    history.events.push(event(1), event(2));
    const reader = new Reader(hub.watch({ fromRevision: 0 }));
    assert.deepEqual(
      (await reader.take(2)).map((e) => e.revision),
      [1, 2],
    );
    hub.publish(event(1));
    hub.publish(event(2));
    history.commit(hub, 3);
    assert.equal((await reader.next()).revision, 3);
  });

  it('expire ends only the live watchers that had not seen the compacted history', async () => {
    const history = new History();
    const hub = new WatchHub(history, 0);
    const behind = new Reader(hub.watch({ fromRevision: 0 }));
    history.commit(hub, 1);
    assert.equal((await behind.next()).revision, 1);
    // A second watcher caught up further through its own history read.
    history.events.push(event(2), event(3));
    const ahead = new Reader(hub.watch({ fromRevision: 0 }));
    assert.deepEqual(
      (await ahead.take(3)).map((e) => e.revision),
      [1, 2, 3],
    );
    // History up to 3 is compacted before the hub dispatched 2 and 3.
    history.compacted = 3;
    hub.expire(3);
    const error = await behind.failure();
    assert.ok(EdgewiseError.isCode(error, 'EW_GONE'), String(error));
    assert.equal((error as Error).message, 'too old resource version: 1 (3)');
    history.commit(hub, 4);
    assert.equal((await ahead.next()).revision, 4);
  });

  it('close ends every watcher, live or catching up, without an error', async () => {
    const history = new History();
    const hub = new WatchHub(history, 0);
    history.commit(hub, 1);
    const live = new Reader(hub.watch({ fromRevision: 0 }));
    await live.next();
    const waiting = live.ended();
    history.hold();
    const catchingUp = new Reader(hub.watch({ fromRevision: 0 }));
    const pending = catchingUp.ended();
    hub.close();
    history.open();
    await waiting;
    await pending;
    assert.ok(
      EdgewiseError.isCode(await new Reader(hub.watch({ fromRevision: 0 })).failure(), 'EW_UNAVAILABLE'),
    );
  });
});
