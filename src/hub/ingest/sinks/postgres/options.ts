/** Options of the PostgreSQL sink. */
import {
  isBoolean,
  isIntegerIn,
  isUrlWithScheme,
  type OptionCheck,
  type OptionSpecs,
  TIMEOUT_OPTION,
} from '../options.js';

export interface PostgresSinkOptions {
  /** `postgres://user:pass@host:5432/db` (anything pg's connection strings accept, as a URL). */
  connectionString: string;
  /** Table to insert into, `name` or `schema.name`; letters, digits and `_`, used as written (quoted). */
  table: string;
  /**
   * Create the table (and its schema) on first use if it does not exist. Off by
   * default: the sink changes no schema it was not told to.
   * @default false
   */
  createTable?: boolean;
  /**
   * Connections the sink may hold; one batch uses one.
   * @default 2
   */
  poolSize?: number;
  /** @default 10000 */
  timeoutMs?: number;
}

export type ResolvedPostgresOptions = Readonly<Required<PostgresSinkOptions>>;

const IDENTIFIER = '[A-Za-z_][A-Za-z0-9_]{0,62}';

const isTableName: OptionCheck = (v) =>
  typeof v === 'string' && new RegExp(`^${IDENTIFIER}(\\.${IDENTIFIER})?$`).test(v)
    ? undefined
    : 'must be "name" or "schema.name", each of letters, digits and "_", starting with a letter or "_", at most 63 characters';

export const POSTGRES_OPTIONS: OptionSpecs = {
  connectionString: {
    type: 'string (postgres: or postgresql: URL)',
    doc: 'Database URL, e.g. postgres://edgewise:secret@db:5432/edge.',
    required: true,
    secret: true,
    check: isUrlWithScheme(['postgres:', 'postgresql:']),
  },
  table: {
    type: 'string',
    doc: 'Table to insert into: "name" or "schema.name", used as written (quoted).',
    required: true,
    check: isTableName,
  },
  createTable: {
    type: 'boolean',
    doc: 'Create the table (and its schema) on first use if missing; by default the sink changes no schema.',
    default: false,
    check: isBoolean,
  },
  poolSize: {
    type: 'integer',
    doc: 'Connections the sink may hold; one batch uses one.',
    default: 2,
    check: isIntegerIn(1, 100),
  },
  timeoutMs: TIMEOUT_OPTION,
};
