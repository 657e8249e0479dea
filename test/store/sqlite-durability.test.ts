import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { bounded, CONFIGMAPS, configMap, Reader, rejectsWith, summary } from './suite/support.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgewise-sqlite-durability-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite durability', () => {
  it('everything written is there after close and reopen, history included', async () => {
    const file = path.join(dir, 'reopen.db');
    const store = await openSqliteStore({ path: file, compaction: false });
    const a = await store.create(CONFIGMAPS, configMap('a'));
    const b = await store.create(CONFIGMAPS, configMap('b'));
    const a2 = (await store.update(CONFIGMAPS, { ...a, data: { key: 'a2' } })).object;
    await store.delete({ resource: CONFIGMAPS, namespace: 'default', name: 'b' });
    await store.compact(1);
    await store.close();

    const raw = new Database(file, { readonly: true });
    assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal', 'the file is in WAL mode');
    raw.close();

    const reopened = await openSqliteStore({ path: file, compaction: false });
    try {
      assert.equal(await reopened.revision(), 4);
      assert.equal(await reopened.compactedRevision(), 1);
      const readA = await reopened.get({ resource: CONFIGMAPS, namespace: 'default', name: 'a' });
      assert.equal(JSON.stringify(readA), JSON.stringify(a2));
      assert.equal(await reopened.get({ resource: CONFIGMAPS, namespace: 'default', name: 'b' }), undefined);
      const history = new Reader(reopened.watch({ fromRevision: 1 }));
      assert.deepEqual(summary(await history.take(3)), [
        `ADDED ${CONFIGMAPS} default/b @2`,
        `MODIFIED ${CONFIGMAPS} default/a @3`,
        `DELETED ${CONFIGMAPS} default/b @4`,
      ]);
      const c = await reopened.create(CONFIGMAPS, configMap('c'));
      assert.equal(c.metadata.resourceVersion, '5', 'the revision continues where it was');
      assert.notEqual(c.metadata.uid, b.metadata.uid);
    } finally {
      await reopened.close();
    }
  });

  it('a store file open in one store cannot be opened by another until closed', async () => {
    const file = path.join(dir, 'exclusive.db');
    const first = await openSqliteStore({ path: file, compaction: false });
    await first.create(CONFIGMAPS, configMap('a'));
    await rejectsWith(
      openSqliteStore({ path: file, compaction: false }),
      'EW_UNAVAILABLE',
      /another process/,
    );
    await first.close();
    const second = await openSqliteStore({ path: file, compaction: false });
    assert.ok(await second.get({ resource: CONFIGMAPS, namespace: 'default', name: 'a' }));
    await second.close();
  });

  it('every write acknowledged before SIGKILL is present after reopening', { timeout: 60_000 }, async () => {
    const file = path.join(dir, 'crash.db');
    const writer = fileURLToPath(new URL('./fixtures/sqlite-writer.js', import.meta.url));
    const child = spawn(process.execPath, [writer, file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    const created = new Map<string, string>();
    let counter = { value: 0, rv: 0 };
    const acknowledged = (async () => {
      for await (const line of createInterface({ input: child.stdout })) {
        const [what, name, rv] = line.split(' ') as [string, string, string];
        if (what === 'created') created.set(name, rv);
        else counter = { value: Number(name), rv: Number(rv) };
        // Kill it mid-stream, right after an acknowledgement, with writes still coming.
        if (created.size === 150) {
          child.kill('SIGKILL');
          return;
        }
      }
      throw new Error(`the writer stopped before 150 writes: ${stderr}`);
    })();
    await bounded(acknowledged, '150 acknowledged writes', 45_000);
    assert.equal(await bounded(exited, 'the writer to die'), 'SIGKILL');

    const store = await openSqliteStore({ path: file, compaction: false });
    try {
      for (const [name, rv] of created) {
        const object = await store.get({ resource: CONFIGMAPS, namespace: 'default', name });
        assert.ok(object, `${name} was acknowledged but is missing`);
        assert.equal(object.metadata.resourceVersion, rv);
      }
      const stored = await store.get({ resource: CONFIGMAPS, namespace: 'default', name: 'counter' });
      assert.ok(stored, 'the counter exists');
      const value = Number((stored.data as { value: string }).value);
      assert.ok(
        value >= counter.value,
        `the acknowledged counter value ${counter.value} survived (found ${value})`,
      );
      assert.ok(Number(stored.metadata.resourceVersion) >= counter.rv);
      const { items } = await store.list(CONFIGMAPS);
      // Objects and history agree: one event per revision, nothing half-written.
      const events = await new Reader(store.watch({ fromRevision: 0 })).take(await store.revision());
      assert.deepEqual(
        events.map((e) => e.revision),
        Array.from({ length: events.length }, (_, i) => i + 1),
      );
      assert.equal(items.length, events.filter((e) => e.type === 'ADDED').length);
    } finally {
      await store.close();
    }
  });
});
