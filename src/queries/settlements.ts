import { sql } from 'kysely'
import type { Db } from '../db/connection.ts'
import { EXACT_SCALE } from '../domain/cost-shares.ts'
import { formatScaled, scaled } from '../domain/money.ts'
import { type AdjustmentKind, adjustmentStatus } from '../domain/settlements.ts'
import type { Adjustment, AdjustmentFilter, Settlement } from '../schemas/settlements.ts'

function adjustments(db: Db) {
  return (
    db
      .selectFrom('adjustments as a')
      .innerJoin('recommendation_periods as p', 'p.id', 'a.period_id')
      .innerJoin('municipalities as m', 'm.code', 'a.municipality_code')
      .leftJoin('adjustment_payments as pay', 'pay.adjustment_id', 'a.id')
      .select([
        'a.id',
        'a.settlement_id',
        'a.period_id',
        'p.case_number as period_case_number',
        'a.year',
        'a.municipality_code',
        'm.name as municipality_name',
        'a.kind',
        'a.reference',
        'a.invoice_id',
        'a.sequence',
        'a.invoice_date',
        'a.amount',
        'a.exact_amount',
        'a.previously_invoiced',
        'a.previously_invoiced_exact',
        'a.share_amount',
        'a.share_exact_amount',
        'a.population',
        'a.population_date',
        'a.population_basis',
        'a.weight',
        'a.rate_per_inhabitant',
        'a.index_adjustment',
        'a.decision_id',
        'pay.paid_on',
        'pay.payment_reference',
        'pay.recorded_at'
      ])
      // Numbered after the invoice, whose reference is case number, year and code (queries/invoicing.ts, lockYear).
      .select(sql<string>`p.case_number || '-' || a.year || '-' || a.municipality_code`.as('invoice_reference'))
  )
}

type AdjustmentRow = Awaited<ReturnType<ReturnType<typeof adjustments>['executeTakeFirstOrThrow']>>

// numeric(24,10) reads with all ten decimals; shown like every exact amount, trailing zeros dropped.
const exact = (value: string) => formatScaled(scaled(value, EXACT_SCALE), EXACT_SCALE)

const toAdjustment = ({ paid_on, payment_reference, recorded_at, ...row }: AdjustmentRow): Adjustment => ({
  ...row,
  exact_amount: exact(row.exact_amount),
  previously_invoiced_exact: exact(row.previously_invoiced_exact),
  share_exact_amount: exact(row.share_exact_amount),
  status: adjustmentStatus(row.kind, paid_on),
  payment: paid_on === null ? null : { paid_on, payment_reference, recorded_at: recorded_at!.toISOString() }
})

const STATUS_PAID = { paid: 'supplementary_invoice', refunded: 'credit_note' } as const

export async function list(db: Db, filter: AdjustmentFilter, page: { limit: number; offset: number }) {
  let query = adjustments(db)
  if (filter.period_id !== undefined) query = query.where('a.period_id', '=', filter.period_id)
  if (filter.year !== undefined) query = query.where('a.year', '=', filter.year)
  if (filter.municipality_code !== undefined) query = query.where('a.municipality_code', '=', filter.municipality_code)
  if (filter.kind !== undefined) query = query.where('a.kind', '=', filter.kind)
  if (filter.status === 'outstanding') query = query.where('pay.paid_on', 'is', null)
  else if (filter.status !== undefined)
    query = query.where('pay.paid_on', 'is not', null).where('a.kind', '=', STATUS_PAID[filter.status])
  const [rows, count] = await Promise.all([
    query.orderBy('a.id').limit(page.limit).offset(page.offset).execute(),
    query
      .clearSelect()
      .select(eb => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
  ])
  return { items: rows.map(toAdjustment), total: Number(count.n) }
}

export async function find(db: Db, id: number): Promise<Adjustment | undefined> {
  const row = await adjustments(db).where('a.id', '=', id).executeTakeFirst()
  return row && toAdjustment(row)
}

/** The municipality an adjustment is addressed to: whom recording its payment acts for. */
export async function municipalityOf(db: Db, id: number): Promise<string | undefined> {
  return (await db.selectFrom('adjustments').select('municipality_code').where('id', '=', id).executeTakeFirst())
    ?.municipality_code
}

/** Every adjustment of a period, in the order issued: for the cost-share report and the next settlement. */
export async function ofPeriod(db: Db, periodId: number): Promise<Adjustment[]> {
  return (await adjustments(db).where('a.period_id', '=', periodId).orderBy('a.id').execute()).map(toAdjustment)
}

export async function findSettlement(db: Db, id: number): Promise<Settlement | undefined> {
  const settlement = await db
    .selectFrom('settlements as s')
    .innerJoin('recommendation_periods as p', 'p.id', 's.period_id')
    .select([
      's.id',
      's.period_id',
      'p.case_number as period_case_number',
      's.year',
      's.invoice_date',
      's.as_of',
      's.settled_at',
      's.substitute_population_decided_by',
      's.substitute_population_reason'
    ])
    .where('s.id', '=', id)
    .executeTakeFirst()
  if (settlement === undefined) return undefined
  const rows = (await adjustments(db).where('a.settlement_id', '=', id).orderBy('a.municipality_code').execute()).map(
    toAdjustment
  )
  const sum = (kind: AdjustmentKind) =>
    formatScaled(
      rows.filter(r => r.kind === kind).reduce((total, r) => total + scaled(r.amount, 2), 0n),
      2
    )
  const {
    substitute_population_decided_by: decided_by,
    substitute_population_reason: reason,
    settled_at,
    ...rest
  } = settlement
  return {
    ...rest,
    settled_at: settled_at.toISOString(),
    substitute_population: decided_by === null || reason === null ? null : { decided_by, reason },
    credited: sum('credit_note'),
    debited: sum('supplementary_invoice'),
    adjustments: rows
  }
}

export interface NewAdjustment {
  municipality_code: string
  invoice_id: number | null
  sequence: number
  reference: string
  kind: AdjustmentKind
  amount: string
  exact_amount: string
  previously_invoiced: string
  previously_invoiced_exact: string
  share_amount: string
  share_exact_amount: string
  population: number | null
  population_date: string | null
  population_basis: 'reference_date' | 'substitute' | null
  weight: string | null
  rate_per_inhabitant: string | null
  index_adjustment: string
  decision_id: number | null
}

// PostgreSQL takes at most 65,535 parameters per statement; an adjustment has 22.
const ROWS_PER_INSERT = 2000

/**
 * Waits for any other settlement of the year to end, so two settling at once cannot both issue the same adjustment:
 * the second then computes from what the first issued. A row lock on the invoiced year, which is never updated.
 */
export async function lockYear(db: Db, periodId: number, year: number) {
  await db
    .selectFrom('invoiced_years')
    .select('year')
    .where('period_id', '=', periodId)
    .where('year', '=', year)
    .forUpdate()
    .execute()
}

/** Records a settlement and its adjustments in the caller's transaction; returns the settlement's id. */
export async function insert(
  db: Db,
  settlement: {
    period_id: number
    year: number
    invoice_date: string
    as_of: string
    apiKeyId: number
    substitute_population: { decided_by: string; reason: string } | null
  },
  rows: NewAdjustment[]
): Promise<number> {
  const { id } = await db
    .insertInto('settlements')
    .values({
      period_id: settlement.period_id,
      year: settlement.year,
      invoice_date: settlement.invoice_date,
      as_of: settlement.as_of,
      settled_by_api_key_id: settlement.apiKeyId,
      substitute_population_decided_by: settlement.substitute_population?.decided_by ?? null,
      substitute_population_reason: settlement.substitute_population?.reason ?? null
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT)
    await db
      .insertInto('adjustments')
      .values(
        rows.slice(start, start + ROWS_PER_INSERT).map(row => ({
          ...row,
          settlement_id: id,
          period_id: settlement.period_id,
          year: settlement.year,
          invoice_date: settlement.invoice_date
        }))
      )
      .execute()
  return id
}

export async function recordPayment(
  db: Db,
  adjustmentId: number,
  payment: { paid_on: string; payment_reference: string | null },
  apiKeyId: number
) {
  await db
    .insertInto('adjustment_payments')
    .values({ adjustment_id: adjustmentId, ...payment, recorded_by_api_key_id: apiKeyId })
    .execute()
}
