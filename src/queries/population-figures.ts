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

/** For each date: how many municipalities have a figure, how many municipalities there are, and the figures' sum. */
export async function totalsOn(db: Db, dates: string[]) {
  if (dates.length === 0) return []
  const { rows } = await sql<{ reference_date: string; municipalities: number; of: number; population: string }>`
    SELECT d.reference_date::text AS reference_date, count(f.population)::int AS municipalities,
      (SELECT count(*) FROM municipalities)::int AS of, coalesce(sum(f.population), 0)::text AS population
    FROM unnest(${dates}::date[]) AS d (reference_date)
    LEFT JOIN population_figures f ON f.reference_date = d.reference_date
    GROUP BY d.reference_date ORDER BY d.reference_date`.execute(db)
  return rows.map(row => ({ ...row, population: Number(row.population) }))
}
