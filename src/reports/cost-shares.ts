import type { Static } from 'typebox'
import type { Db } from '../db/connection.ts'
import { conditionMet, costShares, EXACT_SCALE, membershipFeeWeight } from '../domain/cost-shares.ts'
import { populationBasis, populationFiguresUsed } from '../domain/population-figures.ts'
import { formatOre, formatScaled, toOre } from '../domain/money.ts'
import { participatingDecision } from '../domain/participation.ts'
import * as invoicing from '../queries/invoicing.ts'
import * as settlements from '../queries/settlements.ts'
import { openSettlement, signed } from '../domain/settlements.ts'
import * as periods from '../queries/recommendation-periods.ts'
import * as weights from '../queries/cost-weights.ts'
import type { RecommendationPeriod } from '../schemas/recommendation-periods.ts'
import { participationAsOf, populationDateOf } from './participation.ts'
import { inOneSnapshot, type Memo } from './read.ts'
import type { CostShare, YearInvoicing, YearTotals } from '../schemas/cost-shares.ts'
import type { AdjustedInvoice, Invoice } from '../schemas/invoicing.ts'

type Municipality = Awaited<ReturnType<typeof participationAsOf>>['municipalities'][number]
type PeriodYear = RecommendationPeriod['years'][number]
type Adjustment = Awaited<ReturnType<typeof settlements.ofPeriod>>[number]

/** A period and its cost shares as of a date (costSharesOf), read in one snapshot and computed once per data version. */
export const costSharesReport = (memo: Memo, db: Db, periodId: number, asOf: string) =>
  memo(`cost shares ${periodId} ${asOf}`, () =>
    inOneSnapshot(db, async db => {
      const period = await periods.findOrFail(db, periodId)
      return { period, years: await costSharesOf(db, period, asOf) }
    })
  )

/**
 * Every financing year of a period: each municipality's share as participation and population stood on `asOf`,
 * the year's totals and, for invoiced years, the frozen invoices and the difference each share would now make.
 */
export async function costSharesOf(db: Db, period: RecommendationPeriod, asOf: string) {
  const [{ municipalities }, weightRows, invoicedYears, invoices, adjustments] = await Promise.all([
    participationAsOf(db, period, asOf),
    period.weight_basis === 'imported' ? weights.ofPeriod(db, period.id) : [],
    invoicing.invoicedYears(db, period.id),
    invoicing.ofPeriod(db, period.id),
    settlements.ofPeriod(db, period.id)
  ])
  const weightOf = new Map(
    period.weight_basis === 'membership_fee'
      ? municipalities.map(m => [m.code, m.population === null ? null : membershipFeeWeight(m.population)] as const)
      : weightRows.map(w => [w.municipality_code, w.weight] as const)
  )
  return period.years.map(year =>
    yearOf(
      period,
      year,
      asOf,
      municipalities,
      weightOf,
      invoicedYears.find(y => y.year === year.year),
      invoices.filter(i => i.year === year.year),
      adjustments.filter(a => a.year === year.year)
    )
  )
}

export type CostShareYear = ReturnType<typeof yearOf>

function yearOf(
  period: RecommendationPeriod,
  year: PeriodYear,
  asOf: string,
  municipalities: Municipality[],
  weightOf: Map<string, string | null>,
  invoicedYear: { invoice_date: string; as_of: string; locked_at: string } | undefined,
  invoices: invoicing.IssuedInvoice[],
  adjustments: Adjustment[]
) {
  const decisions = municipalities.map(m => participatingDecision(m.decisions, year, asOf))
  const perInhabitant = period.cost_model === 'per_inhabitant'
  // The shares that rest on population figures say which date each is from; imported weights rest on none.
  const ruleDate = perInhabitant || period.weight_basis === 'membership_fee' ? populationDateOf(period, asOf) : null
  const { shares, totals } = costShares(
    period,
    year.index_adjustment,
    municipalities.map((m, i) => ({
      code: m.code,
      participating: decisions[i] !== undefined,
      population: m.population,
      weight: weightOf.get(m.code) ?? null
    }))
  )
  const invoiceOf = new Map(invoices.map(i => [i.municipality_code, i]))
  const adjustmentsOf = Map.groupBy(adjustments, a => a.municipality_code)

  const rows = municipalities.map((m, i): Static<typeof CostShare> & { difference_ore: bigint } => {
    const share = shares[i]!
    const decision = decisions[i]
    const invoice = invoiceOf.get(m.code)
    const adjusted = adjustmentsOf.get(m.code) ?? []
    // What it has been invoiced for the year in all: the invoice, and every settlement's adjustment since.
    const invoicedTotal = adjusted.reduce(
      (total, a) => total + signed(a.kind, toOre(a.amount)),
      toOre(invoice?.amount ?? '0')
    )
    const difference = share.owed - invoicedTotal
    const minimum = decision?.minimum_total_commitment ?? null
    return {
      municipality_code: m.code,
      municipality_name: m.name,
      county_code: m.county_code,
      participating: share.participating,
      decision_id: decision?.id ?? null,
      population: ruleDate === null ? null : m.population,
      population_date: ruleDate === null ? null : m.population_date,
      population_basis: ruleDate === null ? null : populationBasis(ruleDate, m.population_date),
      weight: perInhabitant ? null : (weightOf.get(m.code) ?? null),
      exact_amount: formatScaled(share.owedExact, EXACT_SCALE),
      amount: formatOre(share.owed),
      share_exact_amount: share.exact === null ? null : formatScaled(share.exact, EXACT_SCALE),
      share_amount: share.rounded === null ? null : formatOre(share.rounded),
      condition:
        minimum === null
          ? null
          : {
              minimum_total_commitment: minimum,
              committed_total: formatOre(totals.collected),
              met: conditionMet(minimum, totals.collected)
            },
      invoice:
        invoice === undefined
          ? null
          : {
              id: invoice.id,
              reference: invoice.reference,
              invoice_date: invoice.invoice_date,
              amount: invoice.amount,
              paid_on: invoice.payment?.paid_on ?? null
            },
      adjustments: adjusted.map(a => ({
        id: a.id,
        kind: a.kind,
        reference: a.reference,
        invoice_date: a.invoice_date,
        amount: a.amount,
        status: a.status
      })),
      invoiced_total: invoicedYear === undefined ? null : formatOre(invoicedTotal),
      difference: invoicedYear === undefined ? null : formatOre(difference),
      settlement: invoicedYear === undefined ? null : openSettlement(difference),
      difference_ore: difference
    }
  })

  const yearTotals: Static<typeof YearTotals> = {
    budget: formatScaled(totals.budget, EXACT_SCALE),
    collected: formatOre(totals.collected),
    collected_exact: formatScaled(totals.collectedExact, EXACT_SCALE),
    if_all_participated: formatOre(totals.ifAllParticipated),
    gap_to_budget: formatScaled(totals.budget - totals.collected * 10n ** BigInt(EXACT_SCALE - 2), EXACT_SCALE),
    payer_count: totals.payerCount,
    municipality_count: municipalities.length,
    missing_basis: totals.missingBasis,
    population_date: ruleDate,
    population_figures_used: ruleDate === null ? [] : populationFiguresUsed(ruleDate, municipalities)
  }
  const sum = (amounts: string[]) => amounts.reduce((total, a) => total + toOre(a), 0n)
  const invoiced = sum(invoices.map(i => i.amount))
  const paid = sum(invoices.filter(i => i.payment !== null).map(i => i.amount))
  const ofKind = (kind: Adjustment['kind']) => sum(adjustments.filter(a => a.kind === kind).map(a => a.amount))
  const credited = ofKind('credit_note')
  const debited = ofKind('supplementary_invoice')
  const yearInvoicing: Static<typeof YearInvoicing> | null =
    invoicedYear === undefined
      ? null
      : {
          invoice_date: invoicedYear.invoice_date,
          as_of: invoicedYear.as_of,
          locked_at: invoicedYear.locked_at,
          invoice_count: invoices.length,
          invoiced: formatOre(invoiced),
          paid: formatOre(paid),
          outstanding: formatOre(invoiced - paid),
          adjustment_count: adjustments.length,
          credited: formatOre(credited),
          debited: formatOre(debited),
          invoiced_total: formatOre(invoiced - credited + debited),
          difference_to_settle: formatOre(rows.reduce((total, r) => total + r.difference_ore, 0n)),
          open_differences: rows.filter(r => r.difference_ore !== 0n).length
        }

  return {
    year: year.year,
    index_adjustment: year.index_adjustment,
    totals: yearTotals,
    invoicing: yearInvoicing,
    shares: rows.map(({ difference_ore: _, ...row }) => row)
  }
}

/**
 * Each invoice with the difference its municipality's year has open: its share as `yearsOf` gives a period's cost
 * shares (from memory, say) less what the invoice shows as invoiced in all. Computed here against the invoice as
 * listed, so the two figures of one row always agree, whatever state the shares were read in (a replica may lag:
 * a share then lags as every report does).
 */
export async function withOpenDifferences(
  invoices: AdjustedInvoice[],
  yearsOf: (periodId: number) => Promise<CostShareYear[]>
): Promise<Invoice[]> {
  const shareOf = new Map<string, string>()
  const key = (periodId: number, year: number, code: string) => `${periodId} ${year} ${code}`
  for (const periodId of new Set(invoices.map(i => i.period_id)))
    for (const year of await yearsOf(periodId))
      for (const share of year.shares) shareOf.set(key(periodId, year.year, share.municipality_code), share.amount)
  return invoices.map(invoice => {
    const share = shareOf.get(key(invoice.period_id, invoice.year, invoice.municipality_code))
    // Invoices reference their invoiced year and municipality, and neither is ever deleted.
    if (share === undefined)
      throw new Error(`no share of ${invoice.municipality_code} in ${invoice.year} of period ${invoice.period_id}`)
    const difference = toOre(share) - toOre(invoice.invoiced_total)
    return {
      ...invoice,
      difference: formatOre(difference),
      settlement: openSettlement(difference)
    }
  })
}
