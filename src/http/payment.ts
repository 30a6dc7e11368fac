import { paidBeforeInvoiced } from '../domain/invoicing.ts'
import { problem } from '../plugins/problems.ts'

/** What a payment is recorded against: an invoice, or a settlement's credit note or supplementary invoice. */
interface Payable {
  reference: string
  invoice_date: string
  payment: { paid_on: string } | null
}

/**
 * The one check before recording a payment, for invoices and adjustments alike: a document is paid once, since a
 * payment is never changed (409), and not before the date it carries (422). `named` is how the answers name it
 * ("Invoice", "the invoice date"); `marked` what its payment made it ("paid", or "refunded" for a credit note).
 */
export function checkPayment(
  document: Payable,
  paidOn: string,
  named: { document: string; date: string; marked: string }
): void {
  if (document.payment !== null)
    throw problem(
      409,
      `${named.document} ${document.reference} was marked ${named.marked} on ${document.payment.paid_on} already.`
    )
  if (paidBeforeInvoiced(paidOn, document.invoice_date))
    throw problem(422, 'The payment cannot be recorded.', {
      errors: [{ pointer: '/paid_on', detail: `paid on ${paidOn}, before ${named.date} ${document.invoice_date}` }]
    })
}
