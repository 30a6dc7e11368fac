import type { Db } from '../../db/connection.ts'
import { participationOf, type DecisionFact } from '../../domain/participation.ts'
import type { RecommendationPeriod } from '../recommendation-periods/schemas.ts'
import * as uptake from './queries.ts'

/** The date whose population the uptake shares use: the period's reference date, else the as-of date. */
export const populationDateOf = (period: RecommendationPeriod, asOf: string) => period.population_reference_date ?? asOf

/** Every municipality (of a county, if given) with its population and its participation in the period as of a date. */
export async function participationAsOf (db: Db, period: RecommendationPeriod, asOf: string, county?: string) {
  const [municipalities, decisions] = await Promise.all([
    uptake.municipalitiesWithPopulation(db, populationDateOf(period, asOf), county),
    uptake.standingDecisions(db, period.id, asOf, county)
  ])
  const byMunicipality = new Map<string, DecisionFact[]>()
  for (const decision of decisions) {
    const list = byMunicipality.get(decision.municipality_code)
    if (list === undefined) byMunicipality.set(decision.municipality_code, [decision])
    else list.push(decision)
  }
  return {
    decisions,
    municipalities: municipalities.map(m => ({ ...m, ...participationOf(byMunicipality.get(m.code) ?? [], period.years, asOf) }))
  }
}
