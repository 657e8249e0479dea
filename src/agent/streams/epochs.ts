/**
 * Sequence epochs. The agent draws a fresh random epoch the first time it writes
 * after starting, so a node restored from an old backup (or reinstalled) can never
 * reuse a (epoch, seq) the hub has already seen: records restored with the backup
 * keep their original identity and are recognised as duplicates; records written
 * afterwards live in a new epoch and are never mistaken for old ones.
 */
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';

export interface Epoch {
  no: number;
  id: string;
}

export class Epochs {
  readonly #db: Database.Database;
  readonly #byNo = new Map<number, string>();
  #current: Epoch | undefined;

  constructor(db: Database.Database) {
    this.#db = db;
    for (const row of db.prepare('SELECT no, id FROM stream_epochs').all() as { no: number; id: string }[])
      this.#byNo.set(row.no, row.id);
  }

  /** This process's epoch, created (inside the caller's transaction) on first use. */
  current(): Epoch {
    if (this.#current) return this.#current;
    const id = randomBytes(6).toString('hex');
    const info = this.#db
      .prepare('INSERT INTO stream_epochs (id, started) VALUES (?, ?)')
      .run(id, new Date().toISOString());
    const epoch = { no: Number(info.lastInsertRowid), id };
    this.#byNo.set(epoch.no, id);
    this.#current = epoch;
    return epoch;
  }

  /** Forgets an epoch created by a transaction that rolled back. */
  rolledBack(): void {
    if (!this.#current) return;
    const exists = this.#db.prepare('SELECT 1 FROM stream_epochs WHERE no = ?').get(this.#current.no);
    if (!exists) {
      this.#byNo.delete(this.#current.no);
      this.#current = undefined;
    }
  }

  idOf(no: number): string {
    return this.#byNo.get(no) ?? '';
  }

  noOf(id: string): number | undefined {
    for (const [no, known] of this.#byNo) if (known === id) return no;
    return undefined;
  }
}
