/**
 * How a record becomes a broker message, the same for RabbitMQ, NATS and MQTT so a
 * consumer reads every broker alike: the body is JSON (the data, or an envelope with
 * the metadata), and the metadata also travels in `edgewise-*` headers.
 */
import { EdgewiseError } from '../../../api/errors.js';
import type { SinkRecord } from '../sink.js';

export type PayloadFormat = 'data' | 'record';

/** Header (or MQTT user property) names; prefixed so they cannot clash with a consumer's own. */
export const HEADERS = {
  node: 'edgewise-node',
  epoch: 'edgewise-epoch',
  stream: 'edgewise-stream',
  seq: 'edgewise-seq',
  time: 'edgewise-time',
  dedupKey: 'edgewise-dedup-key',
} as const;

export const CONTENT_TYPE = 'application/json';

/** The message body. Throws EW_INVALID when the data cannot be JSON (it came in as JSON, so this is a bug upstream). */
export function encodeBody(record: SinkRecord, format: PayloadFormat): Buffer {
  const value =
    format === 'data'
      ? record.data
      : {
          node: record.node,
          epoch: record.epoch,
          stream: record.stream,
          seq: record.seq,
          time: record.time,
          dedupKey: record.dedupKey,
          data: record.data,
        };
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new EdgewiseError('EW_INVALID', `record ${record.dedupKey}: data is not JSON: ${String(err)}`);
  }
  // JSON.stringify(undefined) is undefined: a record without data is sent as JSON null.
  return Buffer.from(text ?? 'null');
}

/** The metadata as string headers (NATS headers and MQTT user properties carry strings only). */
export function stringHeaders(record: SinkRecord): Record<string, string> {
  return {
    [HEADERS.node]: record.node,
    [HEADERS.epoch]: record.epoch,
    [HEADERS.stream]: record.stream,
    [HEADERS.seq]: String(record.seq),
    [HEADERS.time]: record.time,
    [HEADERS.dedupKey]: record.dedupKey,
  };
}
