import { sql } from 'kysely'
import type { Db } from '../db/connection.ts'
import { EXACT_SCALE } from '../domain/cost-shares.ts'
import { formatScaled, scaled } from '../domain/money.ts'
import type { AllocationPlan, AllocationPlanInput } from '../schemas/register-allocations.ts'

/**
 * Takes the financing year's row lock until the transaction ends. Every write of a year's plans and payouts takes
 * it first, so they are checked against each other one at a time (the database's trigger takes it too). NO KEY UPDATE
 * conflicts with itself but not with the key-share locks foreign keys take, so rows that refer to the year never
 * deadlock on it.
 */
export async function lockFinancingYear(db: Db, periodId: number, year: number): Promise<void> {
  await sql`SELECT 1 FROM recommendation_period_years WHERE period_id = ${periodId} AND year = ${year} FOR NO KEY UPDATE`.execute(
    db
  )
}

export interface NewPlan {
  period_id: number
  year: number
  basis: AllocationPlanInput['basis']
  scaled_to_collected: boolean
  line_amount: string | null
  budget: string
  collected: string | null
  total: string
}

/**
 * Records a new version of the year's plan with its allocations, in the caller's transaction (holding the year's lock).
 */
export async function insert(
  db: Db,
  plan: NewPlan,
  allocations: Array<{ register_code: string; percent: string | null; fixed_amount: string | null; amount: string }>,
  apiKeyId: number
) {
  const { id } = await db
    .insertInto('register_allocation_plans')
    .values({
      ...plan,
      version: sql<number>`(SELECT coalesce(max(version), 0) + 1 FROM register_allocation_plans WHERE period_id = ${plan.period_id} AND year = ${plan.year})`,
      recorded_by_api_key_id: apiKeyId
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await db
    .insertInto('register_allocations')
    .values(allocations.map(a => ({ plan_id: id, ...a })))
    .execute()
}

/** The latest plan of each year of a period (or of one year), or one version of one year's plan. */
export async function plans(
  db: Db,
  periodId: number,
  which: { year?: number; version?: number } = {}
): Promise<AllocationPlan[]> {
  let query = db
    .selectFrom('register_allocation_plans as pl')
    .innerJoin('recommendation_periods as p', 'p.id', 'pl.period_id')
    .select([
      'pl.id',
      'pl.period_id',
      'p.case_number as period_case_number',
      'pl.year',
      'pl.version',
      'pl.basis',
      'pl.scaled_to_collected',
      'pl.line_amount',
      'pl.budget',
      'pl.collected',
      'pl.total',
      'pl.recorded_at'
    ])
    .where('pl.period_id', '=', periodId)
  if (which.year !== undefined) query = query.where('pl.year', '=', which.year)
  query =
    which.version === undefined
      ? query.distinctOn('pl.year').orderBy('pl.year').orderBy('pl.version', 'desc')
      : query.where('pl.version', '=', which.version)
  const rows = await query.execute()
  if (rows.length === 0) return []
  const allocations = await db
    .selectFrom('register_allocations as a')
    .innerJoin('quality_registers as r', 'r.code', 'a.register_code')
    .select(['a.plan_id', 'a.register_code', 'r.name as register_name', 'a.percent', 'a.fixed_amount', 'a.amount'])
    .where(
      'a.plan_id',
      'in',
      rows.map(r => r.id)
    )
    .orderBy('a.plan_id')
    .orderBy('a.register_code')
    .execute()
  return rows.map(({ id, budget, recorded_at, ...row }) => ({
    ...row,
    budget: formatScaled(scaled(budget, EXACT_SCALE), EXACT_SCALE),
    recorded_at: recorded_at.toISOString(),
    registers: allocations.filter(a => a.plan_id === id).map(({ plan_id: _, ...a }) => a)
  }))
}
