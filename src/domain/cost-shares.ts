/**
 * What each municipality pays for a financing year, and the year's totals. Exact amounts are kept to ten decimals of
 * a krona (EXACT_SCALE), so rate (4 decimals) × index adjustment (6 decimals) × population is exact; invoiced
 * amounts are rounded as the period says and held in öre.
 */
import { divideRounded, formatScaled, largestRemainder, scaled, type RoundingMode } from './money.ts'

export const EXACT_SCALE = 10

export interface CostTerms {
  cost_model: 'per_inhabitant' | 'weighted_total'
  annual_budget: string
  rate_per_inhabitant: string | null
  rounding_unit: 'krona' | 'ore'
  rounding_mode: RoundingMode
}

/** What a municipality's share is computed from: its population, or its weight, and whether it takes part. */
export interface ShareBasis {
  code: string
  participating: boolean
  population: number | null
  weight: string | null
}

export interface CostShare {
  code: string
  participating: boolean
  /** Its share of the year, as if it took part, at EXACT_SCALE; null when its population or weight is missing. */
  exact: bigint | null
  /** The same, rounded to the invoice amount, in öre. */
  rounded: bigint | null
  /** What it owes: the rounded share if it takes part, else nothing. */
  owed: bigint
  owedExact: bigint
}

export interface YearTotals {
  /** The annual budget × the year's index adjustment, at EXACT_SCALE: the ceiling if everyone took part. */
  budget: bigint
  /** What the participants owe, in öre, and exactly. */
  collected: bigint
  collectedExact: bigint
  /** What the municipalities with a basis would owe, in öre, if every one of them took part. */
  ifAllParticipated: bigint
  payerCount: number
  /** Municipalities whose share cannot be computed: no population figure, or no weight. */
  missingBasis: string[]
}

/** An annual amount for one year: the amount × the year's index adjustment, at EXACT_SCALE (2 + 6 + 2 decimals). */
export const yearAmount = (annualAmount: string, indexAdjustment: string): bigint =>
  scaled(annualAmount, 2) * scaled(indexAdjustment, 6) * 100n

/** Municipalities above this many inhabitants get SKL's membership-fee discount. */
const MEMBERSHIP_FEE_DISCOUNT_ABOVE = 200_000

/**
 * A municipality's weight by the principle of SKL's membership fee (förbundsavgift): a rate × the national average tax
 * capacity × its population, 10 % off above 200,000 inhabitants. Splitting a fixed sum, the national factors cancel,
 * so the weight is the population, × 0.9 above the threshold. Null for no inhabitants: a weight is positive.
 */
export function membershipFeeWeight(population: number): string | null {
  if (population <= 0) return null
  return population > MEMBERSHIP_FEE_DISCOUNT_ABOVE ? formatScaled(BigInt(population) * 9n, 1) : String(population)
}

/** Ten-decimal units in one rounding unit. */
const unitSize = (unit: CostTerms['rounding_unit']) => 10n ** BigInt(EXACT_SCALE - (unit === 'krona' ? 0 : 2))
const oreIn = (unit: CostTerms['rounding_unit']) => (unit === 'krona' ? 100n : 1n)

/**
 * Every municipality's share of a year. Per inhabitant: population × rate × index adjustment, each rounded on its own.
 * Weighted total: the year's budget (rounded to the unit) split over every municipality with a weight by largest
 * remainder, so the shares of all of them sum to it exactly. Either way a share does not depend on who else takes
 * part: non-participants' shares are simply not collected.
 */
export function costShares(
  terms: CostTerms,
  indexAdjustment: string,
  bases: readonly ShareBasis[]
): { shares: CostShare[]; totals: YearTotals } {
  const index = scaled(indexAdjustment, 6)
  const budget = yearAmount(terms.annual_budget, indexAdjustment)
  const unit = unitSize(terms.rounding_unit)
  const round = (exact: bigint) => divideRounded(exact, unit, terms.rounding_mode) * oreIn(terms.rounding_unit)

  let amounts: Array<{ exact: bigint; rounded: bigint } | null>
  if (terms.cost_model === 'per_inhabitant') {
    const rate = scaled(terms.rate_per_inhabitant!, 4)
    amounts = bases.map(b => {
      if (b.population === null) return null
      const exact = BigInt(b.population) * rate * index
      return { exact, rounded: round(exact) }
    })
  } else {
    const weights = bases.map(b => (b.weight === null ? 0n : scaled(b.weight, 6)))
    const weightSum = weights.reduce((a, w) => a + w, 0n)
    const parts = weightSum > 0n ? largestRemainder(divideRounded(budget, unit, terms.rounding_mode), weights) : []
    amounts = bases.map((b, i) =>
      b.weight === null || weightSum === 0n
        ? null
        : {
            exact: divideRounded(budget * weights[i]!, weightSum, 'half_to_even'),
            rounded: parts[i]! * oreIn(terms.rounding_unit)
          }
    )
  }

  const shares = bases.map((b, i): CostShare => {
    const amount = amounts[i]!
    const owes = b.participating && amount !== null
    return {
      code: b.code,
      participating: b.participating,
      exact: amount?.exact ?? null,
      rounded: amount?.rounded ?? null,
      owed: owes ? amount.rounded : 0n,
      owedExact: owes ? amount.exact : 0n
    }
  })
  return {
    shares,
    totals: {
      budget,
      collected: shares.reduce((sum, s) => sum + s.owed, 0n),
      collectedExact: shares.reduce((sum, s) => sum + s.owedExact, 0n),
      ifAllParticipated: shares.reduce((sum, s) => sum + (s.rounded ?? 0n), 0n),
      payerCount: shares.filter(s => s.participating).length,
      missingBasis: shares.filter(s => s.rounded === null).map(s => s.code)
    }
  }
}

/**
 * A decision's condition of a minimum total commitment, judged against what the participants together owe for the year.
 */
export function conditionMet(minimumTotalCommitment: string, committedOre: bigint): boolean {
  return committedOre >= scaled(minimumTotalCommitment, 2)
}
