/**
 * The edge policy feature's own tables in the agent's SQLite file (migrated with
 * `AgentState.migrateFeature`): the sources in force, each ConfigMap's last load
 * result, and the decision log waiting for the hub.
 */
export const FEATURE = 'edge-policy';

export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE edge_policy_sources (
     namespace TEXT NOT NULL, name TEXT NOT NULL,
     uid TEXT NOT NULL, kind TEXT NOT NULL, fingerprint TEXT NOT NULL, resource_version TEXT NOT NULL,
     files TEXT NOT NULL,
     loaded_at TEXT NOT NULL,
     PRIMARY KEY (namespace, name));
   CREATE TABLE edge_policy_status (
     namespace TEXT NOT NULL, name TEXT NOT NULL,
     data TEXT NOT NULL,
     PRIMARY KEY (namespace, name));
   CREATE TABLE edge_policy_decisions (id INTEGER PRIMARY KEY AUTOINCREMENT, entry TEXT NOT NULL);
   CREATE TABLE edge_policy_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
];
