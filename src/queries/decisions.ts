import { sql } from 'kysely'
import type { Db } from '../db/connection.ts'
import { together } from '../db/together.ts'
import { supersedingRow } from '../db/superseding.ts'
import type { DecisionContext } from '../domain/decisions.ts'
import { type PeriodYear, supersedes } from '../domain/participation.ts'
import { formatOre, toOre } from '../domain/money.ts'
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
 * What recording one decision by itself needs besides the rules' context (http/write.ts's `single` write): an id and a
 * time reserved for it, so that its answer is complete before it is inserted; what the answer shows of its
 * municipality; and the latest standing decision of that municipality on the period it names, which may supersede it.
 */
export interface Reservation {
  id: number
  recorded_at: Date
  /** Null when the decision names no known period and municipality (then it breaks a rule and is not recorded). */
  shown: {
    period_case_number: string
    municipality_name: string
    county_code: string
    latest: { received_on: string; id: number } | null
  } | null
}

type DecisionNames = { municipality_code?: unknown; period_id?: unknown; period_case_number?: unknown }

const strings = (values: unknown[]) => [...new Set(values.filter((v): v is string => typeof v === 'string'))]
const stringOrNull = (value: unknown) => (typeof value === 'string' ? value : null)

/**
 * The periods, years and municipalities that `rows` name, and for each of `ones` a reservation: one statement
 * (decision_contexts, migrations/0015_decision_contexts_together.sql).
 */
async function readContexts(db: Db, rows: readonly DecisionNames[], ones: readonly DecisionNames[], today: string) {
  const ids = [...new Set(rows.map(r => r.period_id).filter((v): v is number => typeof v === 'number'))]
  const { rows: found } = await sql<{
    periods: Array<{ id: number; case_number: string; years: PeriodYear[] }>
    municipalities: string[]
    recorded_at: Date
    reservations: Array<{ id: number; shown: Reservation['shown'] }>
  }>`SELECT * FROM decision_contexts(${strings(rows.map(r => r.period_case_number))}::text[], ${ids}::bigint[],
    ${strings(rows.map(r => r.municipality_code))}::text[], ${ones.map(o => stringOrNull(o.municipality_code))}::text[],
    ${ones.map(o => stringOrNull(o.period_case_number))}::text[],
    ${ones.map(o => (typeof o.period_id === 'number' ? o.period_id : null))}::bigint[])`.execute(db)
  const { periods, municipalities, recorded_at, reservations } = found[0]!
  const context: DecisionContext = {
    periodIdsByCaseNumber: new Map(periods.map(p => [p.case_number, p.id])),
    yearsByPeriodId: new Map(periods.map(p => [p.id, p.years])),
    knownMunicipalities: new Set(municipalities),
    today
  }
  return { context, reservations: reservations.map(({ id, shown }): Reservation => ({ id, recorded_at, shown })) }
}

/** What checkDecision needs to check a batch of decisions (an import), read in one statement. */
export async function contextFor(db: Db, rows: readonly DecisionNames[], today: string): Promise<DecisionContext> {
  return (await readContexts(db, rows, [], today)).context
}

/**
 * What checkDecision needs to check one decision recorded by itself, with its reservation. Decisions posted at the same
 * moment read theirs in one statement (db/together.ts); a single decision costs this statement and the write's.
 */
export const contextForOne = together(async (db, asked: Array<{ row: DecisionNames; today: string }>) => {
  const rows = asked.map(a => a.row)
  const { context, reservations } = await readContexts(db, rows, rows, asked[0]!.today)
  return asked.map(({ today }, i) => ({ ...context, today, reservation: reservations[i]! }))
})

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
 * One decision's insert under its reservation, for a single write to make, and its answer: what `find` reads back once
 * it is committed. It is superseded from the start when its municipality's latest standing decision was received later.
 * The state is as of the reservation, a few milliseconds before the insert: a decision of the same municipality and
 * period recorded, or withdrawn, in between is not reflected, as no answer reflects the writes that follow it.
 */
export function insertOne(row: NewDecision, apiKeyId: number, { id, recorded_at, shown }: Reservation) {
  if (shown === null) throw new Error(`decision ${id} names no known period and municipality`)
  const { latest, ...names } = shown
  const decision: Decision = {
    id,
    ...row,
    ...names,
    minimum_total_commitment: row.minimum_total_commitment && formatOre(toOre(row.minimum_total_commitment)),
    state: latest !== null && supersedes(latest, { received_on: row.received_on, id }) ? 'superseded' : 'in_force',
    withdrawal: null,
    recorded_at: recorded_at.toISOString(),
    updated_at: recorded_at.toISOString()
  }
  const insert = { into: 'decisions', row: { id, ...row, recorded_at, recorded_by_api_key_id: apiKeyId } }
  return { insert, decision }
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

/** Decisions with their period, municipality and withdrawal. */
function selectDecisions(db: Db) {
  return db
    .selectFrom('decisions as d')
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
