/** The agent state schema and its migrations; `user_version` records how far a file has come. */
import type Database from 'better-sqlite3';

const MIGRATIONS: string[] = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE objects (
     resource TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
     rv TEXT NOT NULL, data TEXT NOT NULL,
     PRIMARY KEY (resource, namespace, name));
   CREATE TABLE pod_runtime (uid TEXT PRIMARY KEY, data TEXT NOT NULL);
   CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, key TEXT, payload TEXT NOT NULL);
   CREATE INDEX outbox_kind_key ON outbox (kind, key);`,
  `CREATE TABLE feature_versions (feature TEXT PRIMARY KEY, version INTEGER NOT NULL);`,
];

export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `state schema version ${current} is newer than this agent understands (${MIGRATIONS.length}); upgrade the agent`,
    );
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version] as string);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
