import type { Db } from './connection.ts'
import { migrateToLatest } from './migrate.ts'
import { loadReferenceData } from './reference-data.ts'

/** Brings any database, new or old, to the current schema with the reference data in place; says what it did. */
export async function prepareDatabase(db: Db) {
  const applied = await migrateToLatest(db)
  const loaded = await loadReferenceData(db)
  return { applied, loaded }
}
