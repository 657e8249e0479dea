/** Maps mqtt.js failures and MQTT 5 reason codes to EdgewiseError codes (the rule is in ../errors.ts). */
import { ErrorWithReasonCode } from 'mqtt';
import type { EdgewiseError } from '../../../../api/errors.js';
import { classifyCommon, classifyUnknown, describeCause, sinkError, unavailable } from '../errors.js';

/** The broker acked a message with 0x10: no subscription matched, so it reached nobody. */
export class NoSubscriberError extends Error {
  constructor(readonly topic: string) {
    super(`no subscription matches topic "${topic}"`);
    this.name = 'NoSubscriberError';
  }
}

/** MQTT 5 reason codes (§2.4) in CONNACK and PUBACK, by what a person has to do about them. */
const BY_REASON: Record<number, 'EW_UNAUTHORIZED' | 'EW_FORBIDDEN' | 'EW_INVALID' | 'EW_TOO_LARGE'> = {
  132: 'EW_INVALID', // unsupported protocol version: the broker does not speak MQTT 5
  133: 'EW_INVALID', // client identifier not valid
  134: 'EW_UNAUTHORIZED', // bad user name or password
  135: 'EW_FORBIDDEN', // not authorized
  140: 'EW_UNAUTHORIZED', // bad authentication method
  144: 'EW_INVALID', // topic name invalid
  149: 'EW_TOO_LARGE', // packet too large
  153: 'EW_INVALID', // payload format invalid
};

export function classifyMqtt(sink: string, where: string, err: unknown): EdgewiseError {
  const common = classifyCommon(sink, where, err);
  if (common) return common;
  if (err instanceof NoSubscriberError) {
    return sinkError(
      'EW_NOT_FOUND',
      sink,
      `${where}: ${err.message}, so the message would reach nobody; subscribe (a persistent session keeps messages while offline) or set requireSubscriber: false`,
      err,
    );
  }
  if (err instanceof ErrorWithReasonCode) {
    const said = `${where} refused: ${describeCause(err)} (reason code 0x${err.code.toString(16)})`;
    const code = BY_REASON[err.code];
    // Quota exceeded, server busy or unavailable, implementation-specific, …: try later.
    return code ? sinkError(code, sink, said, err) : unavailable(sink, said, err);
  }
  return classifyUnknown(sink, where, err);
}
