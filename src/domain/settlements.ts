/**
 * Settling an invoiced year: what a municipality's share now is against what it has been invoiced for the year (its
 * invoice and every adjustment since), and the one adjustment that makes the two equal.
 */

export type AdjustmentKind = 'credit_note' | 'supplementary_invoice'

/** What a municipality has been invoiced for a year so far, in öre and exactly (at EXACT_SCALE). */
export interface Invoiced {
  amount: bigint
  exact: bigint
}

/**
 * The adjustment that settles a share against what was invoiced: a credit note when the share is now smaller, a
 * supplementary invoice when it is larger, none when the rounded amounts are equal (a difference in the exact amount
 * alone is no money to move). `amount` is a magnitude and the kind gives the direction; `exact` is the exact
 * difference in that direction. Per inhabitant it is never negative (each share is rounded on its own, and rounding
 * is monotonic); in a weight split the largest remainder can raise a rounded share whose exact share fell, and
 * `exact` is then negative.
 */
export function adjustmentOf(
  share: { owed: bigint; owedExact: bigint },
  invoiced: Invoiced
): { kind: AdjustmentKind; amount: bigint; exact: bigint } | null {
  const difference = share.owed - invoiced.amount
  if (difference === 0n) return null
  const exact = share.owedExact - invoiced.exact
  return difference < 0n
    ? { kind: 'credit_note', amount: -difference, exact: -exact }
    : { kind: 'supplementary_invoice', amount: difference, exact }
}

/** An adjustment's effect on what was invoiced: a credit note takes away, a supplementary invoice adds. */
export const signed = (kind: AdjustmentKind, magnitude: bigint): bigint =>
  kind === 'credit_note' ? -magnitude : magnitude

/** The n-th adjustment of a municipality's year is numbered after its invoice: 18/00295-2020-0138-1, -2, … */
export const adjustmentReference = (invoiceReference: string, sequence: number): string =>
  `${invoiceReference}-${sequence}`

/** An adjustment corrects an invoice, so it is not dated before the invoice it corrects. */
export const datedBeforeInvoice = (adjustmentDate: string, invoiceDate: string): boolean => adjustmentDate < invoiceDate

/** Outstanding until its payment is recorded: then paid (a supplementary invoice) or refunded (a credit note). */
export const adjustmentStatus = (kind: AdjustmentKind, paidOn: string | null) =>
  paidOn === null ? 'outstanding' : kind === 'credit_note' ? 'refunded' : 'paid'

/** Which way a difference (the share less what was invoiced, in öre) is open: owed (debit), due back (credit), none. */
export const openSettlement = (difference: bigint) =>
  difference === 0n ? 'none' : difference > 0n ? 'debit' : 'credit'
