import { sql } from 'kysely'
import type { Db } from '../../db/connection.ts'
import type { DecisionFact } from '../../domain/participation.ts'

export interface MunicipalityWithPopulation {
  code: string
  name: string
  county_code: string
  county_name: string
  population: number | null
  population_date: string | null
}

/** Every municipality (of a county, if given) with its latest population figure on or before `onDate`. */
export async function municipalitiesWithPopulation (db: Db, onDate: string, county?: string): Promise<MunicipalityWithPopulation[]> {
  let query = db.selectFrom('municipalities as m')
    .innerJoin('counties as c', 'c.code', 'm.county_code')
    .leftJoinLateral(eb => eb.selectFrom('population_figures as f')
      .select(['f.population', 'f.reference_date'])
      .whereRef('f.municipality_code', '=', 'm.code')
      .where('f.reference_date', '<=', onDate)
      .orderBy('f.reference_date', 'desc').limit(1).as('f'), join => join.onTrue())
    .select(['m.code', 'm.name', 'm.county_code', 'c.name as county_name', 'f.population', 'f.reference_date as population_date'])
    .orderBy('m.code')
  if (county !== undefined) query = query.where('m.county_code', '=', county)
  return query.execute()
}

/** A decision that counts, with the condition cost shares report on. */
export interface StandingDecision extends DecisionFact { minimum_total_commitment: string | null }

/** The decisions on a period that count (not withdrawn) and had arrived by `asOf`. */
export async function standingDecisions (db: Db, periodId: number, asOf: string, county?: string): Promise<StandingDecision[]> {
  let query = db.selectFrom('decisions as d')
    .select(['d.id', 'd.municipality_code', 'd.outcome', 'd.received_on', 'd.first_year', 'd.minimum_total_commitment'])
    .where('d.period_id', '=', periodId)
    .where('d.received_on', '<=', asOf)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('decision_withdrawals as w').select(sql`1`.as('one')).whereRef('w.decision_id', '=', 'd.id'))))
  if (county !== undefined) query = query.where(sql<string>`left(d.municipality_code, 2)`, '=', county)
  return query.execute()
}
