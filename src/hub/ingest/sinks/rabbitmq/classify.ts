/** Maps amqplib and RabbitMQ failures to EdgewiseError codes (the rule is in ../errors.ts). */
import { IllegalOperationError } from 'amqplib';
import type { EdgewiseError } from '../../../../api/errors.js';
import { classifyCommon, classifyUnknown, describeCause, sinkError, unavailable } from '../errors.js';

/** The broker answered a publish with basic.nack: it could not take responsibility for it. */
export class NackedError extends Error {
  constructor(readonly messageId: string) {
    super(`RabbitMQ nacked message ${messageId}`);
    this.name = 'NackedError';
  }
}

/** AMQP reply codes a channel or connection is closed with (AMQP 0-9-1 §1.9). */
function byReplyCode(sink: string, where: string, code: number, err: unknown): EdgewiseError {
  const said = `${where} refused: ${describeCause(err)}`;
  switch (code) {
    case 404:
      return sinkError(
        'EW_NOT_FOUND',
        sink,
        /no exchange/.test(describeCause(err))
          ? `${said}; declare the exchange or set the assertExchange option`
          : said,
        err,
      );
    case 403:
    case 530:
      return sinkError('EW_FORBIDDEN', sink, said, err);
    case 406:
      return sinkError('EW_INVALID', sink, said, err);
    default:
      // 320 connection-forced, 506 resource-error, 541 internal-error, …: the broker
      // is going away or short of something; a later attempt may well succeed.
      return unavailable(sink, said, err);
  }
}

export function classifyAmqp(sink: string, where: string, err: unknown): EdgewiseError {
  const common = classifyCommon(sink, where, err);
  if (common) return common;
  if (err instanceof NackedError) return unavailable(sink, `${where}: ${err.message}`, err);
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'number') return byReplyCode(sink, where, code, err);
  const handshake = /^Handshake terminated by server: (\d+)/.exec(describeCause(err));
  if (handshake) {
    return handshake[1] === '403'
      ? sinkError('EW_UNAUTHORIZED', sink, `${where} refused the login: ${describeCause(err)}`, err)
      : byReplyCode(sink, where, Number(handshake[1]), err);
  }
  // The broker refused connection.open (amqplib does not pass on its reason): a vhost
  // that does not exist or that this user may not use.
  if (/^Expected ConnectionOpenOk; got <ConnectionClose/.test(describeCause(err))) {
    return sinkError(
      'EW_FORBIDDEN',
      sink,
      `${where} refused to open the vhost: it does not exist or the user may not use it (${describeCause(err)})`,
      err,
    );
  }
  // amqplib's "Channel closed" / "Connection closed" when the socket went away mid-batch.
  if (err instanceof IllegalOperationError) return unavailable(sink, `${where}: ${err.message}`, err);
  if (err instanceof Error && err.message === 'channel closed') {
    return unavailable(sink, `${where}: channel closed`, err);
  }
  return classifyUnknown(sink, where, err);
}
