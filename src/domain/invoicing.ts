/** When a year may be invoiced, and when an invoice may be paid. */
import type { CostTerms } from './cost-shares.ts'

/**
 * Why a year cannot be invoiced now, one entry per reason: who takes part is not settled before its last day to
 * join has passed; a participant without a population figure has no share; and a weight split over incomplete
 * weights would overcharge everyone else.
 */
export function invoicingErrors(
  costModel: CostTerms['cost_model'],
  year: { year: number; last_day_to_join: string },
  today: string,
  missingBasis: readonly string[],
  participants: ReadonlySet<string>
): string[] {
  if (today <= year.last_day_to_join)
    return [`municipalities may join for ${year.year} until ${year.last_day_to_join}: who takes part is not settled`]
  return costModel === 'weighted_total'
    ? missingBasis.map(code => `municipality ${code} has no weight`)
    : missingBasis
        .filter(code => participants.has(code))
        .map(code => `municipality ${code} takes part but has no population figure on or before the reference date`)
}

/** A payment is recorded on or after the day the invoice is dated: an invoice cannot be paid before it exists. */
export function paidBeforeInvoiced(paidOn: string, invoiceDate: string): boolean {
  return paidOn < invoiceDate
}
