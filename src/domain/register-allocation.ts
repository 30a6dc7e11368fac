/**
 * How a financing year's register money is allocated to the quality registers. The year's register line is the
 * budget line's annual amount × the year's index adjustment, in öre. A plan splits it by percent
 * (`share_of_line`) or gives each register a fixed amount (`fixed_amount`); scaled to what was collected, every
 * allocation shrinks by collected / budget (never grows: the budget is a ceiling), because municipalities that do
 * not take part pay nothing. Allocations are whole öre and add up exactly to the plan's total (largest remainder).
 */
import { EXACT_SCALE, yearAmount } from './cost-shares.ts'
import { divideRounded, formatOre, largestRemainder, scaled, toOre, type RoundingMode } from './money.ts'
import type { PeriodError } from './recommendation-periods.ts'

export type AllocationBasis = 'share_of_line' | 'fixed_amount'

export interface AllocationPlan {
  basis: AllocationBasis
  scaled_to_collected: boolean
  registers: ReadonlyArray<{ register_code: string; percent?: string; amount?: string }>
}

/** What a year's register money comes from. */
export interface YearFunds {
  annualBudget: string
  /** The quality-register budget line's annual amount; null when the period does not say. */
  lineAnnualAmount: string | null
  indexAdjustment: string
  roundingMode: RoundingMode
  /** The year's invoices added up, in öre; null while the year has not been invoiced. */
  invoiced: bigint | null
}

export interface Allocation {
  /** The year's register line in öre, or null when the period gives the line no amount. */
  line: bigint | null
  /** The year's budget at EXACT_SCALE. */
  budget: bigint
  /** What was collected (invoiced) in öre, when the plan is scaled to it. */
  collected: bigint | null
  /** The allocations, in the plan's order, in öre; they add up to `total`. */
  amounts: bigint[]
  total: bigint
}

const ORE_PER_EXACT_UNIT = 10n ** BigInt(EXACT_SCALE - 2)

/** The year's register line in öre, rounded as the period rounds. */
export function yearLine(funds: YearFunds): bigint | null {
  return funds.lineAnnualAmount === null
    ? null
    : divideRounded(yearAmount(funds.lineAnnualAmount, funds.indexAdjustment), ORE_PER_EXACT_UNIT, funds.roundingMode)
}

/** Everything wrong with a plan for this year, each with the field at fault; empty when it can be allocated. */
/**
 * A plan may not allocate a register less than its payouts (all but cancelled ones) already take: each register
 * whose payouts `committed` would exceed what the plan's `amounts` give it, with the field at fault.
 */
export function allocationsBelowPayouts(
  registers: ReadonlyArray<{ register_code: string }>,
  amounts: readonly bigint[],
  committed: ReadonlyMap<string, bigint>
): PeriodError[] {
  return [...committed].flatMap(([code, taken]) => {
    const index = registers.findIndex(r => r.register_code === code)
    const allocated = index < 0 ? 0n : amounts[index]!
    if (taken <= allocated) return []
    return [
      {
        pointer: index < 0 ? '/registers' : `/registers/${index}`,
        detail: `${code} would get ${formatOre(allocated)}, but its payouts already take ${formatOre(taken)}`
      }
    ]
  })
}

export function planErrors(plan: AllocationPlan, funds: YearFunds, registers: ReadonlySet<string>): PeriodError[] {
  const errors: PeriodError[] = []
  const seen = new Set<string>()
  const wanted = plan.basis === 'share_of_line' ? 'percent' : 'amount'
  const other = plan.basis === 'share_of_line' ? 'amount' : 'percent'
  plan.registers.forEach((r, i) => {
    if (!registers.has(r.register_code))
      errors.push({ pointer: `/registers/${i}/register_code`, detail: `${r.register_code} is not a quality register` })
    if (seen.has(r.register_code))
      errors.push({ pointer: `/registers/${i}/register_code`, detail: `repeats ${r.register_code}` })
    seen.add(r.register_code)
    if (r[wanted] === undefined)
      errors.push({ pointer: `/registers/${i}/${wanted}`, detail: `is required when the basis is ${plan.basis}` })
    if (r[other] !== undefined)
      errors.push({ pointer: `/registers/${i}/${other}`, detail: `must be left out when the basis is ${plan.basis}` })
    if (/^[0.]+$/.test(r[wanted] ?? '1'))
      errors.push({
        pointer: `/registers/${i}/${wanted}`,
        detail: 'must be more than 0: leave a register without money out'
      })
  })
  const line = yearLine(funds)
  if (plan.basis === 'share_of_line') {
    if (line === null)
      errors.push({
        pointer: '/basis',
        detail: "the period's quality_registers budget line has no amount: give it one, or allocate fixed amounts"
      })
    const percents = plan.registers.reduce((sum, r) => sum + scaled(r.percent ?? '0', 4), 0n)
    if (percents !== 100_0000n)
      errors.push({ pointer: '/registers', detail: 'the percentages must add up to exactly 100' })
  } else if (line !== null) {
    const total = plan.registers.reduce((sum, r) => sum + toOre(r.amount ?? '0'), 0n)
    if (total > line)
      errors.push({ pointer: '/registers', detail: "the amounts add up to more than the year's register line" })
  }
  if (plan.scaled_to_collected && funds.invoiced === null) {
    errors.push({
      pointer: '/scaled_to_collected',
      detail: 'the year has not been invoiced: what is collected is known once it is'
    })
  }
  return errors
}

/** The plan's allocations; call only when planErrors is empty. */
export function allocate(plan: AllocationPlan, funds: YearFunds): Allocation {
  const line = yearLine(funds)
  const budget = yearAmount(funds.annualBudget, funds.indexAdjustment)
  const base =
    plan.basis === 'share_of_line'
      ? largestRemainder(
          line!,
          plan.registers.map(r => scaled(r.percent!, 4))
        )
      : plan.registers.map(r => toOre(r.amount!))
  const baseTotal = base.reduce((a, b) => a + b, 0n)
  if (!plan.scaled_to_collected) return { line, budget, collected: null, amounts: base, total: baseTotal }

  const collected = funds.invoiced!
  const collectedExact = collected * ORE_PER_EXACT_UNIT
  const total =
    collectedExact >= budget || baseTotal === 0n
      ? baseTotal
      : divideRounded(baseTotal * collectedExact, budget, funds.roundingMode)
  return { line, budget, collected, amounts: baseTotal === 0n ? base : largestRemainder(total, base), total }
}
