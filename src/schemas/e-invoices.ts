import Type from 'typebox'
import { Id, Int32, MunicipalityCode, Page, PageQuery, ref, StringEnum, TEXT } from './common.ts'

/** A Peppol BIS Billing 3.0 document: well under a megabyte (one line, a few kilobytes). */
export const EInvoiceDocument = {
  type: 'string',
  maxLength: 1024 * 1024,
  pattern: TEXT,
  description:
    'A Peppol BIS Billing 3.0 document (UBL 2.1 `Invoice`, or `CreditNote` for a credit note), UTF-8, with its XML ' +
    'declaration.',
  example:
    '<?xml version="1.0" encoding="UTF-8"?><Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" …>…</Invoice>'
} as const

export const EInvoiceItem = Type.Object(
  {
    document_type: StringEnum(['invoice', 'credit_note', 'supplementary_invoice'], {
      description:
        'An invoice or a supplementary invoice is a UBL `Invoice` (type code 380); a credit note is a UBL ' +
        '`CreditNote` (381).',
      example: 'invoice'
    }),
    id: { ...Id, description: "The invoice's or adjustment's id." },
    number: Type.String({
      maxLength: 45,
      pattern: '^[0-9]{2}/[0-9]{5}-[0-9]{4}-[0-9]{4}(-[1-9][0-9]{0,3})?$',
      description: "The document's number (BT-1): the invoice's or adjustment's reference.",
      example: '18/00295-2020-0138'
    }),
    municipality_code: MunicipalityCode,
    url: Type.String({
      maxLength: 100,
      format: 'uri-reference',
      description: 'Where this document alone is served.',
      example: '/v1/invoices/4711/e-invoice'
    }),
    document: EInvoiceDocument
  },
  { $id: 'EInvoiceItem', additionalProperties: false, description: 'One e-invoice of a batch.' }
)

export const EInvoicePage = Page(ref(EInvoiceItem), 'EInvoicePage')

/** The most documents a batch page holds: about 70 ms of the service's time (ubl.ts writes one in about 0.7 ms). */
export const E_INVOICES_PER_PAGE = 100

export const EInvoicePageQuery = Type.Object(
  {
    page: PageQuery.page,
    limit: Type.Optional(
      Int32({
        minimum: 1,
        maximum: E_INVOICES_PER_PAGE,
        default: 20,
        description: `Documents per page, 1 to ${E_INVOICES_PER_PAGE} (default 20, as every list).`
      })
    )
  },
  { additionalProperties: false }
)

/** The 200 of a single e-invoice: the XML document itself. */
export const eInvoiceResponse = (description: string) => ({
  description,
  content: { 'application/xml': { schema: EInvoiceDocument } }
})
