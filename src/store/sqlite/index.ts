/** The embedded SQLite store: the hub's default, one file owned by one process. */
import {
  COMMON_OPTION_CHECKS,
  type CommonStoreOptions,
  checkOptions,
  isString,
  resolveCommonOptions,
} from '../common/options.js';
import type { Store } from '../store.js';
import { SqliteStore } from './sqlite-store.js';

export interface SqliteStoreOptions extends CommonStoreOptions {
  /**
   * The database file, created if missing. While a store has it open no other
   * process can (exclusive lock). `':memory:'` gives a throwaway store with no
   * durability, for tests.
   */
  path: string;
}

const SQLITE_OPTION_CHECKS = { path: isString, ...COMMON_OPTION_CHECKS };

/**
 * Opens (creating if needed) a SQLite store. Writes are fsync'd (WAL,
 * synchronous=FULL) before their promises resolve.
 *
 * @example const store = await openSqliteStore({ path: './hub-data/store.db' });
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  checkOptions('SQLite store', options, SQLITE_OPTION_CHECKS, ['path']);
  return SqliteStore.open(options.path, resolveCommonOptions(options));
}
