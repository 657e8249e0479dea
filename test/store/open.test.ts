import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { openStore } from '../../src/store/open.js';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { openSqliteStore, type SqliteStoreOptions } from '../../src/store/sqlite/index.js';
import { CONFIGMAPS, configMap, rejectsWith } from './suite/support.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgewise-open-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('openStore and store options', () => {
  it('opens SQLite from a sqlite:// URL, a bare path or sqlite::memory:', async () => {
    const file = path.join(dir, 'url.db');
    const byUrl = await openStore(`sqlite://${file}`, { compaction: false });
    await byUrl.create(CONFIGMAPS, configMap('a'));
    await byUrl.close();
    const byPath = await openStore(file, { compaction: false });
    assert.ok(
      await byPath.get({ resource: CONFIGMAPS, namespace: 'default', name: 'a' }),
      'same file either way',
    );
    await byPath.close();
    const memory = await openStore('sqlite::memory:');
    assert.equal(await memory.revision(), 0);
    await memory.close();
  });

  it('rejects unknown schemes, unknown options and options of the other backend', async () => {
    await rejectsWith(openStore('mysql://db/edgewise'), 'EW_BAD_REQUEST', /unsupported store URL/);
    await rejectsWith(openStore(''), 'EW_BAD_REQUEST');
    await rejectsWith(openStore('sqlite://'), 'EW_BAD_REQUEST', /names no file/);
    await rejectsWith(
      openStore(path.join(dir, 'x.db'), { poolSize: 3 }),
      'EW_BAD_REQUEST',
      /"poolSize" applies only to postgres/,
    );
    await rejectsWith(
      openStore(path.join(dir, 'x.db'), { compation: false } as never),
      'EW_BAD_REQUEST',
      /unknown store option "compation"; known options: compaction, logger/,
    );
    await rejectsWith(
      openStore('postgres://u@127.0.0.1/db?schema=a', { schema: 'b' }),
      'EW_BAD_REQUEST',
      /schema "a" but the schema option says "b"/,
    );
  });

  it('validates each factory’s options', async () => {
    await rejectsWith(openSqliteStore({} as SqliteStoreOptions), 'EW_BAD_REQUEST', /"path" is required/);
    await rejectsWith(
      openSqliteStore({ path: ':memory:', extra: 1 } as SqliteStoreOptions),
      'EW_BAD_REQUEST',
      /unknown SQLite store option "extra"/,
    );
    await rejectsWith(
      openSqliteStore({ path: ':memory:', compaction: { retainRevisions: 0 } }),
      'EW_BAD_REQUEST',
      /"compaction".*retainRevisions.*positive integer/,
    );
    await rejectsWith(
      openSqliteStore({ path: ':memory:', compaction: { keep: 5 } as never }),
      'EW_BAD_REQUEST',
      /unknown compaction option "keep"/,
    );
    await rejectsWith(
      openSqliteStore({ path: ':memory:', logger: {} as never }),
      'EW_BAD_REQUEST',
      /"logger"/,
    );
    await rejectsWith(
      openPostgresStore({ connectionString: 'mysql://x' }),
      'EW_BAD_REQUEST',
      /postgres:\/\//,
    );
    await rejectsWith(
      openPostgresStore({ connectionString: 'postgres://x/db', schema: 'Bad-Name' }),
      'EW_BAD_REQUEST',
      /"schema" must be a lowercase SQL identifier/,
    );
    await rejectsWith(
      openPostgresStore({ connectionString: 'postgres://x/db', poolSize: 0 }),
      'EW_BAD_REQUEST',
      /"poolSize"/,
    );
  });

  it('a store that cannot be opened reports EW_UNAVAILABLE', async () => {
    await rejectsWith(openSqliteStore({ path: path.join(dir, 'missing-dir', 'x.db') }), 'EW_UNAVAILABLE');
    // Nothing listens on port 1: the connection is refused.
    await rejectsWith(
      openPostgresStore({ connectionString: 'postgres://postgres@127.0.0.1:1/test' }),
      'EW_UNAVAILABLE',
    );
  });
});
