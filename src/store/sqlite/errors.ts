/** Turns better-sqlite3 failures into EdgewiseErrors at the store boundary. */
import { EdgewiseError } from '../../api/errors.js';

/** Result codes that describe the file or the machine, not a bug in the store. */
const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|READONLY|CANTOPEN|NOMEM|CORRUPT|NOTADB)/;

export function sqliteError(err: unknown, path: string): EdgewiseError {
  if (EdgewiseError.is(err)) return err;
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  // better-sqlite3 checks the directory itself and throws a TypeError without a code.
  const missingDirectory = /directory does not exist/.test(message);
  if ((typeof code === 'string' && UNAVAILABLE.test(code)) || missingDirectory) {
    const hint =
      typeof code === 'string' && code.startsWith('SQLITE_BUSY')
        ? ' (is another process using this store?)'
        : '';
    return new EdgewiseError('EW_UNAVAILABLE', `SQLite store ${path}: ${message}${hint}`, undefined, {
      cause: err,
    });
  }
  return new EdgewiseError('EW_INTERNAL', `SQLite store ${path}: ${message}`, undefined, { cause: err });
}
