import { toOre } from './money.ts'
import { deadlineErrors, type PeriodYear } from './participation.ts'

export interface PeriodRules {
  first_year: number
  last_year: number
  annual_budget: string
  cost_model: 'per_inhabitant' | 'weighted_total'
  rate_per_inhabitant?: string | null
  population_reference_date?: string | null
  weight_basis?: 'membership_fee' | 'imported' | null
  years?: ReadonlyArray<{ year: number; join_deadline?: string | null }>
  budget_lines?: ReadonlyArray<{ kind: string; annual_amount: string | null }>
}

export interface PeriodError {
  pointer: string
  detail: string
}

/** Every financing year from first to last, with the deadline given for it, if any. */
export function financingYears(period: Pick<PeriodRules, 'first_year' | 'last_year' | 'years'>): PeriodYear[] {
  const years: PeriodYear[] = []
  for (let year = period.first_year; year <= period.last_year; year++) {
    years.push({ year, join_deadline: period.years?.find(y => y.year === year)?.join_deadline ?? null })
  }
  return years
}

/**
 * Whether `year` is one of the period's financing years, and if not, what to say: the one check of a year that an
 * invoicing, a register plan, a payout or a report names.
 */
export function notAFinancingYear(
  period: { case_number: string; first_year: number; last_year: number },
  year: number
): string | undefined {
  if (year >= period.first_year && year <= period.last_year) return undefined
  return `${year} is not a financing year of ${period.case_number} (${period.first_year}–${period.last_year})`
}

/** The rules of a recommendation period that a schema cannot express, each with the field at fault. */
export function periodErrors(period: PeriodRules): PeriodError[] {
  const errors: PeriodError[] = []
  if (period.last_year < period.first_year)
    errors.push({ pointer: '/last_year', detail: `must not be before first_year (${period.first_year})` })

  if (period.cost_model === 'per_inhabitant') {
    if (period.rate_per_inhabitant == null)
      errors.push({ pointer: '/rate_per_inhabitant', detail: 'is required for the per_inhabitant cost model' })
    if (period.population_reference_date == null)
      errors.push({ pointer: '/population_reference_date', detail: 'is required for the per_inhabitant cost model' })
    if (period.weight_basis != null)
      errors.push({ pointer: '/weight_basis', detail: 'must be null for the per_inhabitant cost model' })
  } else {
    if (period.rate_per_inhabitant != null)
      errors.push({
        pointer: '/rate_per_inhabitant',
        detail: 'must be null for the weighted_total cost model: weights, not a rate, split the total'
      })
    if (period.weight_basis === 'membership_fee' && period.population_reference_date == null)
      errors.push({
        pointer: '/population_reference_date',
        detail: 'is required for membership-fee weights: the date of the populations they weigh'
      })
  }

  const seenYears = new Set<number>()
  period.years?.forEach(({ year, join_deadline }, index) => {
    if (year < period.first_year || year > period.last_year)
      errors.push({
        pointer: `/years/${index}/year`,
        detail: `is not a financing year of the period (${period.first_year}–${period.last_year})`
      })
    if (seenYears.has(year)) errors.push({ pointer: `/years/${index}/year`, detail: `repeats ${year}` })
    seenYears.add(year)
    if (join_deadline != null && join_deadline > `${year}-12-31`)
      errors.push({ pointer: `/years/${index}/join_deadline`, detail: `must not be after the end of ${year}` })
  })
  if (errors.length === 0) {
    for (const { year, detail } of deadlineErrors(financingYears(period))) {
      const index = period.years?.findIndex(y => y.year === year) ?? -1
      errors.push({ pointer: index < 0 ? '/years' : `/years/${index}/join_deadline`, detail })
    }
  }

  const seenKinds = new Set<string>()
  let linesTotal = 0n
  period.budget_lines?.forEach(({ kind, annual_amount }, index) => {
    if (seenKinds.has(kind)) errors.push({ pointer: `/budget_lines/${index}/kind`, detail: `repeats ${kind}` })
    seenKinds.add(kind)
    if (annual_amount !== null) linesTotal += toOre(annual_amount)
  })
  if (linesTotal > toOre(period.annual_budget))
    errors.push({
      pointer: '/budget_lines',
      detail: `the lines' amounts add up to more than the annual budget (${period.annual_budget})`
    })
  return errors
}
