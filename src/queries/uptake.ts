import { sql, type Expression, type RawBuilder } from 'kysely'
import type { Db } from '../db/connection.ts'
import { supersedingFirst } from '../db/superseding.ts'
import type { DecisionFact } from '../domain/participation.ts'

export interface MunicipalityWithPopulation {
  code: string
  name: string
  county_code: string
  county_name: string
  population: number | null
  population_date: string | null
}

/**
 * The municipalities a report covers and the decisions it reads, in one statement: one round trip, one snapshot. The
 * rows come as JSON, so `numeric` is selected as text to stay exact.
 */
export async function municipalitiesAndDecisions(
  db: Db,
  municipalities: Expression<MunicipalityWithPopulation>,
  decisions: Expression<StandingDecision>
) {
  const { rows } = await sql<{ municipalities: MunicipalityWithPopulation[]; decisions: StandingDecision[] }>`
    SELECT (SELECT coalesce(json_agg(m ORDER BY m.code), '[]') FROM (${municipalities}) m) AS municipalities,
      (SELECT coalesce(json_agg(d), '[]') FROM (${decisions}) d) AS decisions`.execute(db)
  const { municipalities: found, decisions: read } = rows[0]!
  // A decision in force on several of the dates asked about is read once for each.
  return { municipalities: found, decisions: [...new Map(read.map(row => [row.id, row])).values()] }
}

/** Every municipality (of a county, if given) with its latest population figure on or before `onDate`. */
export function municipalitiesWithPopulation(db: Db, onDate: string, county?: string) {
  let query = db
    .selectFrom('municipalities as m')
    .innerJoin('counties as c', 'c.code', 'm.county_code')
    .leftJoinLateral(
      eb =>
        eb
          .selectFrom('population_figures as f')
          .select(['f.population', 'f.reference_date'])
          .whereRef('f.municipality_code', '=', 'm.code')
          .where('f.reference_date', '<=', onDate)
          .orderBy('f.reference_date', 'desc')
          .limit(1)
          .as('f'),
      join => join.onTrue()
    )
    .select([
      'm.code',
      'm.name',
      'm.county_code',
      'c.name as county_name',
      'f.population',
      'f.reference_date as population_date'
    ])
    .orderBy('m.code')
  if (county !== undefined) query = query.where('m.county_code', '=', county)
  return query
}

/** A decision that counts, with the condition cost shares report on. */
export interface StandingDecision extends DecisionFact {
  minimum_total_commitment: string | null
}

/**
 * The decisions on a period that count (not withdrawn) and had arrived by `asOf`: the whole history, for the timeline.
 */
export function standingDecisions(db: Db, periodId: number, asOf: string, county?: string) {
  let query = db
    .selectFrom('decisions as d')
    .select(['d.id', 'd.municipality_code', 'd.outcome', 'd.received_on', 'd.first_year'])
    .select(sql<string | null>`d.minimum_total_commitment::text`.as('minimum_total_commitment'))
    .where('d.period_id', '=', periodId)
    .where('d.received_on', '<=', asOf)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(selectFrom('decision_withdrawals as w').select(sql`1`.as('one')).whereRef('w.decision_id', '=', 'd.id'))
      )
    )
  if (county !== undefined) query = query.where(sql<string>`left(d.municipality_code, 2)`, '=', county)
  return query
}

/**
 * The decisions in force on `asOf` and on each of the `earlier` dates: per municipality and date, the latest one
 * received by then that was not withdrawn. The latest standing decision of every municipality is kept by triggers
 * (latest_decisions, migrations/0008), and it is the one in force on `asOf` wherever it arrived by then: so a report
 * reads one row per municipality however long the history grows. Where it arrived later, and for an earlier date
 * only where a decision arrived after it, the decisions are probed (decisions_latest_idx).
 */
export function decisionsInForce(periodId: number, asOf: string, earlier: string[], county?: string) {
  const inForceOn = (cutoff: RawBuilder<unknown>, code: RawBuilder<unknown>) => sql`
    SELECT d.id, d.municipality_code, d.outcome, d.received_on, d.first_year,
      d.minimum_total_commitment::text AS minimum_total_commitment
    FROM decisions d
    WHERE d.period_id = ${periodId} AND d.municipality_code = ${code} AND d.received_on <= ${cutoff}
      AND NOT EXISTS (SELECT 1 FROM decision_withdrawals w WHERE w.decision_id = d.id)
    ORDER BY ${supersedingFirst('d')}
    LIMIT 1`
  return sql<StandingDecision>`
    WITH kept AS (
      SELECT l.* FROM latest_decisions l
      ${county === undefined ? sql`` : sql`JOIN municipalities m ON m.code = l.municipality_code AND m.county_code = ${county}`}
      WHERE l.period_id = ${periodId}
    ),
    latest AS (
      SELECT k.decision_id AS id, k.municipality_code, k.outcome, k.received_on, k.first_year,
        k.minimum_total_commitment::text AS minimum_total_commitment
      FROM kept k WHERE k.received_on <= ${asOf}::date
      UNION ALL
      SELECT d.* FROM kept k
      CROSS JOIN LATERAL (${inForceOn(sql`${asOf}::date`, sql.ref('k.municipality_code'))}) d
      WHERE k.received_on > ${asOf}::date
    )
    SELECT * FROM latest
    UNION ALL
    SELECT e.* FROM latest l
    CROSS JOIN unnest(${earlier}::date[]) AS c (cutoff)
    CROSS JOIN LATERAL (${inForceOn(sql.ref('c.cutoff'), sql.ref('l.municipality_code'))}) e
    WHERE c.cutoff < l.received_on`
}
