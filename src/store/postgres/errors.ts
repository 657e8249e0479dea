/** Turns pg failures into EdgewiseErrors at the store boundary. */
import { EdgewiseError } from '../../api/errors.js';

/**
 * SQLSTATE classes and socket errors that mean the database is unreachable or
 * overloaded rather than that the store has a bug: 08 connection, 53 insufficient
 * resources, 57 operator intervention (shutdown), 58 system error.
 */
function isUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (/^(08|53|57|58)/.test(code)) return true;
    if (/^E(CONNREFUSED|CONNRESET|PIPE|TIMEDOUT|HOSTUNREACH|NETUNREACH|AI_AGAIN)$|^ENOTFOUND$/.test(code))
      return true;
  }
  const message = err instanceof Error ? err.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(
    message,
  );
}

export function pgError(err: unknown): EdgewiseError {
  if (EdgewiseError.is(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (isUnavailable(err)) {
    return new EdgewiseError('EW_UNAVAILABLE', `PostgreSQL store: ${message}`, undefined, { cause: err });
  }
  return new EdgewiseError('EW_INTERNAL', `PostgreSQL store: ${message}`, undefined, { cause: err });
}
