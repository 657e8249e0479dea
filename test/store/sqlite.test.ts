import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { storeSuite } from './suite.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgewise-sqlite-suite-'));
let files = 0;

storeSuite('SQLite store on a file', {
  open: (options) =>
    openSqliteStore({
      path: path.join(dir, `store-${++files}.db`),
      compaction: options?.compaction ?? false,
    }),
  teardown: async () => rmSync(dir, { recursive: true, force: true }),
});

storeSuite('SQLite store in memory', {
  open: (options) => openSqliteStore({ path: ':memory:', compaction: options?.compaction ?? false }),
});
