import type { Static } from 'typebox'
import type { Db } from '../db/connection.ts'
import { formatOre, toOre } from '../domain/money.ts'
import { costSharesOf } from './cost-shares.ts'
import * as qualityRegisters from '../queries/quality-registers.ts'
import * as allocations from '../queries/register-allocations.ts'
import * as periods from '../queries/recommendation-periods.ts'
import type { RecommendationPeriod } from '../schemas/recommendation-periods.ts'
import * as payouts from '../queries/register-payouts.ts'
import type { PayoutReportYear, RegisterFunds } from '../schemas/register-payouts.ts'
import { inOneSnapshot, type Memo } from './read.ts'

/** A period and its payout report as of a date, read in one snapshot and computed once per data version. */
export const payoutReport = (memo: Memo, db: Db, periodId: number, asOf: string) =>
  memo(`payout report ${periodId} ${asOf}`, () =>
    inOneSnapshot(db, async db => {
      const period = await periods.findOrFail(db, periodId)
      return { period, years: await payoutReportOf(db, period, asOf) }
    })
  )

/**
 * Every financing year's register money: what was collected (invoiced, or projected from the cost shares as of
 * `asOf` until the year is invoiced), what the latest plan allocates to each register, and what its payouts take.
 */
export async function payoutReportOf(
  db: Db,
  period: RecommendationPeriod,
  asOf: string
): Promise<Array<Static<typeof PayoutReportYear>>> {
  const [years, plans, sums, registers] = await Promise.all([
    costSharesOf(db, period, asOf),
    allocations.plans(db, period.id),
    payouts.sums(db, period.id),
    qualityRegisters.all(db)
  ])
  return years.map(({ year, totals, invoicing }) => {
    const plan = plans.find(p => p.year === year)
    const rows = registers.flatMap(({ code, name }): Array<Static<typeof RegisterFunds>> => {
      const allocation = plan?.registers.find(r => r.register_code === code)
      const mine = sums.filter(s => s.year === year && s.register_code === code)
      if (allocation === undefined && mine.length === 0) return []
      const of = (status: string) => mine.find(s => s.status === status)?.amount ?? 0n
      const allocated = toOre(allocation?.amount ?? '0')
      return [
        { register_code: code, register_name: name, ...funds(allocated, of('planned'), of('approved'), of('paid')) }
      ]
    })
    const total = (field: 'allocated' | 'planned' | 'approved' | 'paid') =>
      rows.reduce((sum, r) => sum + toOre(r[field]), 0n)
    const collected = toOre(invoicing?.invoiced_total ?? totals.collected)
    const allocated = total('allocated')
    return {
      year,
      collected: formatOre(collected),
      collected_basis: invoicing === null ? 'projected' : 'invoiced',
      settlement:
        invoicing === null
          ? null
          : {
              credited: invoicing.credited,
              debited: invoicing.debited,
              difference_to_settle: invoicing.difference_to_settle,
              open_differences: invoicing.open_differences
            },
      allocation:
        plan === undefined
          ? null
          : { version: plan.version, basis: plan.basis, scaled_to_collected: plan.scaled_to_collected },
      allocated_to_registers: formatOre(allocated),
      planned: formatOre(total('planned')),
      approved: formatOre(total('approved')),
      paid_out: formatOre(total('paid')),
      remaining: formatOre(allocated - total('paid')),
      left_for_other_lines: formatOre(collected - allocated),
      registers: rows
    }
  })
}

function funds(allocated: bigint, planned: bigint, approved: bigint, paid: bigint) {
  return {
    allocated: formatOre(allocated),
    planned: formatOre(planned),
    approved: formatOre(approved),
    paid: formatOre(paid),
    outstanding: formatOre(allocated - paid),
    available: formatOre(allocated - planned - approved - paid)
  }
}
