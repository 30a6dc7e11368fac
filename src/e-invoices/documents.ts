/**
 * Our invoices and adjustments as e-invoice documents (ubl.ts): which number, dates, buyer and amounts each carries.
 * The line is the exact share (or difference) to the öre; what is payable is the amount as invoiced, rounded as the
 * period says, so the difference is the document's rounding (93,617.55 payable as 93,618.00 with 0.45 rounding).
 */
import { EXACT_SCALE } from '../domain/cost-shares.ts'
import { divideRounded, formatOre, type RoundingMode, scaled } from '../domain/money.ts'
import type { IssuedInvoice } from '../queries/invoicing.ts'
import type { Adjustment } from '../schemas/settlements.ts'
import type { EInvoice } from './ubl.ts'

interface Period {
  case_number: string
  rounding_mode: RoundingMode
}

/** An exact amount (EXACT_SCALE decimals) to the öre, rounded as the period rounds. */
const toTwoDecimals = (exact: string, mode: RoundingMode) =>
  formatOre(divideRounded(scaled(exact, EXACT_SCALE), 10n ** BigInt(EXACT_SCALE - 2), mode))

const financingYear = (year: number) => ({ start: `${year}-01-01`, end: `${year}-12-31` })

/** What the share rests on, in the buyer's language: the figures an auditor checks the amount against. */
function basisOf(share: {
  population: number | null
  population_date: string | null
  weight: string | null
  rate_per_inhabitant: string | null
  index_adjustment: string
}): string {
  const parts = []
  if (share.population !== null) parts.push(`${share.population} invånare den ${share.population_date}`)
  if (share.rate_per_inhabitant !== null) parts.push(`${share.rate_per_inhabitant} kr per invånare`)
  if (share.weight !== null) parts.push(`vikt ${share.weight}`)
  parts.push(`indexuppräkning ${share.index_adjustment}`)
  return parts.join(', ')
}

export function invoiceDocument(invoice: IssuedInvoice, period: Period, organisationNumber: string): EInvoice {
  return {
    type: 'invoice',
    number: invoice.reference,
    issue_date: invoice.invoice_date,
    buyer_reference: invoice.reference,
    preceding: null,
    period: financingYear(invoice.year),
    buyer: { name: invoice.municipality_name, organisation_number: organisationNumber },
    line: {
      name: `Andel ${invoice.year} av gemensam finansiering, ${period.case_number}`,
      description: basisOf(invoice),
      amount: toTwoDecimals(invoice.exact_amount, period.rounding_mode)
    },
    payable: invoice.amount
  }
}

/**
 * A credit note or supplementary invoice, referencing the invoice it corrects (issued on `invoiceDate`); one for a
 * municipality that joined after its year was invoiced references none.
 */
export function adjustmentDocument(
  adjustment: Adjustment,
  period: Period,
  organisationNumber: string,
  invoiceDate: string
): EInvoice {
  const credit = adjustment.kind === 'credit_note'
  return {
    type: adjustment.kind,
    number: adjustment.reference,
    issue_date: adjustment.invoice_date,
    buyer_reference: adjustment.invoice_reference,
    preceding:
      adjustment.invoice_id === null ? null : { number: adjustment.invoice_reference, issue_date: invoiceDate },
    period: financingYear(adjustment.year),
    buyer: { name: adjustment.municipality_name, organisation_number: organisationNumber },
    line: {
      name: `${credit ? 'Kreditering' : 'Tillägg'} av andel ${adjustment.year}, ${period.case_number}`,
      description:
        `Andelen är nu ${adjustment.share_amount} kr (${basisOf(adjustment)}); tidigare fakturerat ` +
        `${adjustment.previously_invoiced} kr`,
      // A weight split's largest remainder can move the rounded share against the exact one (domain/settlements.ts):
      // the line is then the amount itself, with no rounding.
      amount: adjustment.exact_amount.startsWith('-')
        ? adjustment.amount
        : toTwoDecimals(adjustment.exact_amount, period.rounding_mode)
    },
    payable: adjustment.amount
  }
}
