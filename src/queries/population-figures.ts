import { sql } from 'kysely'
import type { Db } from '../db/connection.ts'
import type { PopulationFigureRow } from '../schemas/population-figures.ts'

export async function knownMunicipalityCodes(db: Db, codes: string[]): Promise<Set<string>> {
  if (codes.length === 0) return new Set()
  const rows = await db.selectFrom('municipalities').select('code').where('code', 'in', codes).execute()
  return new Set(rows.map(r => r.code))
}

/** Inserts new figures and corrects existing ones; reports how many of each. */
export async function upsert(
  db: Db,
  rows: PopulationFigureRow[],
  apiKeyId: number
): Promise<{ inserted: number; updated: number }> {
  const written = await db
    .insertInto('population_figures')
    .values(rows.map(row => ({ ...row, updated_by_api_key_id: apiKeyId })))
    .onConflict(oc =>
      oc.columns(['municipality_code', 'reference_date']).doUpdateSet({
        population: eb => eb.ref('excluded.population'),
        updated_at: sql<Date>`now()`,
        updated_by_api_key_id: eb => eb.ref('excluded.updated_by_api_key_id')
      })
    )
    // xmax is 0 only on a freshly inserted row version.
    .returning(sql<boolean>`xmax = 0`.as('inserted'))
    .execute()
  const inserted = written.filter(r => r.inserted).length
  return { inserted, updated: written.length - inserted }
}
