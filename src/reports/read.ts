import type { Db } from '../db/connection.ts'

/**
 * Runs a report's reads in one REPEATABLE READ, read-only transaction: all its statements see the same committed
 * state, so a report never mixes the states before and after a write (an invoicing between two of its queries, say).
 * The statements run one after the other on the transaction's connection.
 */
export const inOneSnapshot = <T>(db: Db, read: (db: Db) => Promise<T>): Promise<T> =>
  db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(read)

/**
 * Computes a report once per data version (plugins/read-cache.ts): `key` names everything the report depends on but
 * the data.
 */
export type Memo = <T>(key: string, compute: () => Promise<T>) => Promise<T>
