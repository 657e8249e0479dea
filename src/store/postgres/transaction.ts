/** Runs work on one pooled connection inside a transaction the work begins itself. */
import type pg from 'pg';

export interface TxOutcome<T> {
  value: T;
  /** False rolls back (a write that turned out to be a no-op still took the revision lock). */
  commit: boolean;
}

/**
 * `work` issues its own BEGIN (so it can choose the isolation level or batch BEGIN with
 * its first statement). On a throw the transaction is rolled back and the error
 * rethrown; a connection that cannot even roll back is destroyed, not pooled.
 */
export async function transaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<TxOutcome<T>>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    const outcome = await work(client);
    await client.query(outcome.commit ? 'COMMIT' : 'ROLLBACK');
    return outcome.value;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      broken = rollbackError as Error;
    }
    throw err;
  } finally {
    client.release(broken);
  }
}
