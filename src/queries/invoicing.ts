import { sql } from 'kysely'
import type { Db } from '../db/connection.ts'
import { EXACT_SCALE } from '../domain/cost-shares.ts'
import { formatOre, formatScaled, scaled, toOre } from '../domain/money.ts'
import { adjustmentStatus, signed } from '../domain/settlements.ts'
import type { AdjustedInvoice, InvoiceFilter } from '../schemas/invoicing.ts'

function invoices(db: Db) {
  return db
    .selectFrom('invoices as i')
    .innerJoin('recommendation_periods as p', 'p.id', 'i.period_id')
    .innerJoin('municipalities as m', 'm.code', 'i.municipality_code')
    .leftJoin('invoice_payments as pay', 'pay.invoice_id', 'i.id')
    .select([
      'i.id',
      'i.period_id',
      'p.case_number as period_case_number',
      'i.year',
      'i.municipality_code',
      'm.name as municipality_name',
      'i.reference',
      'i.invoice_date',
      'i.amount',
      'i.exact_amount',
      'i.population',
      'i.population_date',
      'i.population_basis',
      'i.weight',
      'i.rate_per_inhabitant',
      'i.index_adjustment',
      'i.decision_id',
      'pay.paid_on',
      'pay.payment_reference',
      'pay.recorded_at'
    ])
}

type InvoiceRow = Awaited<ReturnType<ReturnType<typeof invoices>['executeTakeFirstOrThrow']>>

/** An invoice as issued, without the adjustments settlements have made to it since. */
export type IssuedInvoice = Omit<AdjustedInvoice, 'adjustments' | 'invoiced_total'>

const toInvoice = ({ paid_on, payment_reference, recorded_at, exact_amount, ...row }: InvoiceRow): IssuedInvoice => ({
  ...row,
  // numeric(24,10) reads with all ten decimals; shown like every exact amount, trailing zeros dropped.
  exact_amount: formatScaled(scaled(exact_amount, EXACT_SCALE), EXACT_SCALE),
  status: paid_on === null ? 'unpaid' : 'paid',
  payment: paid_on === null ? null : { paid_on, payment_reference, recorded_at: recorded_at!.toISOString() }
})

/** The invoices with the adjustments made to them, in one more statement. */
async function withAdjustments(db: Db, issued: IssuedInvoice[]): Promise<AdjustedInvoice[]> {
  if (issued.length === 0) return []
  const rows = await db
    .selectFrom('adjustments as a')
    .leftJoin('adjustment_payments as pay', 'pay.adjustment_id', 'a.id')
    .select(['a.id', 'a.invoice_id', 'a.kind', 'a.reference', 'a.invoice_date', 'a.amount', 'pay.paid_on'])
    .where(
      'a.invoice_id',
      'in',
      issued.map(i => i.id)
    )
    .orderBy('a.id')
    .execute()
  const of = Map.groupBy(rows, row => row.invoice_id!)
  return issued.map(invoice => {
    const adjustments = of.get(invoice.id) ?? []
    return {
      ...invoice,
      adjustments: adjustments.map(({ invoice_id: _, paid_on, ...a }) => ({
        ...a,
        status: adjustmentStatus(a.kind, paid_on)
      })),
      invoiced_total: formatOre(
        adjustments.reduce((total, a) => total + signed(a.kind, toOre(a.amount)), toOre(invoice.amount))
      )
    }
  })
}

export async function list(db: Db, filter: InvoiceFilter, page: { limit: number; offset: number }) {
  let query = invoices(db)
  if (filter.period_id !== undefined) query = query.where('i.period_id', '=', filter.period_id)
  if (filter.year !== undefined) query = query.where('i.year', '=', filter.year)
  if (filter.municipality_code !== undefined) query = query.where('i.municipality_code', '=', filter.municipality_code)
  if (filter.status !== undefined) query = query.where('pay.paid_on', filter.status === 'paid' ? 'is not' : 'is', null)
  const [rows, count] = await Promise.all([
    query.orderBy('i.id').limit(page.limit).offset(page.offset).execute(),
    query
      .clearSelect()
      .select(eb => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
  ])
  return { items: await withAdjustments(db, rows.map(toInvoice)), total: Number(count.n) }
}

/** The municipality an invoice is addressed to: whom recording its payment acts for. */
export async function municipalityOf(db: Db, id: number): Promise<string | undefined> {
  return (await db.selectFrom('invoices').select('municipality_code').where('id', '=', id).executeTakeFirst())
    ?.municipality_code
}

export async function find(db: Db, id: number): Promise<AdjustedInvoice | undefined> {
  const row = await invoices(db).where('i.id', '=', id).executeTakeFirst()
  return row && (await withAdjustments(db, [toInvoice(row)]))[0]
}

/** Every invoice of a period as issued, for the cost-share report (which reads the adjustments itself). */
export async function ofPeriod(db: Db, periodId: number): Promise<IssuedInvoice[]> {
  return (await invoices(db).where('i.period_id', '=', periodId).orderBy('i.municipality_code').execute()).map(
    toInvoice
  )
}

/** A period's invoiced years with their invoice counts and sums. */
export async function invoicedYears(db: Db, periodId: number, year?: number) {
  let query = db
    .selectFrom('invoiced_years as y')
    .innerJoin('recommendation_periods as p', 'p.id', 'y.period_id')
    .select([
      'y.period_id',
      'p.case_number as period_case_number',
      'y.year',
      'y.invoice_date',
      'y.as_of',
      'y.locked_at',
      'y.substitute_population_decided_by',
      'y.substitute_population_reason'
    ])
    .select(eb => [
      eb
        .selectFrom('invoices as i')
        .whereRef('i.period_id', '=', 'y.period_id')
        .whereRef('i.year', '=', 'y.year')
        .select(eb.fn.countAll<number>().as('n'))
        .as('invoice_count'),
      eb
        .selectFrom('invoices as i')
        .whereRef('i.period_id', '=', 'y.period_id')
        .whereRef('i.year', '=', 'y.year')
        .select(sql<string>`coalesce(sum(i.amount), 0)::numeric(14, 2)`.as('s'))
        .as('invoiced'),
      eb
        .selectFrom('adjustments as a')
        .whereRef('a.period_id', '=', 'y.period_id')
        .whereRef('a.year', '=', 'y.year')
        .select(
          sql<string>`coalesce(sum(CASE a.kind WHEN 'credit_note' THEN -a.amount ELSE a.amount END), 0)::numeric(14, 2)`.as(
            's'
          )
        )
        .as('adjusted')
    ])
    .where('y.period_id', '=', periodId)
  if (year !== undefined) query = query.where('y.year', '=', year)
  const rows = await query.orderBy('y.year').execute()
  return rows.map(
    ({ substitute_population_decided_by: decided_by, substitute_population_reason: reason, adjusted, ...row }) => ({
      ...row,
      invoiced_total: formatOre(toOre(row.invoiced!) + toOre(adjusted!)),
      substitute_population: decided_by === null || reason === null ? null : { decided_by, reason },
      invoice_count: Number(row.invoice_count),
      invoiced: row.invoiced!,
      locked_at: row.locked_at.toISOString()
    })
  )
}

export interface NewInvoice {
  municipality_code: string
  amount: string
  exact_amount: string
  population: number | null
  population_date: string | null
  population_basis: 'reference_date' | 'substitute' | null
  weight: string | null
  rate_per_inhabitant: string | null
  index_adjustment: string
  decision_id: number
}

// PostgreSQL takes at most 65,535 parameters per statement; an invoice has 14.
const ROWS_PER_INSERT = 2000

/**
 * Locks the year and writes its invoices, in the caller's transaction. A second lock of the year violates the primary
 * key.
 */
export async function lockYear(
  db: Db,
  lock: {
    period_id: number
    case_number: string
    year: number
    invoice_date: string
    as_of: string
    apiKeyId: number
    substitute_population: { decided_by: string; reason: string } | null
  },
  rows: NewInvoice[]
) {
  await db
    .insertInto('invoiced_years')
    .values({
      period_id: lock.period_id,
      year: lock.year,
      invoice_date: lock.invoice_date,
      as_of: lock.as_of,
      locked_by_api_key_id: lock.apiKeyId,
      substitute_population_decided_by: lock.substitute_population?.decided_by ?? null,
      substitute_population_reason: lock.substitute_population?.reason ?? null
    })
    .execute()
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    await db
      .insertInto('invoices')
      .values(
        rows.slice(start, start + ROWS_PER_INSERT).map(row => ({
          ...row,
          period_id: lock.period_id,
          year: lock.year,
          invoice_date: lock.invoice_date,
          reference: `${lock.case_number}-${lock.year}-${row.municipality_code}`
        }))
      )
      .execute()
  }
}

export async function recordPayment(
  db: Db,
  invoiceId: number,
  payment: { paid_on: string; payment_reference: string | null },
  apiKeyId: number
) {
  await db
    .insertInto('invoice_payments')
    .values({ invoice_id: invoiceId, ...payment, recorded_by_api_key_id: apiKeyId })
    .execute()
}
