import { jsonArrayFrom } from 'kysely/helpers/postgres'
import { sql } from 'kysely'
import type { Db } from '../db/connection.ts'
import { toOre } from '../domain/money.ts'
import type { StatusChange } from '../domain/register-payouts.ts'
import type { Payout, PayoutFilter, PayoutInput } from '../schemas/register-payouts.ts'

function payouts(db: Db) {
  return db
    .selectFrom('register_payouts as o')
    .innerJoin('recommendation_periods as p', 'p.id', 'o.period_id')
    .innerJoin('quality_registers as r', 'r.code', 'o.register_code')
    .select(eb => [
      'o.id',
      'o.period_id',
      'p.case_number as period_case_number',
      'o.year',
      'o.register_code',
      'r.name as register_name',
      'o.amount',
      'o.status',
      'o.paid_on',
      'o.payment_reference',
      'o.note',
      'o.created_at',
      'o.updated_at',
      jsonArrayFrom(
        eb
          .selectFrom('register_payout_events as e')
          .select(['e.status', 'e.reason', 'e.recorded_at'])
          .whereRef('e.payout_id', '=', 'o.id')
          .orderBy('e.id')
      ).as('history')
    ])
}

type PayoutRow = Awaited<ReturnType<ReturnType<typeof payouts>['executeTakeFirstOrThrow']>>

const toPayout = ({ created_at, updated_at, history, ...row }: PayoutRow): Payout => ({
  ...row,
  created_at: created_at.toISOString(),
  updated_at: updated_at.toISOString(),
  // Timestamps inside JSON arrive as PostgreSQL writes them; shown like every other one.
  history: history.map(event => ({ ...event, recorded_at: new Date(event.recorded_at).toISOString() }))
})

export async function list(db: Db, filter: PayoutFilter, page: { limit: number; offset: number }) {
  let query = payouts(db)
  if (filter.period_id !== undefined) query = query.where('o.period_id', '=', filter.period_id)
  if (filter.year !== undefined) query = query.where('o.year', '=', filter.year)
  if (filter.register_code !== undefined) query = query.where('o.register_code', '=', filter.register_code)
  if (filter.status !== undefined) query = query.where('o.status', '=', filter.status)
  const [rows, count] = await Promise.all([
    query.orderBy('o.id').limit(page.limit).offset(page.offset).execute(),
    query
      .clearSelect()
      .select(eb => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
  ])
  return { items: rows.map(toPayout), total: Number(count.n) }
}

export async function find(db: Db, id: number): Promise<Payout | undefined> {
  const row = await payouts(db).where('o.id', '=', id).executeTakeFirst()
  return row && toPayout(row)
}

/** Where a payout belongs, read without its lock: to know which year to lock. */
export async function yearOf(db: Db, id: number) {
  return db.selectFrom('register_payouts').select(['period_id', 'year']).where('id', '=', id).executeTakeFirst()
}

/** Each register's payouts of a period, in öre, by year and status; cancelled ones are left out. */
export async function sums(db: Db, periodId: number, year?: number) {
  let query = db
    .selectFrom('register_payouts')
    .select(['year', 'register_code', 'status', sql<string>`sum(amount)::numeric(14, 2)`.as('amount')])
    .where('period_id', '=', periodId)
    .where('status', '<>', 'cancelled')
    .groupBy(['year', 'register_code', 'status'])
  if (year !== undefined) query = query.where('year', '=', year)
  return (await query.execute()).map(row => ({ ...row, amount: toOre(row.amount) }))
}

/**
 * What each register's payouts of a year take together, in öre: all but cancelled ones count against its allocation.
 */
export async function committedByRegister(db: Db, periodId: number, year: number): Promise<Map<string, bigint>> {
  const committed = new Map<string, bigint>()
  for (const sum of await sums(db, periodId, year))
    committed.set(sum.register_code, (committed.get(sum.register_code) ?? 0n) + sum.amount)
  return committed
}

export async function insert(db: Db, input: PayoutInput, apiKeyId: number): Promise<number> {
  const { id } = await db
    .insertInto('register_payouts')
    .values({
      period_id: input.period_id,
      year: input.year,
      register_code: input.register_code,
      amount: input.amount,
      note: input.note ?? null
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await db
    .insertInto('register_payout_events')
    .values({ payout_id: id, status: 'planned', reason: null, recorded_by_api_key_id: apiKeyId })
    .execute()
  return id
}

export async function changeStatus(db: Db, id: number, change: StatusChange, apiKeyId: number): Promise<void> {
  await db
    .updateTable('register_payouts')
    .set({
      status: change.status,
      paid_on: change.paid_on ?? null,
      payment_reference: change.payment_reference ?? null,
      updated_at: sql<Date>`now()`
    })
    .where('id', '=', id)
    .execute()
  await db
    .insertInto('register_payout_events')
    .values({ payout_id: id, status: change.status, reason: change.reason ?? null, recorded_by_api_key_id: apiKeyId })
    .execute()
}
