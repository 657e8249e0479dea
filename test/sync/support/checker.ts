/**
 * The sync checker: given what the hub committed, verifies per (node, stream) that
 * every epoch's sequence runs from 1 without gaps or duplicates, in ingest order, and
 * that every record an app was told was stored arrived exactly once.
 */
import type { StoredRecord } from '../../../src/hub/ingest/ledger.js';

export interface CheckResult {
  problems: string[];
  /** Records per node/stream. */
  counts: Map<string, number>;
}

export function checkOrder(records: readonly StoredRecord[]): CheckResult {
  const problems: string[] = [];
  const last = new Map<string, number>();
  const counts = new Map<string, number>();
  for (const r of records) {
    const key = `${r.node}/${r.epoch}/${r.stream}`;
    const expected = (last.get(key) ?? 0) + 1;
    if (r.seq !== expected)
      problems.push(
        r.seq < expected
          ? `${key}: seq ${r.seq} again (or out of order) after ${expected - 1}`
          : `${key}: gap ${expected}..${r.seq - 1}`,
      );
    last.set(key, Math.max(r.seq, last.get(key) ?? 0));
    counts.set(`${r.node}/${r.stream}`, (counts.get(`${r.node}/${r.stream}`) ?? 0) + 1);
  }
  return { problems, counts };
}

/** Every id the apps were told was stored arrives exactly once; nothing else arrives. */
export function checkExactlyOnce(
  records: readonly StoredRecord[],
  acknowledged: ReadonlySet<string>,
  unacknowledged: ReadonlySet<string> = new Set(),
  idOf: (r: StoredRecord) => string = (r) => String((JSON.parse(r.data) as { id: string }).id),
): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  for (const r of records) seen.set(idOf(r), (seen.get(idOf(r)) ?? 0) + 1);
  for (const id of acknowledged) {
    const n = seen.get(id) ?? 0;
    if (n !== 1) problems.push(`${id} arrived ${n} times`);
  }
  for (const [id, n] of seen) {
    if (acknowledged.has(id)) continue;
    if (!unacknowledged.has(id)) problems.push(`${id} arrived but was never written`);
    else if (n > 1) problems.push(`${id} (unacknowledged write) arrived ${n} times`);
  }
  return problems;
}
