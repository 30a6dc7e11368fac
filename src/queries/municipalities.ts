import type { Db } from '../db/connection.ts'
import { problem } from '../plugins/problems.ts'
import type { Municipality, PopulationFigure } from '../schemas/municipalities.ts'

export interface MunicipalityFilter {
  county?: string
  name?: string
}

function selectMunicipalities(db: Db, filter: MunicipalityFilter) {
  let query = db.selectFrom('municipalities as m').innerJoin('counties as c', 'c.code', 'm.county_code')
  if (filter.county !== undefined) query = query.where('m.county_code', '=', filter.county)
  if (filter.name !== undefined) query = query.where('m.name', 'ilike', `%${filter.name.replace(/[\\%_]/g, '\\$&')}%`)
  return query
}

export async function list(
  db: Db,
  filter: MunicipalityFilter,
  page: { limit: number; offset: number }
): Promise<{ items: Municipality[]; total: number }> {
  const [items, total] = await Promise.all([
    selectMunicipalities(db, filter)
      .select(['m.code', 'm.name', 'm.county_code', 'c.name as county_name', 'm.organisation_number'])
      .orderBy('m.code')
      .limit(page.limit)
      .offset(page.offset)
      .execute(),
    selectMunicipalities(db, filter)
      .select(eb => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
  ])
  return { items, total: total.n }
}

export async function find(db: Db, code: string): Promise<Municipality | undefined> {
  return selectMunicipalities(db, {})
    .select(['m.code', 'm.name', 'm.county_code', 'c.name as county_name', 'm.organisation_number'])
    .where('m.code', '=', code)
    .executeTakeFirst()
}

/** The municipality, or a 404 problem naming it. */
export async function findOrFail(db: Db, code: string): Promise<Municipality> {
  const municipality = await find(db, code)
  if (municipality === undefined) throw problem(404, `No municipality has code ${code}.`)
  return municipality
}

export async function populationFigures(db: Db, code: string): Promise<PopulationFigure[]> {
  return db
    .selectFrom('population_figures')
    .select(['reference_date', 'population'])
    .where('municipality_code', '=', code)
    .orderBy('reference_date')
    .execute()
}

/** The organisation numbers of these municipalities (null where none is held): the buyers of their e-invoices. */
export async function organisationNumbers(db: Db, codes: readonly string[]): Promise<Map<string, string | null>> {
  if (codes.length === 0) return new Map()
  const rows = await db
    .selectFrom('municipalities')
    .select(['code', 'organisation_number'])
    .where('code', 'in', [...new Set(codes)])
    .execute()
  return new Map(rows.map(row => [row.code, row.organisation_number]))
}
