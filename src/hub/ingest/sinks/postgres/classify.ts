/** Maps node-postgres and PostgreSQL failures to EdgewiseError codes (the rule is in ../errors.ts). */
import type { EdgewiseError } from '../../../../api/errors.js';
import { classifyCommon, classifyUnknown, describeCause, sinkError, unavailable } from '../errors.js';

/** SQLSTATEs (PostgreSQL Appendix A) a person has to act on, by what they mean. */
const BY_SQLSTATE: Record<
  string,
  { code: 'EW_NOT_FOUND' | 'EW_UNAUTHORIZED' | 'EW_FORBIDDEN'; hint?: string }
> = {
  '42P01': { code: 'EW_NOT_FOUND', hint: 'create the table or set createTable: true' },
  '3F000': { code: 'EW_NOT_FOUND', hint: 'create the schema or set createTable: true' },
  '3D000': { code: 'EW_NOT_FOUND' },
  '28000': { code: 'EW_UNAUTHORIZED' },
  '28P01': { code: 'EW_UNAUTHORIZED' },
  '42501': { code: 'EW_FORBIDDEN' },
};

/** Table shapes the insert cannot use. */
const SHAPE = new Set(['42703', '42P10', '42804', '23502']);

function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export function classifyPostgres(sink: string, where: string, table: string, err: unknown): EdgewiseError {
  const common = classifyCommon(sink, where, err);
  if (common) return common;
  const state = sqlState(err);
  if (state === undefined) {
    // node-postgres' own: "Connection terminated unexpectedly", "timeout exceeded when
    // trying to connect", "Query read timeout": all mean the server is not answering.
    if (err instanceof Error && /connect|terminated|timeout/i.test(err.message)) {
      return unavailable(sink, `${where}: ${err.message}`, err);
    }
    return classifyUnknown(sink, where, err);
  }
  const said = `${where} refused: ${describeCause(err)} (SQLSTATE ${state})`;
  const known = BY_SQLSTATE[state];
  if (known) return sinkError(known.code, sink, known.hint ? `${said}; ${known.hint}` : said, err);
  if (SHAPE.has(state)) {
    return sinkError(
      'EW_INVALID',
      sink,
      `${said}; table ${table} needs columns node, epoch, stream text, seq bigint, time timestamptz, data jsonb and dedup_key text with a unique constraint`,
      err,
    );
  }
  // Data the server will never take (class 22: a time that does not parse, a JSON
  // string holding \u0000, which jsonb cannot store).
  if (state.startsWith('22')) return sinkError('EW_INVALID', sink, said, err);
  // Class 08 connection, 53 resources (disk full, too many connections), 57 operator
  // intervention (shutdown, statement timeout), 40 serialization: all pass; retry.
  return unavailable(sink, said, err);
}
