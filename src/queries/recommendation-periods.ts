import { sql } from 'kysely'
import { jsonArrayFrom } from 'kysely/helpers/postgres'
import type { Db } from '../db/connection.ts'
import { problem } from '../plugins/problems.ts'
import { financingYears } from '../domain/recommendation-periods.ts'
import { lastDayToJoin } from '../domain/participation.ts'
import type { RecommendationPeriod, RecommendationPeriodInput } from '../schemas/recommendation-periods.ts'
import { referenceDataVersion } from './reference-data-version.ts'

function selectPeriods(db: Db) {
  return db.selectFrom('recommendation_periods as p').select(eb => [
    'p.id',
    'p.case_number',
    'p.title',
    'p.board_decision_date',
    'p.first_year',
    'p.last_year',
    'p.annual_budget',
    'p.cost_model',
    'p.rate_per_inhabitant',
    'p.population_reference_date',
    'p.weight_basis',
    'p.rounding_unit',
    'p.rounding_mode',
    'p.notes',
    'p.version',
    'p.created_at',
    'p.updated_at',
    // numeric goes through JSON as text, so it stays exact.
    jsonArrayFrom(
      eb
        .selectFrom('recommendation_period_years as y')
        .select(['y.year', sql<string>`y.index_adjustment::text`.as('index_adjustment'), 'y.join_deadline'])
        .whereRef('y.period_id', '=', 'p.id')
        .orderBy('y.year')
    ).as('years'),
    jsonArrayFrom(
      eb
        .selectFrom('recommendation_period_budget_lines as l')
        .select(['l.kind', 'l.description', sql<string | null>`l.annual_amount::text`.as('annual_amount')])
        .whereRef('l.period_id', '=', 'p.id')
        .orderBy('l.kind')
    ).as('budget_lines')
  ])
}

type PeriodRow = Awaited<ReturnType<ReturnType<typeof selectPeriods>['executeTakeFirstOrThrow']>>

const toPeriod = (row: PeriodRow): RecommendationPeriod => ({
  ...row,
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
  years: row.years.map(year => ({ ...year, last_day_to_join: lastDayToJoin(year) }))
})

export async function list(db: Db, filter: { case_number?: string }, page: { limit: number; offset: number }) {
  let query = selectPeriods(db)
  let count = db.selectFrom('recommendation_periods as p').select(eb => eb.fn.countAll<number>().as('n'))
  if (filter.case_number !== undefined) {
    query = query.where('p.case_number', '=', filter.case_number)
    count = count.where('p.case_number', '=', filter.case_number)
  }
  const [rows, total] = await Promise.all([
    query.orderBy('p.first_year').orderBy('p.id').limit(page.limit).offset(page.offset).execute(),
    count.executeTakeFirstOrThrow()
  ])
  return { items: rows.map(toPeriod), total: total.n }
}

/** Every period, oldest financing years first. */
export async function all(db: Db): Promise<RecommendationPeriod[]> {
  return (await selectPeriods(db).orderBy('p.first_year').orderBy('p.id').execute()).map(toPeriod)
}

export async function find(db: Db, id: number): Promise<RecommendationPeriod | undefined> {
  const row = await selectPeriods(db).where('p.id', '=', id).executeTakeFirst()
  return row && toPeriod(row)
}

/** The period, or a 404 problem naming it. */
export async function findOrFail(db: Db, id: number): Promise<RecommendationPeriod> {
  const period = await find(db, id)
  if (period === undefined) throw notFound(id)
  return period
}

/** The period and the reference data's version its statement saw (reference-data-version.ts), or a 404 problem. */
export async function findOrFailWithVersion(
  db: Db,
  id: number
): Promise<{ period: RecommendationPeriod; version: string | null }> {
  const row = await selectPeriods(db)
    .select(referenceDataVersion.as('reference_data_version'))
    .where('p.id', '=', id)
    .executeTakeFirst()
  if (row === undefined) throw notFound(id)
  const { reference_data_version: version, ...period } = row
  return { period: toPeriod(period), version }
}

const notFound = (id: number) => problem(404, `No recommendation period has id ${id}.`)

const periodColumns = (input: RecommendationPeriodInput) => ({
  case_number: input.case_number,
  title: input.title,
  board_decision_date: input.board_decision_date ?? null,
  first_year: input.first_year,
  last_year: input.last_year,
  annual_budget: input.annual_budget,
  cost_model: input.cost_model,
  rate_per_inhabitant: input.rate_per_inhabitant ?? null,
  population_reference_date: input.population_reference_date ?? null,
  weight_basis: input.cost_model === 'weighted_total' ? (input.weight_basis ?? 'imported') : null,
  rounding_unit: input.rounding_unit ?? 'krona',
  rounding_mode: input.rounding_mode ?? 'half_away_from_zero',
  notes: input.notes ?? null
})

/** Writes the period's years and budget lines, replacing what was there; years that drop out must be unused. */
async function writeParts(db: Db, periodId: number, input: RecommendationPeriodInput) {
  const years = financingYears(input).map(({ year, join_deadline }) => ({
    period_id: periodId,
    year,
    join_deadline,
    index_adjustment: input.years?.find(y => y.year === year)?.index_adjustment ?? '1'
  }))
  await db
    .deleteFrom('recommendation_period_years')
    .where('period_id', '=', periodId)
    .where(eb =>
      eb.not(
        eb(
          'year',
          'in',
          years.map(y => y.year)
        )
      )
    )
    .execute()
  await db
    .insertInto('recommendation_period_years')
    .values(years)
    .onConflict(oc =>
      oc.columns(['period_id', 'year']).doUpdateSet(eb => ({
        index_adjustment: eb.ref('excluded.index_adjustment'),
        join_deadline: eb.ref('excluded.join_deadline')
      }))
    )
    .execute()
  await db.deleteFrom('recommendation_period_budget_lines').where('period_id', '=', periodId).execute()
  if (input.budget_lines?.length) {
    await db
      .insertInto('recommendation_period_budget_lines')
      .values(input.budget_lines.map(line => ({ period_id: periodId, ...line })))
      .execute()
  }
}

/** Inserts a period unless its case number exists; returns the new id, or undefined. */
export async function insert(
  db: Db,
  input: RecommendationPeriodInput,
  apiKeyId: number | null
): Promise<number | undefined> {
  const inserted = await db
    .insertInto('recommendation_periods')
    .values({ ...periodColumns(input), updated_by_api_key_id: apiKeyId })
    .onConflict(oc => oc.column('case_number').doNothing())
    .returning('id')
    .executeTakeFirst()
  if (inserted !== undefined) await writeParts(db, inserted.id, input)
  return inserted?.id
}

/** Replaces the period if it is still at `version`; returns whether it was. */
export async function replace(
  db: Db,
  id: number,
  version: number,
  input: RecommendationPeriodInput,
  apiKeyId: number
): Promise<boolean> {
  const updated = await db
    .updateTable('recommendation_periods')
    .set({
      ...periodColumns(input),
      // Left out, a weighted total keeps the basis it has: an update from a client that predates the field must not
      // drop computed weights. One that was per inhabitant imports its weights.
      ...(input.cost_model === 'weighted_total' && input.weight_basis === undefined
        ? { weight_basis: sql<'membership_fee' | 'imported'>`coalesce(weight_basis, 'imported')` }
        : {}),
      version: sql<number>`version + 1`,
      updated_at: sql<Date>`now()`,
      updated_by_api_key_id: apiKeyId
    })
    .where('id', '=', id)
    .where('version', '=', version)
    .executeTakeFirst()
  if (updated.numUpdatedRows === 0n) return false
  await writeParts(db, id, input)
  return true
}

/** Holds the period still until the transaction ends: a write that depends on how it stands now. */
export async function lock(db: Db, id: number) {
  await db.selectFrom('recommendation_periods').select('id').where('id', '=', id).forUpdate().execute()
}

/** Switches a membership-fee period to its imported weights, as a change of the period (a new version). */
export async function useImportedWeights(db: Db, id: number, apiKeyId: number) {
  await db
    .updateTable('recommendation_periods')
    .set({
      weight_basis: 'imported',
      version: sql<number>`version + 1`,
      updated_at: sql<Date>`now()`,
      updated_by_api_key_id: apiKeyId
    })
    .where('id', '=', id)
    .where('weight_basis', '=', 'membership_fee')
    .execute()
}

/** First years of recorded adoptions that fall outside these years: the period may not lose them. */
export async function firstYearsOutside(db: Db, id: number, firstYear: number, lastYear: number): Promise<number[]> {
  const rows = await db
    .selectFrom('decisions')
    .select('first_year')
    .distinct()
    .where('period_id', '=', id)
    .where(eb => eb.or([eb('first_year', '<', firstYear), eb('first_year', '>', lastYear)]))
    .orderBy('first_year')
    .execute()
  return rows.map(row => row.first_year!)
}

export async function caseNumberTaken(db: Db, caseNumber: string, exceptId: number): Promise<boolean> {
  const row = await db
    .selectFrom('recommendation_periods')
    .select('id')
    .where('case_number', '=', caseNumber)
    .where('id', '<>', exceptId)
    .executeTakeFirst()
  return row !== undefined
}
