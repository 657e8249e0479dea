/** Maps nats.js and JetStream failures to EdgewiseError codes (the rule is in ../errors.ts). */
import { NatsError } from 'nats';
import type { EdgewiseError } from '../../../../api/errors.js';
import { classifyCommon, classifyUnknown, describeCause, sinkError, unavailable } from '../errors.js';

const UNREACHABLE = new Set([
  'CONNECTION_REFUSED',
  'CONNECTION_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_DRAINING',
  'DISCONNECT',
  'TIMEOUT',
]);
const UNAUTHENTICATED = new Set([
  'AUTHORIZATION_VIOLATION',
  'AUTHENTICATION_EXPIRED',
  'AUTHENTICATION_TIMEOUT',
  'BAD_AUTHENTICATION',
  'BAD_CREDS',
  'ACCOUNT_EXPIRED',
]);

/** A publish failed; remembers the subject, which the client's error does not name. */
export class PublishError extends Error {
  constructor(
    readonly subject: string,
    cause: unknown,
  ) {
    super(describeCause(cause), { cause });
    this.name = 'PublishError';
  }
}

export function classifyNats(
  sink: string,
  where: string,
  subjectTemplate: string,
  thrown: unknown,
): EdgewiseError {
  const subject = thrown instanceof PublishError ? thrown.subject : subjectTemplate;
  const err = thrown instanceof PublishError ? thrown.cause : thrown;
  const common = classifyCommon(sink, where, err);
  if (common) return common;
  if (!(err instanceof NatsError)) return classifyUnknown(sink, where, err);
  // JetStream's own answer (stream full, expected stream mismatch, …) carries an API error.
  const api = err.api_error;
  if (api) {
    const said = `JetStream refused: ${api.description ?? describeCause(err)} (error ${api.err_code})`;
    if (api.code === 400) return sinkError('EW_INVALID', sink, said, err);
    if (api.code === 404) return sinkError('EW_NOT_FOUND', sink, said, err);
    return unavailable(sink, said, err);
  }
  const code = err.code;
  if (UNREACHABLE.has(code)) return unavailable(sink, `${where} is unreachable: ${describeCause(err)}`, err);
  // A JetStream publish is a request; "no responders" means no stream listens on the subject.
  if (code === '503') {
    return sinkError(
      'EW_NOT_FOUND',
      sink,
      `no JetStream stream captures subject "${subject}" on ${where} (no responders): create a stream for it, or enable JetStream`,
      err,
    );
  }
  if (code === 'MAX_PAYLOAD_EXCEEDED') {
    return sinkError(
      'EW_TOO_LARGE',
      sink,
      `a record exceeds the server's max_payload (${describeCause(err)})`,
      err,
    );
  }
  if (UNAUTHENTICATED.has(code))
    return sinkError('EW_UNAUTHORIZED', sink, `${where}: ${describeCause(err)}`, err);
  if (code === 'PERMISSIONS_VIOLATION')
    return sinkError('EW_FORBIDDEN', sink, `${where}: ${describeCause(err)}`, err);
  if (code === 'BAD_SUBJECT' || code === 'BAD_HEADER') {
    return sinkError('EW_INVALID', sink, `${where}: ${describeCause(err)}`, err);
  }
  return classifyUnknown(sink, where, err);
}
