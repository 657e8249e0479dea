/** The PostgreSQL store, for hub replicas that share one state. */
import { EdgewiseError } from '../../api/errors.js';
import {
  COMMON_OPTION_CHECKS,
  type CommonStoreOptions,
  checkOptions,
  isPositiveInteger,
  isString,
  resolveCommonOptions,
} from '../common/options.js';
import type { Store } from '../store.js';
import { PostgresStore } from './postgres-store.js';

export interface PostgresStoreOptions extends CommonStoreOptions {
  /** libpq-style URL: `postgres://user:password@host:5432/database`. */
  connectionString: string;
  /**
   * The schema holding this store's tables, created if missing. Replicas that share
   * state use the same schema; different schemas are independent stores.
   * @default 'edgewise'
   */
  schema?: string;
  /**
   * Pooled connections for reads and writes; one more is held for LISTEN.
   * @default 10
   */
  poolSize?: number;
  /**
   * Interval of a safety-net read of new events, in milliseconds, in case a
   * notification is lost while the LISTEN connection reconnects.
   * @default 5000
   */
  pollIntervalMs?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

const isSchemaName = (v: unknown) =>
  typeof v === 'string' && SCHEMA_NAME.test(v)
    ? undefined
    : 'must be a lowercase SQL identifier ([a-z_][a-z0-9_]*, at most 63 characters)';

/** Checks of the options only PostgreSQL stores take (openStore accepts these too). */
export const POSTGRES_ONLY_OPTION_CHECKS = {
  schema: isSchemaName,
  poolSize: isPositiveInteger,
  pollIntervalMs: isPositiveInteger,
};

const POSTGRES_OPTION_CHECKS = {
  connectionString: isString,
  ...POSTGRES_ONLY_OPTION_CHECKS,
  ...COMMON_OPTION_CHECKS,
};

/**
 * Connects to PostgreSQL, creates the schema's tables if missing and starts
 * listening for other replicas' writes.
 *
 * @example const store = await openPostgresStore({ connectionString: 'postgres://hub@db/edgewise' });
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  checkOptions('PostgreSQL store', options, POSTGRES_OPTION_CHECKS, ['connectionString']);
  if (!/^postgres(ql)?:\/\//.test(options.connectionString)) {
    throw new EdgewiseError(
      'EW_BAD_REQUEST',
      'PostgreSQL store option "connectionString" must be a postgres:// URL',
    );
  }
  return PostgresStore.open(
    Object.freeze({
      ...resolveCommonOptions(options),
      connectionString: options.connectionString,
      schema: options.schema ?? 'edgewise',
      poolSize: options.poolSize ?? 10,
      pollIntervalMs: options.pollIntervalMs ?? 5_000,
    }),
  );
}
