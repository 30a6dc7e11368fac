import { sql, type RawBuilder } from 'kysely'
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

/** A decision that counts, with the condition cost shares report on. */
export interface StandingDecision extends DecisionFact {
  minimum_total_commitment: string | null
}

export interface MunicipalityWithDecisions extends MunicipalityWithPopulation {
  /** The decisions a report on it reads: those in force on the dates it asks about, or with `history` every one. */
  decisions: StandingDecision[]
}

export interface DecisionsAsked {
  periodId: number
  asOf: string
  /** Dates before `asOf` whose decision in force also counts (the last days to join of earlier years). */
  earlier: string[]
  /** Whose population figures: the one on this date, else the closest in time (domain/population-figures.ts). */
  populationDate: string
  county?: string | undefined
  /** Every standing decision received by `asOf`, not only those in force: for the timeline. */
  history?: boolean
}

/**
 * Every municipality (of a county, if given) with its population figure closest to the population date (the closer
 * of the nearest on either side: two probes of the primary key, however many figures it has) and the decisions a
 * report on the period reads, in one statement of one row per municipality.
 *
 * The decision in force on a date is the latest one received by then that was not withdrawn. The latest standing
 * decision of every municipality is kept by triggers (latest_decisions, migrations/0008), and it is the one in force
 * on `asOf` wherever it arrived by then: so a report reads one row per municipality however long the history grows.
 * Where it arrived later than a date asked about, the decisions are probed (decisions_latest_idx) for that date;
 * an earlier date where no decision arrived after it needs no probe, since the decision in force then still is.
 * The probed decisions come as JSON, with `numeric` as text so it stays exact.
 */
export async function municipalitiesWithDecisions(db: Db, asked: DecisionsAsked): Promise<MunicipalityWithDecisions[]> {
  const { periodId, asOf, earlier, populationDate, county, history = false } = asked
  const decision = (alias: string, id = 'id') =>
    sql.raw(
      `${alias}.${id} AS id, ${alias}.outcome, ${alias}.received_on, ${alias}.first_year, ` +
        `${alias}.minimum_total_commitment::text AS minimum_total_commitment`
    )
  const standing = (cutoff: RawBuilder<unknown>) => sql`
    FROM decisions d
    WHERE d.period_id = ${periodId} AND d.municipality_code = m.code AND d.received_on <= ${cutoff}
      AND NOT EXISTS (SELECT 1 FROM decision_withdrawals w WHERE w.decision_id = d.id)`
  // Of the nearest figures before (or on) and after the population date, the closer; the earlier of two as close.
  const closer = (prior: RawBuilder<unknown>, later: RawBuilder<unknown>) => sql`
    CASE WHEN later.reference_date IS NULL
      OR (prior.reference_date IS NOT NULL
        AND ${populationDate}::date - prior.reference_date <= later.reference_date - ${populationDate}::date)
    THEN ${prior} ELSE ${later} END`
  const dates = [asOf, ...earlier]
  const decisions = history
    ? sql`NULL::bigint AS id, NULL AS outcome, NULL::date AS received_on, NULL::int AS first_year,
        NULL AS minimum_total_commitment,
        (SELECT json_agg(x) FROM (SELECT ${decision('d')} ${standing(sql`${asOf}::date`)}) x) AS probed`
    : sql`${decision('k', 'decision_id')},
        CASE WHEN k.received_on > ${[...dates].sort()[0]}::date THEN (
          SELECT json_agg(x) FROM unnest(${dates}::date[]) AS u (cutoff)
          CROSS JOIN LATERAL (
            SELECT ${decision('d')} ${standing(sql.ref('u.cutoff'))} ORDER BY ${supersedingFirst('d')} LIMIT 1
          ) x
          WHERE u.cutoff < k.received_on
        ) END AS probed`
  const { rows } = await sql<Row>`
    SELECT m.code, m.name, m.county_code, c.name AS county_name,
      ${closer(sql.ref('prior.population'), sql.ref('later.population'))} AS population,
      ${closer(sql.ref('prior.reference_date'), sql.ref('later.reference_date'))} AS population_date,
      ${decisions}
    FROM municipalities m
    JOIN counties c ON c.code = m.county_code
    LEFT JOIN LATERAL (
      SELECT f.population, f.reference_date FROM population_figures f
      WHERE f.municipality_code = m.code AND f.reference_date <= ${populationDate}::date
      ORDER BY f.reference_date DESC LIMIT 1
    ) prior ON true
    LEFT JOIN LATERAL (
      SELECT f.population, f.reference_date FROM population_figures f
      WHERE f.municipality_code = m.code AND f.reference_date > ${populationDate}::date
      ORDER BY f.reference_date LIMIT 1
    ) later ON true
    ${history ? sql`` : sql`LEFT JOIN latest_decisions k ON k.period_id = ${periodId} AND k.municipality_code = m.code`}
    ${county === undefined ? sql`` : sql`WHERE m.county_code = ${county}`}
    ORDER BY m.code`.execute(db)
  return rows.map(({ id, outcome, received_on, first_year, minimum_total_commitment, probed, ...municipality }) => {
    const latest =
      id !== null && received_on !== null && outcome !== null && received_on <= asOf
        ? [{ id, outcome, received_on, first_year, minimum_total_commitment }]
        : []
    const read = [...latest, ...(probed ?? [])].map(
      d => [d.id, { ...d, municipality_code: municipality.code }] as const
    )
    return { ...municipality, decisions: [...new Map(read).values()] }
  })
}

/** A row of municipalitiesWithDecisions: the kept latest decision's columns, null where there is none. */
interface Row extends MunicipalityWithPopulation {
  id: number | null
  outcome: StandingDecision['outcome'] | null
  received_on: string | null
  first_year: number | null
  minimum_total_commitment: string | null
  probed: Array<Omit<StandingDecision, 'municipality_code'>> | null
}
