/**
 * Opens a store from a URL, as the CLI and hub configuration give it:
 *
 * - `postgres://…` or `postgresql://…` → PostgreSQL (a `?schema=` parameter selects
 *   the schema, like the `schema` option);
 * - `sqlite:///abs/path.db`, `sqlite://relative.db`, `sqlite::memory:` or a bare path → SQLite.
 */
import { EdgewiseError } from '../api/errors.js';
import { COMMON_OPTION_CHECKS, type CommonStoreOptions, checkOptions } from './common/options.js';
import {
  openPostgresStore,
  POSTGRES_ONLY_OPTION_CHECKS,
  type PostgresStoreOptions,
} from './postgres/index.js';
import { openSqliteStore } from './sqlite/index.js';
import type { Store } from './store.js';

/** Options for `openStore`: the common ones, plus PostgreSQL's for `postgres://` URLs. */
export interface OpenStoreOptions
  extends CommonStoreOptions,
    Partial<Pick<PostgresStoreOptions, 'schema' | 'poolSize' | 'pollIntervalMs'>> {}

const OPEN_CHECKS = { ...COMMON_OPTION_CHECKS, ...POSTGRES_ONLY_OPTION_CHECKS };

/**
 * Opens the store a URL names (see above), with the common options plus, for
 * PostgreSQL, `schema`, `poolSize` and `pollIntervalMs`.
 *
 * @example const store = await openStore('sqlite:///var/lib/edgewise/hub.db');
 */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  checkOptions('store', options, OPEN_CHECKS);
  if (typeof url !== 'string' || url.trim() === '') {
    throw new EdgewiseError('EW_BAD_REQUEST', 'store URL must be a non-empty string');
  }
  if (/^postgres(ql)?:\/\//i.test(url)) return openPostgres(url, options);
  const { schema, poolSize, pollIntervalMs, ...common } = options;
  for (const [name, value] of Object.entries({ schema, poolSize, pollIntervalMs })) {
    if (value !== undefined) {
      throw new EdgewiseError('EW_BAD_REQUEST', `store option "${name}" applies only to postgres:// stores`);
    }
  }
  return openSqliteStore({ ...common, path: sqlitePath(url) });
}

function openPostgres(url: string, options: OpenStoreOptions): Promise<Store> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw new EdgewiseError(
      'EW_BAD_REQUEST',
      `invalid PostgreSQL URL: ${(err as Error).message}`,
      undefined,
      {
        cause: err,
      },
    );
  }
  const fromUrl = parsed.searchParams.get('schema') ?? undefined;
  if (fromUrl !== undefined && options.schema !== undefined && fromUrl !== options.schema) {
    throw new EdgewiseError(
      'EW_BAD_REQUEST',
      `store URL selects schema "${fromUrl}" but the schema option says "${options.schema}"`,
    );
  }
  // `schema` is ours, not a libpq parameter: keep it out of the connection string.
  parsed.searchParams.delete('schema');
  const schema = options.schema ?? fromUrl;
  return openPostgresStore({
    ...options,
    connectionString: parsed.toString(),
    ...(schema !== undefined && { schema }),
  });
}

function sqlitePath(url: string): string {
  let path = url;
  if (/^sqlite:/i.test(url)) path = url.replace(/^sqlite:(\/\/)?/i, '');
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw new EdgewiseError(
      'EW_BAD_REQUEST',
      `unsupported store URL "${url}": use postgres://…, sqlite:///path/to/file.db or a file path`,
    );
  }
  if (path === '') throw new EdgewiseError('EW_BAD_REQUEST', `store URL "${url}" names no file`);
  return path;
}
