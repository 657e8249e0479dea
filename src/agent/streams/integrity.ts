/**
 * At start, the database is compared with the witness of what apps were told was
 * stored. A database that holds less (its WAL tail truncated or damaged, or the file
 * replaced by an older copy without its witness) is reported — counted as `lost` on
 * the stream, logged, and sent to the hub as a Warning event on the Node — never
 * silently skipped. The witness is then reset to what the database holds.
 */
import type { StreamStore } from './store.js';
import type { Witness, WitnessMap } from './witness.js';

export interface Loss {
  stream: string;
  epoch: string;
  /** First and last sequence acknowledged to apps but missing from the database. */
  from: number;
  to: number;
}

export function findLosses(store: StreamStore, witness: Witness): Loss[] {
  const losses: Loss[] = [];
  for (const [stream, mark] of Object.entries(witness.streams)) {
    const id = store.find(stream);
    const epoch = store.epochs.noOf(mark.epoch);
    if (id === undefined || epoch === undefined) {
      losses.push({ stream, epoch: mark.epoch, from: 1, to: mark.seq });
      continue;
    }
    const row = store.row(id);
    if (row.epoch === epoch && row.next_seq - 1 < mark.seq)
      losses.push({ stream, epoch: mark.epoch, from: row.next_seq, to: mark.seq });
  }
  return losses;
}

/** What the database holds now, as a witness map. */
export function currentMarks(store: StreamStore): WitnessMap {
  const marks: WitnessMap = {};
  for (const row of store.all()) {
    if (row.epoch === 0) continue;
    marks[row.name] = { epoch: store.epochs.idOf(row.epoch), seq: row.next_seq - 1 };
  }
  return marks;
}

export function describeLoss(loss: Loss): string {
  const range = loss.from === loss.to ? `record ${loss.from}` : `records ${loss.from}–${loss.to}`;
  return `stream ${loss.stream}: ${range} of epoch ${loss.epoch} were acknowledged to apps but are missing from the agent database (truncated or damaged, or restored without its witness); they cannot be sent`;
}
