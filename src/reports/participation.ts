import { todayInSweden } from '../clock.ts'
import type { Db } from '../db/connection.ts'
import { participationOf } from '../domain/participation.ts'
import type { RecommendationPeriod } from '../schemas/recommendation-periods.ts'
import * as uptake from '../queries/uptake.ts'
import { keptMunicipalities } from './municipalities.ts'
import { keptPeriod, readPeriod } from './periods.ts'
import type { Memo } from './read.ts'

/** The date whose population the uptake shares use: the period's reference date, else the as-of date. */
export const populationDateOf = (period: RecommendationPeriod, asOf: string) => period.population_reference_date ?? asOf

/** Reads of a report that a change of reference data between them would make disagree, before giving up. */
const ATTEMPTS = 3

/**
 * Every municipality (of a county, if given) with its population, its standing decisions and its participation in the
 * period as of a date. Participation asks only which decision was in force on the as-of date and on each year's last
 * day to join (domain/participation.ts), so only those decisions are read, unless `history` wants every one.
 *
 * The decisions come with the version of the reference data their snapshot sees, and the municipalities of that
 * version are a kept copy (municipalities.ts) or read. In a report's snapshot (read.ts) the two always agree; in a
 * write's transaction, where each statement sees the latest commits, a change of reference data committed between
 * them makes them disagree, and both are read again.
 */
export async function participationAsOf(
  db: Db,
  period: RecommendationPeriod,
  asOf: string,
  county?: string,
  history = false
) {
  const earlier = period.years.map(year => year.last_day_to_join).filter(lastDay => lastDay < asOf)
  const populationDate = populationDateOf(period, asOf)
  for (let attempt = 1; ; attempt++) {
    const standing = await uptake.standingDecisions(db, { periodId: period.id, asOf, earlier, county, history })
    const reference = await keptMunicipalities(db, standing.version, populationDate, county)
    if (reference.version === standing.version || reference.version === null) {
      const municipalities = reference.municipalities.map(m => {
        const decisions = standing.byMunicipality.get(m.code) ?? []
        const { status, decision, years } = participationOf(decisions, period.years, asOf)
        // One spread, then named fields: a second spread would copy property by property (10,000 per report).
        return { ...m, decisions, status, decision, years }
      })
      return { version: standing.version, decisions: municipalities.flatMap(m => m.decisions), municipalities }
    }
    if (attempt === ATTEMPTS) throw new Error(`the reference data changed ${ATTEMPTS} times while a report read it`)
  }
}

/**
 * What every report on a period starts from: the period, the as-of date (default today) and the participation then,
 * computed once per data version.
 *
 * One consistent state without a transaction: the decisions are read in one statement, and the period and the
 * municipalities are used only where they are of the version that statement saw. The period is the one kept from the
 * last report (periods.ts), so the first report after a decision costs that one statement; where the version moved
 * on, the period is read again, and the decisions with it.
 */
export function reportFor(
  memo: Memo,
  db: Db,
  asked: { period_id: number; as_of?: string | undefined; county?: string | undefined },
  history = false
) {
  const asOf = asked.as_of ?? todayInSweden()
  const key = `participation ${asked.period_id} ${asOf} ${asked.county ?? 'all'}${history ? ' with history' : ''}`
  return memo(key, () => participationReport(db, asked.period_id, asOf, asked.county, history))
}

async function participationReport(
  db: Db,
  periodId: number,
  asOf: string,
  county: string | undefined,
  history: boolean
) {
  let { period, version } = keptPeriod(periodId) ?? (await readPeriod(db, periodId))
  for (let attempt = 1; ; attempt++) {
    const participation = await participationAsOf(db, period, asOf, county, history)
    if (participation.version === version) {
      const heading = { period_id: period.id, period_case_number: period.case_number, as_of: asOf }
      return { period, asOf, municipalities: participation.municipalities, decisions: participation.decisions, heading }
    }
    if (attempt === ATTEMPTS) throw new Error(`the reference data changed ${ATTEMPTS} times while a report read it`)
    ;({ period, version } = await readPeriod(db, periodId))
  }
}
