/** Shape checks for the data-sync link messages an agent sends (docs in src/api/link-protocol.ts). */
import { STREAM_NAME } from '../../api/kinds/data-sync.js';

const EPOCH = /^[0-9a-z-]{1,64}$/;
const MAX_RECORDS = 10_000;

function isCount(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

/** What is wrong with a `stream-batch`, or undefined. */
export function checkBatch(m: Record<string, unknown>): string | undefined {
  if (!isCount(m.id)) return 'id must be a non-negative integer';
  if (typeof m.stream !== 'string' || !STREAM_NAME.test(m.stream)) return 'stream must be a stream name';
  if (typeof m.epoch !== 'string' || !EPOCH.test(m.epoch)) return 'epoch must be an epoch id';
  if (typeof m.dataSync !== 'string' || !m.dataSync.includes('/')) return 'dataSync must be namespace/name';
  if (!isCount(m.base) || !isCount(m.from) || !isCount(m.to)) return 'base, from and to must be counts';
  if (m.from < 1 || m.to < m.from - 1) return 'from..to is not a range';
  if (!Array.isArray(m.records) || m.records.length > MAX_RECORDS)
    return `records must be an array of at most ${MAX_RECORDS}`;
  let previous = m.from - 1;
  for (const r of m.records as unknown[]) {
    const rec = r as { seq?: unknown; time?: unknown };
    if (typeof r !== 'object' || r === null || !isCount(rec.seq) || typeof rec.time !== 'string')
      return 'each record needs seq and time';
    if (rec.seq <= previous || rec.seq > m.to) return 'records must be in order within from..to';
    if (Number.isNaN(Date.parse(rec.time))) return 'record time must be RFC 3339';
    previous = rec.seq;
  }
  return undefined;
}

/** What is wrong with a `stream-report`, or undefined. */
export function checkReport(m: Record<string, unknown>): string | undefined {
  if (!Array.isArray(m.streams)) return 'streams must be an array';
  for (const s of m.streams as unknown[]) {
    const r = s as { stream?: unknown };
    if (typeof s !== 'object' || s === null || typeof r.stream !== 'string' || !STREAM_NAME.test(r.stream))
      return 'each report needs a stream name';
  }
  return undefined;
}
