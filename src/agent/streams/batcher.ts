/**
 * Composes the next batch of one stream: records after the send cursor, in order,
 * within one epoch, each checked against its CRC and decided by the egress policy.
 * Refusals and quarantines are written before the batch leaves; redaction is applied
 * to the copy that travels, never to the stored record.
 */
import { crc32 } from 'node:zlib';
import type { Logger } from 'pino';
import type { StreamBatchMessage, StreamBatchRecord } from '../../api/link-protocol.js';
import type { StreamConfig } from './config.js';
import type { Evaluator } from './egress.js';
import { REFUSED, type RecordRow } from './schema.js';
import type { StreamStore } from './store.js';

export interface Position {
  epoch: number;
  seq: number;
}

export interface Composed {
  message: Omit<StreamBatchMessage, 'v' | 'id'>;
  last: Position;
  bytes: number;
  redacted: number;
}

export interface ComposeLimits {
  records: number;
  bytes: number;
}

export type ComposeResult = Composed | { wait: true } | undefined;

export function compose(
  store: StreamStore,
  args: {
    id: number;
    config: StreamConfig;
    evaluator: Evaluator;
    node: string;
    cursor: Position;
    acked: Position;
    /** Whether the batch may start a new epoch (only when nothing of the old one is in flight). */
    mayChangeEpoch: boolean;
    limits: ComposeLimits;
    logger: Logger;
    /** Told about each record found corrupt (after it was quarantined). */
    onCorrupt?: (seq: number, epoch: string, why: string) => void;
  },
): ComposeResult {
  const { id, config, evaluator, cursor, acked } = args;
  const rows = store.after(id, cursor.epoch, cursor.seq, args.limits.records);
  const first = rows[0];
  if (!first) return undefined;
  if (first.epoch !== cursor.epoch && !args.mayChangeEpoch) return { wait: true };
  const epoch = first.epoch;
  const epochId = store.epochs.idOf(epoch);
  const from = (cursor.epoch === epoch ? cursor.seq : 0) + 1;
  const records: StreamBatchRecord[] = [];
  const refused: RecordRow[] = [];
  const corrupt: { row: RecordRow; why: string }[] = [];
  let to = from - 1;
  let bytes = 0;
  let redacted = 0;
  for (const row of rows) {
    if (row.epoch !== epoch || bytes >= args.limits.bytes) break;
    to = row.seq;
    if (row.state === REFUSED) continue;
    const data = parse(row);
    if (typeof data === 'string') {
      corrupt.push({ row, why: data });
      continue;
    }
    const time = new Date(row.time).toISOString();
    const decision = evaluator.decide({
      node: args.node,
      stream: config.name,
      epoch: epochId,
      seq: row.seq,
      time,
      record: data.value,
    });
    if (decision.action === 'deny') {
      refused.push(row);
      continue;
    }
    if (decision.redacted) redacted++;
    records.push({ seq: row.seq, time, data: decision.data });
    bytes += row.data.length;
  }
  if (refused.length > 0 || corrupt.length > 0) {
    store.db.transaction(() => {
      if (refused.length > 0) store.refuse(id, refused);
      for (const { row, why } of corrupt) store.quarantine(id, row, why);
    })();
    for (const { row, why } of corrupt) {
      args.logger.error(
        { stream: config.name, epoch: epochId, seq: row.seq, why },
        'stream record is corrupt: quarantined, counted and reported, not sent',
      );
      args.onCorrupt?.(row.seq, epochId, why);
    }
  }
  return {
    message: {
      type: 'stream-batch',
      stream: config.name,
      epoch: epochId,
      base: acked.epoch === epoch ? acked.seq : 0,
      from,
      to,
      dataSync: config.ref ?? '',
      records,
    },
    last: { epoch, seq: to },
    bytes,
    redacted,
  };
}

/** The record's value, or why it cannot be trusted. */
function parse(row: RecordRow): { value: unknown } | string {
  if (crc32(row.data) !== row.crc) return 'checksum mismatch';
  try {
    return { value: JSON.parse(row.data.toString('utf8')) };
  } catch {
    return 'not valid JSON';
  }
}
