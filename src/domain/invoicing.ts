/** When a year may be invoiced, and when an invoice may be paid. */
import type { CostTerms } from './cost-shares.ts'

/**
 * Why a year cannot be invoiced now, one entry per reason: who takes part is not settled before its last day to
 * join has passed; a participant without a population figure has no share; a weight split over incomplete
 * weights would overcharge everyone else; and a share on a substitute population figure (not the rule's date) is
 * invoiced only by finance's explicit decision. Per inhabitant only participants' figures matter; a weight split
 * depends on everyone's.
 */
export function invoicingErrors(
  costModel: CostTerms['cost_model'],
  year: { year: number; last_day_to_join: string },
  today: string,
  basis: { missing: readonly string[]; substitutes: readonly string[]; substitutesAccepted: boolean },
  participants: ReadonlySet<string>
): Array<{ pointer: string; detail: string }> {
  if (today <= year.last_day_to_join)
    return [
      {
        pointer: '/year',
        detail: `municipalities may join for ${year.year} until ${year.last_day_to_join}: who takes part is not settled`
      }
    ]
  const counted = (codes: readonly string[]) => invoicedOn(costModel, codes, participants)
  const errors = counted(basis.missing).map(code => ({
    pointer: '/year',
    detail: `municipality ${code} ${costModel === 'weighted_total' ? 'has no weight' : 'takes part but has no population figure'}`
  }))
  const substitutes = counted(basis.substitutes)
  if (substitutes.length > 0 && !basis.substitutesAccepted)
    errors.push({
      pointer: '/substitute_population',
      detail:
        `${substitutes.length} ${substitutes.length === 1 ? 'share rests' : 'shares rest'} on a substitute population ` +
        `figure, not one of the rule's date (${substitutes.slice(0, 5).join(', ')}${substitutes.length > 5 ? ', …' : ''}): ` +
        "invoicing on substitutes needs finance's recorded decision, `substitute_population`"
    })
  return errors
}

/**
 * Of these municipalities' shares, those an invoicing rests on: per inhabitant the participants' own, while a weight
 * split rests on everyone's weight.
 */
export function invoicedOn(
  costModel: CostTerms['cost_model'],
  codes: readonly string[],
  participants: ReadonlySet<string>
): readonly string[] {
  return costModel === 'weighted_total' ? codes : codes.filter(code => participants.has(code))
}

/** A payment is recorded on or after the day the invoice is dated: an invoice cannot be paid before it exists. */
export function paidBeforeInvoiced(paidOn: string, invoiceDate: string): boolean {
  return paidOn < invoiceDate
}
