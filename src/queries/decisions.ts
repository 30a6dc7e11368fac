import { type QueryCreator, type Selectable, sql } from 'kysely'
import type { Db } from '../db/connection.ts'
import type { Database, DecisionsTable } from '../db/schema.ts'
import { supersedingRow } from '../db/superseding.ts'
import type { DecisionContext } from '../domain/decisions.ts'
import type { PeriodYear } from '../domain/participation.ts'
import type { Decision, DecisionListQuery } from '../schemas/decisions.ts'

export interface NewDecision {
  period_id: number
  municipality_code: string
  outcome: 'adopted' | 'declined'
  decided_on: string
  decided_by: string
  municipal_case_number: string | null
  minute_paragraph: string | null
  received_on: string
  conditions: string | null
  minimum_total_commitment: string | null
  document_url: string | null
  requested_first_year: number | null
  first_year: number | null
}

/**
 * The periods, years and municipalities a batch of decisions names: what checkDecision needs, read in one statement
 * (a decision costs its round trips: this one, its insert and the write path's one).
 */
export async function contextFor(
  db: Db,
  rows: ReadonlyArray<{ municipality_code?: unknown; period_id?: unknown; period_case_number?: unknown }>,
  today: string
): Promise<DecisionContext> {
  const strings = (values: unknown[]) => [...new Set(values.filter((v): v is string => typeof v === 'string'))]
  const ids = [...new Set(rows.map(r => r.period_id).filter((v): v is number => typeof v === 'number'))]
  const { rows: found } = await sql<{
    periods: Array<{ id: number; case_number: string; years: PeriodYear[] }>
    municipalities: string[]
  }>`
    SELECT
      (SELECT coalesce(json_agg(json_build_object('id', p.id, 'case_number', p.case_number, 'years', (
          SELECT coalesce(json_agg(json_build_object('year', y.year, 'join_deadline', y.join_deadline) ORDER BY y.year), '[]')
          FROM recommendation_period_years y WHERE y.period_id = p.id))), '[]')
        FROM recommendation_periods p
        WHERE p.case_number = ANY(${strings(rows.map(r => r.period_case_number))}::text[]) OR p.id = ANY(${ids}::bigint[])
      ) AS periods,
      (SELECT coalesce(json_agg(m.code), '[]') FROM municipalities m
        WHERE m.code = ANY(${strings(rows.map(r => r.municipality_code))}::text[])) AS municipalities`.execute(db)
  const { periods, municipalities } = found[0]!
  return {
    periodIdsByCaseNumber: new Map(periods.map(p => [p.case_number, p.id])),
    yearsByPeriodId: new Map(periods.map(p => [p.id, p.years])),
    knownMunicipalities: new Set(municipalities),
    today
  }
}

// PostgreSQL takes at most 65,535 parameters per statement; a decision has 14.
const ROWS_PER_INSERT = 2000

/** Inserts the decisions in order (in chunks, within the caller's transaction); returns their ids in that order. */
export async function insert(db: Db, rows: NewDecision[], apiKeyId: number): Promise<number[]> {
  const ids: number[] = []
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    const inserted = await db
      .insertInto('decisions')
      .values(rows.slice(start, start + ROWS_PER_INSERT).map(row => ({ ...row, recorded_by_api_key_id: apiKeyId })))
      .returning('id')
      .execute()
    ids.push(...inserted.map(row => row.id))
  }
  return ids
}

/**
 * Records one decision and reads it back as the API shows it, in one statement: the new row comes from the insert's
 * own RETURNING, which the same statement's reads of the table would not see.
 */
export async function insertOne(db: Db, row: NewDecision, apiKeyId: number): Promise<Decision> {
  const inserted = db.with('inserted', qb =>
    qb
      .insertInto('decisions')
      .values({ ...row, recorded_by_api_key_id: apiKeyId })
      .returningAll()
  )
  return toDecision(await withColumns(selectDecisions(inserted, sql`inserted`)).executeTakeFirstOrThrow())
}

/** The municipality a decision is of: whom withdrawing it acts for. */
export async function municipalityOf(db: Db, id: number): Promise<string | undefined> {
  return (await db.selectFrom('decisions').select('municipality_code').where('id', '=', id).executeTakeFirst())
    ?.municipality_code
}

/** Records a withdrawal; false when the decision had one already. */
export async function withdraw(db: Db, decisionId: number, reason: string, apiKeyId: number): Promise<boolean> {
  const inserted = await db
    .insertInto('decision_withdrawals')
    .values({ decision_id: decisionId, reason, withdrawn_by_api_key_id: apiKeyId })
    .onConflict(oc => oc.column('decision_id').doNothing())
    .returning('decision_id')
    .executeTakeFirst()
  return inserted !== undefined
}

/** Decisions with their period, municipality and withdrawal; `from` names the rows (a CTE of new ones, say). */
function selectDecisions(db: QueryCreator<Database>, from = sql<Selectable<DecisionsTable>>`decisions`) {
  return db
    .selectFrom(from.as('d'))
    .innerJoin('recommendation_periods as p', 'p.id', 'd.period_id')
    .innerJoin('municipalities as m', 'm.code', 'd.municipality_code')
    .leftJoin('decision_withdrawals as w', 'w.decision_id', 'd.id')
}

// A decision is superseded when the same municipality has a later (domain/participation.ts), standing decision on the
// same period.
const stateOf = sql<Decision['state']>`case
  when w.decision_id is not null then 'withdrawn'
  when exists (
    select 1 from decisions later
    where later.period_id = d.period_id and later.municipality_code = d.municipality_code
      and ${supersedingRow('later')} > ${supersedingRow('d')}
      and not exists (select 1 from decision_withdrawals lw where lw.decision_id = later.id)
  ) then 'superseded'
  else 'in_force' end`

const updatedAt = sql<Date>`greatest(d.recorded_at, w.withdrawn_at)`

function withColumns(query: ReturnType<typeof selectDecisions>) {
  return query.select([
    'd.id',
    'd.period_id',
    'p.case_number as period_case_number',
    'd.municipality_code',
    'm.name as municipality_name',
    'm.county_code',
    'd.outcome',
    'd.decided_on',
    'd.decided_by',
    'd.municipal_case_number',
    'd.minute_paragraph',
    'd.received_on',
    'd.conditions',
    'd.minimum_total_commitment',
    'd.document_url',
    'd.requested_first_year',
    'd.first_year',
    'd.recorded_at',
    stateOf.as('state'),
    'w.reason as withdrawal_reason',
    'w.withdrawn_at',
    updatedAt.as('updated_at')
  ])
}

type DecisionRow = Awaited<ReturnType<ReturnType<typeof withColumns>['executeTakeFirstOrThrow']>>

export const toDecision = ({ withdrawal_reason, withdrawn_at, ...row }: DecisionRow): Decision => ({
  ...row,
  recorded_at: row.recorded_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
  withdrawal:
    withdrawal_reason === null || withdrawn_at === null
      ? null
      : { reason: withdrawal_reason, withdrawn_at: withdrawn_at.toISOString() }
})

export async function find(db: Db, id: number): Promise<Decision | undefined> {
  const row = await withColumns(selectDecisions(db)).where('d.id', '=', id).executeTakeFirst()
  return row && toDecision(row)
}

type Filter = Omit<DecisionListQuery, 'page' | 'limit' | 'format'>

function filtered(db: Db, filter: Filter) {
  let query = selectDecisions(db)
  if (filter.period_id !== undefined) query = query.where('d.period_id', '=', filter.period_id)
  if (filter.municipality_code !== undefined) query = query.where('d.municipality_code', '=', filter.municipality_code)
  if (filter.county_code !== undefined) query = query.where('m.county_code', '=', filter.county_code)
  if (filter.outcome !== undefined) query = query.where('d.outcome', '=', filter.outcome)
  if (filter.state !== undefined) query = query.where(stateOf, '=', filter.state)
  if (filter.received_from !== undefined) query = query.where('d.received_on', '>=', filter.received_from)
  if (filter.received_to !== undefined) query = query.where('d.received_on', '<=', filter.received_to)
  if (filter.updated_since !== undefined) query = query.where(updatedAt, '>=', new Date(filter.updated_since))
  return query
}

/** In the order recorded, so that pages stay put while new decisions arrive. */
export async function list(db: Db, filter: Filter, page: { limit: number; offset: number }) {
  const [rows, total] = await Promise.all([
    withColumns(filtered(db, filter)).orderBy('d.id').limit(page.limit).offset(page.offset).execute(),
    filtered(db, filter)
      .select(eb => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
  ])
  return { items: rows.map(toDecision), total: total.n }
}
