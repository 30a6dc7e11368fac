import type { Db } from './connection.ts'
import { migrateToLatest } from './migrate.ts'
import { loadReferenceData } from './reference-data.ts'

/** Brings any database, new or old, to the current schema with the reference data in place. */
export async function prepareDatabase (db: Db) {
  await migrateToLatest(db)
  await loadReferenceData(db)
}
