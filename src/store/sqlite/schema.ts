/** The SQLite file's settings and tables. */
import type Database from 'better-sqlite3';
import { EdgewiseError } from '../../api/errors.js';

const SCHEMA_VERSION = 1;

const TABLES = `
CREATE TABLE meta (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  revision INTEGER NOT NULL,
  compacted_revision INTEGER NOT NULL
);
INSERT INTO meta (id, revision, compacted_revision) VALUES (1, 0, 0);
CREATE TABLE objects (
  resource TEXT NOT NULL,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  uid TEXT NOT NULL,
  revision INTEGER NOT NULL,
  node_name TEXT NOT NULL,
  phase TEXT NOT NULL,
  object TEXT NOT NULL,
  PRIMARY KEY (resource, namespace, name)
) WITHOUT ROWID;
CREATE INDEX objects_node_name ON objects (resource, node_name);
CREATE TABLE events (
  revision INTEGER PRIMARY KEY,
  resource TEXT NOT NULL,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('ADDED', 'MODIFIED', 'DELETED')),
  object TEXT NOT NULL,
  previous TEXT
);
CREATE INDEX events_key ON events (resource, namespace, name, revision);
`;

/**
 * Applies the durability settings and creates the tables on first open.
 *
 * - locking_mode=EXCLUSIVE: the watch fan-out only sees writes made through this
 *   process, so a second process writing the same file would go unseen by watchers;
 *   exclusive locking makes it fail to open instead (SQLITE_BUSY).
 * - journal_mode=WAL + synchronous=FULL: a commit is fsync'd to the WAL before
 *   better-sqlite3 returns, so an acknowledged write survives a crash or power loss.
 */
export function initSqlite(db: Database.Database, path: string): void {
  db.pragma('locking_mode = EXCLUSIVE');
  const journal = db.pragma('journal_mode = WAL', { simple: true });
  if (path !== ':memory:' && journal !== 'wal') {
    throw new EdgewiseError(
      'EW_UNAVAILABLE',
      `SQLite store ${path}: could not enable WAL journaling (got "${journal}")`,
    );
  }
  db.pragma('synchronous = FULL');
  const sync = db.pragma('synchronous', { simple: true });
  if (sync !== 2)
    throw new EdgewiseError('EW_UNAVAILABLE', `SQLite store ${path}: could not set synchronous=FULL`);
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version === 0) {
    db.transaction(() => {
      db.exec(TABLES);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }).immediate();
  } else if (version !== SCHEMA_VERSION) {
    throw new EdgewiseError(
      'EW_UNAVAILABLE',
      `SQLite store ${path} has schema version ${version}; this Edgewise reads version ${SCHEMA_VERSION}`,
    );
  }
}
