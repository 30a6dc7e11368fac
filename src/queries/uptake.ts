import { sql, type RawBuilder } from 'kysely'
import type { Db } from '../db/connection.ts'
import { supersedingFirst } from '../db/superseding.ts'
import type { DecisionFact } from '../domain/participation.ts'
import { referenceDataVersion } from './reference-data-version.ts'

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

export interface DecisionsAsked {
  periodId: number
  asOf: string
  /** Dates before `asOf` whose decision in force also counts (the last days to join of earlier years). */
  earlier: string[]
  county?: string | undefined
  /** Every standing decision received by `asOf`, not only those in force: for the timeline. */
  history?: boolean
}

/** What a report reads of the reference data, and the version it is of (reference-data-version.ts), or null without one. */
export interface MunicipalitiesAt {
  version: string | null
  municipalities: MunicipalityWithPopulation[]
}

/**
 * Every municipality (of a county, if given) with its population figure closest to the population date (the closer
 * of the nearest on either side: two probes of the primary key, however many figures it has), and in the same
 * statement the reference data's version they are of (null where there is no municipality to carry it).
 */
export async function municipalitiesAt(db: Db, populationDate: string, county?: string): Promise<MunicipalitiesAt> {
  // Of the nearest figures before (or on) and after the population date, the closer; the earlier of two as close.
  const closer = (prior: RawBuilder<unknown>, later: RawBuilder<unknown>) => sql`
    CASE WHEN later.reference_date IS NULL
      OR (prior.reference_date IS NOT NULL
        AND ${populationDate}::date - prior.reference_date <= later.reference_date - ${populationDate}::date)
    THEN ${prior} ELSE ${later} END`
  const { rows } = await sql<MunicipalityWithPopulation & { version: string | null }>`
    SELECT ${referenceDataVersion} AS version, m.code, m.name, m.county_code, c.name AS county_name,
      ${closer(sql.ref('prior.population'), sql.ref('later.population'))} AS population,
      ${closer(sql.ref('prior.reference_date'), sql.ref('later.reference_date'))} AS population_date
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
    ${county === undefined ? sql`` : sql`WHERE m.county_code = ${county}`}
    ORDER BY m.code`.execute(db)
  return {
    version: rows[0]?.version ?? null,
    municipalities: rows.map(({ version: _, ...municipality }) => municipality)
  }
}

/** The decisions' fields, a column each, in the order the statement below aggregates them. */
type DecisionColumns = [
  string[],
  number[],
  StandingDecision['outcome'][],
  string[],
  Array<number | null>,
  Array<string | null>
]
/** What array_agg gives where there is no decision. */
const NO_DECISIONS = [null, null, null, null, null, null]

/** The decisions a report reads, per municipality, and the reference data's version of the same snapshot. */
export interface StandingDecisions {
  version: string | null
  byMunicipality: Map<string, StandingDecision[]>
}

/**
 * The decisions a report on the period reads, per municipality (of a county, if given), and the version of the
 * reference data the same snapshot sees, in one statement.
 *
 * The decision in force on a date is the latest one received by then that was not withdrawn. The latest standing
 * decision of every municipality is kept by triggers (latest_decisions, migrations/0008), and it is the one in force
 * on `asOf` wherever it arrived by then: so a report reads one row per municipality however long the history grows.
 * Where it arrived later than a date asked about, the decisions are probed (decisions_latest_idx) for that date;
 * an earlier date where no decision arrived after it needs no probe, since the decision in force then still is.
 * Everything comes as JSON, with `numeric` as text so it stays exact (identity keys stay far below 2^53).
 */
export async function standingDecisions(db: Db, asked: DecisionsAsked): Promise<StandingDecisions> {
  const { periodId, asOf, earlier, county, history = false } = asked
  const decision = (alias: string, id = 'id') =>
    sql.raw(
      `${alias}.municipality_code, ${alias}.${id} AS id, ${alias}.outcome, ${alias}.received_on, ` +
        `${alias}.first_year, ${alias}.minimum_total_commitment::text AS minimum_total_commitment`
    )
  const standing = (cutoff: RawBuilder<unknown>) => sql`
    d.period_id = ${periodId} AND d.received_on <= ${cutoff}
      AND NOT EXISTS (SELECT 1 FROM decision_withdrawals w WHERE w.decision_id = d.id)`
  const inCounty = (alias: string) =>
    county === undefined
      ? sql``
      : sql`AND ${sql.ref(alias)}.municipality_code IN (SELECT code FROM municipalities WHERE county_code = ${county})`
  const dates = [asOf, ...earlier]
  const decisions = history
    ? sql`SELECT ${decision('d')} FROM decisions d WHERE ${standing(sql`${asOf}::date`)} ${inCounty('d')}`
    : sql`
      SELECT ${decision('k', 'decision_id')} FROM latest_decisions k
      WHERE k.period_id = ${periodId} AND k.received_on <= ${asOf}::date ${inCounty('k')}
      UNION ALL
      SELECT x.* FROM latest_decisions k
      CROSS JOIN LATERAL unnest(${dates}::date[]) AS u (cutoff)
      CROSS JOIN LATERAL (
        SELECT ${decision('d')} FROM decisions d
        WHERE d.municipality_code = k.municipality_code AND ${standing(sql.ref('u.cutoff'))}
        ORDER BY ${supersedingFirst('d')} LIMIT 1
      ) x
      WHERE k.period_id = ${periodId} AND k.received_on > ${[...dates].sort()[0]}::date AND u.cutoff < k.received_on
        ${inCounty('k')}`
  // One JSON array per column, not rows or objects: node-postgres would make a string of every field of every row as
  // they stream in, all alive until the last arrives, and JSON objects cost PostgreSQL twice the time to write and
  // Node far more to parse; at 10,000 municipalities those were most of a report's work and of the garbage collector's.
  const { rows } = await sql<{ version: string | null; decisions: string }>`
    SELECT ${referenceDataVersion} AS version, (
      SELECT json_build_array(array_agg(s.municipality_code), array_agg(s.id), array_agg(s.outcome),
        array_agg(s.received_on), array_agg(s.first_year), array_agg(s.minimum_total_commitment))
      FROM (${decisions}) s)::text AS decisions`.execute(db)
  const columns: DecisionColumns | typeof NO_DECISIONS = JSON.parse(rows[0]!.decisions)
  const byMunicipality = new Map<string, StandingDecision[]>()
  if (columns[0] === null) return { version: rows[0]!.version, byMunicipality }
  const [codes, ids, outcomes, receivedOn, firstYears, minimums] = columns as DecisionColumns
  for (let i = 0; i < ids.length; i++) {
    const d: StandingDecision = {
      municipality_code: codes[i]!,
      id: ids[i]!,
      outcome: outcomes[i]!,
      received_on: receivedOn[i]!,
      first_year: firstYears[i] as number | null,
      minimum_total_commitment: minimums[i] as string | null
    }
    const known = byMunicipality.get(d.municipality_code)
    if (known === undefined) byMunicipality.set(d.municipality_code, [d])
    else if (!known.some(k => k.id === d.id)) known.push(d) // found for two of the dates
  }
  return { version: rows[0]!.version, byMunicipality }
}
