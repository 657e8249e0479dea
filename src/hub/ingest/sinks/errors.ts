/**
 * How sink failures become EdgewiseErrors. The rule every sink follows:
 *   EW_UNAVAILABLE  the sink could not take the batch now (down, unreachable, timed out,
 *                   connection lost, broker refused for lack of resources): retry later.
 *   EW_NOT_FOUND    the destination does not exist (exchange, table, JetStream stream,
 *                   no queue or subscriber to route to): retry once someone creates it.
 *   EW_INVALID / EW_TOO_LARGE / EW_UNAUTHORIZED / EW_FORBIDDEN
 *                   configuration or data the sink rejects: needs a person.
 * Whatever the code, nothing of the batch counts as delivered, so the hub keeps it
 * unacknowledged; a sink never reports success for a record it did not confirm.
 */
import { EdgewiseError, type ErrorCode } from '../../../api/errors.js';

/** The delivery took longer than the sink's `timeoutMs`. */
export class DeadlineError extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'DeadlineError';
  }
}

/** The connection (or channel) closed while a batch was in flight or before it started. */
export class ConnectionLostError extends Error {
  constructor(detail = 'connection closed') {
    super(detail);
    this.name = 'ConnectionLostError';
  }
}

export function sinkError(code: ErrorCode, sink: string, message: string, cause?: unknown): EdgewiseError {
  return new EdgewiseError(code, `sink ${sink}: ${message}`, undefined, { cause });
}

export function unavailable(sink: string, message: string, cause?: unknown): EdgewiseError {
  return sinkError('EW_UNAVAILABLE', sink, message, cause);
}

/** The message of anything thrown, following a chain of AggregateErrors (dual-stack connects). */
export function describeCause(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0 && err.message === '') {
    return err.errors.map(describeCause).join('; ');
  }
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

const NETWORK_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
]);

/** A socket-level failure: nothing at the address, a reset, a DNS miss. */
export function isNetworkError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && NETWORK_ERRNOS.has(code);
}

/**
 * The classification every sink shares; returns undefined for errors only the sink's
 * own classifier can judge (server reply codes).
 */
export function classifyCommon(sink: string, where: string, err: unknown): EdgewiseError | undefined {
  if (EdgewiseError.is(err)) return err;
  if (err instanceof DeadlineError) return unavailable(sink, `${where}: ${err.message}`, err);
  if (err instanceof ConnectionLostError) {
    return unavailable(sink, `${where}: connection lost (${err.message})`, err);
  }
  if (isNetworkError(err)) return unavailable(sink, `${where} is unreachable: ${describeCause(err)}`, err);
  return undefined;
}

/**
 * The last resort for errors no classifier recognised. Errors of our own code are
 * bugs; anything else came from a client library or server we did not expect, and is
 * reported as unavailable so the hub retries rather than giving up on the records.
 */
export function classifyUnknown(sink: string, where: string, err: unknown): EdgewiseError {
  if (err instanceof TypeError || err instanceof ReferenceError || err instanceof SyntaxError) {
    return sinkError('EW_INTERNAL', sink, `internal error: ${describeCause(err)}`, err);
  }
  return unavailable(sink, `${where}: ${describeCause(err)}`, err);
}
