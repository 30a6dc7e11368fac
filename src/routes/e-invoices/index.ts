import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Db } from '../../db/connection.ts'
import { adjustmentDocument, invoiceDocument } from '../../e-invoices/documents.ts'
import { ublOf } from '../../e-invoices/ubl.ts'
import { offsetOf, paginate } from '../../http/pagination.ts'
import { requireScope } from '../../plugins/auth.ts'
import { problem } from '../../plugins/problems.ts'
import * as invoicing from '../../queries/invoicing.ts'
import * as municipalities from '../../queries/municipalities.ts'
import * as periods from '../../queries/recommendation-periods.ts'
import * as settlements from '../../queries/settlements.ts'
import { problemResponses, ref } from '../../schemas/common.ts'
import { E_INVOICES_PER_PAGE, EInvoicePage, EInvoicePageQuery, eInvoiceResponse } from '../../schemas/e-invoices.ts'
import { InvoicedYearParams, InvoiceParams } from '../../schemas/invoicing.ts'
import { AdjustmentParams } from '../../schemas/settlements.ts'

const XML_TYPE = 'application/xml; charset=utf-8'

const RESPONSE_NOTE =
  'Peppol BIS Billing 3.0 (UBL 2.1): seller the invoicing party the service is configured with (`INVOICING_PARTY_*`), ' +
  "buyer endpoint `0007:` and the municipality's organisation number, buyer reference `{case number}-{year}-{code}`, " +
  'one line with the exact amount to the öre and the rounding to the invoiced amount as the payable rounding amount. ' +
  '409 when the municipality has no organisation number.'

/** The invoiced year, whose invoice date every invoice of the year carries: what an adjustment references. */
async function invoicedYearOf(db: Db, periodId: number, year: number) {
  const [invoiced] = await invoicing.invoicedYears(db, periodId, year)
  return invoiced
}

const buyerOf = (numbers: Map<string, string | null>, code: string, name: string) => {
  const number = numbers.get(code)
  if (number === undefined || number === null)
    throw problem(409, `${name} (${code}) has no organisation number: its e-invoice cannot be addressed in Peppol.`)
  return number
}

const routes: FastifyPluginAsyncTypebox = async app => {
  app.get(
    '/invoices/:id/e-invoice',
    {
      schema: {
        operationId: 'getInvoiceEInvoice',
        summary: 'Get an invoice as an e-invoice',
        description: `The invoice as a UBL \`Invoice\` (type code 380). ${RESPONSE_NOTE}`,
        tags: ['e-invoices'],
        ...requireScope('read'),
        params: InvoiceParams,
        response: { 200: eInvoiceResponse('The e-invoice.'), ...problemResponses(400, 401, 403, 404, 409) }
      }
    },
    async (request, reply) => {
      const invoice = await invoicing.find(app.db, request.params.id)
      if (invoice === undefined) throw problem(404, `No invoice has id ${request.params.id}.`)
      const [period, numbers] = await Promise.all([
        periods.findOrFail(app.db, invoice.period_id),
        municipalities.organisationNumbers(app.db, [invoice.municipality_code])
      ])
      const buyer = buyerOf(numbers, invoice.municipality_code, invoice.municipality_name)
      return reply.type(XML_TYPE).send(ublOf(app.invoicingParty, invoiceDocument(invoice, period, buyer)))
    }
  )

  app.get(
    '/adjustments/:id/e-invoice',
    {
      schema: {
        operationId: 'getAdjustmentEInvoice',
        summary: 'Get an adjustment as an e-invoice',
        description:
          'A credit note as a UBL `CreditNote` (381), a supplementary invoice as a UBL `Invoice` (380), each ' +
          `referencing the invoice it corrects (BG-3). ${RESPONSE_NOTE}`,
        tags: ['e-invoices'],
        ...requireScope('read'),
        params: AdjustmentParams,
        response: { 200: eInvoiceResponse('The e-invoice.'), ...problemResponses(400, 401, 403, 404, 409) }
      }
    },
    async (request, reply) => {
      const adjustment = await settlements.find(app.db, request.params.id)
      if (adjustment === undefined) throw problem(404, `No adjustment has id ${request.params.id}.`)
      const [period, numbers, year] = await Promise.all([
        periods.findOrFail(app.db, adjustment.period_id),
        municipalities.organisationNumbers(app.db, [adjustment.municipality_code]),
        invoicedYearOf(app.db, adjustment.period_id, adjustment.year)
      ])
      const buyer = buyerOf(numbers, adjustment.municipality_code, adjustment.municipality_name)
      return reply
        .type(XML_TYPE)
        .send(ublOf(app.invoicingParty, adjustmentDocument(adjustment, period, buyer, year!.invoice_date)))
    }
  )

  app.get(
    '/recommendation-periods/:id/invoiced-years/:year/e-invoices',
    {
      schema: {
        operationId: 'listYearEInvoices',
        summary: "Get an invoiced year's e-invoices in one batch",
        description:
          'Every e-invoice of the year: its invoices by id, then its adjustments in the order issued, each with the URL ' +
          `that serves it alone. At most ${E_INVOICES_PER_PAGE} a page (\`limit=${E_INVOICES_PER_PAGE}\`): a document ` +
          'takes the service about a millisecond to write, and a page is bounded by what one request may cost; ' +
          `follow \`Link: rel="next"\` for the rest (three pages for 290 municipalities). ${RESPONSE_NOTE}`,
        tags: ['e-invoices'],
        ...requireScope('read'),
        params: InvoicedYearParams,
        querystring: EInvoicePageQuery,
        response: {
          200: {
            description: "One page of the year's e-invoices.",
            content: { 'application/json': { schema: ref(EInvoicePage) } }
          },
          ...problemResponses(400, 401, 403, 404, 409)
        }
      }
    },
    async (request, reply) => {
      const period = await periods.findOrFail(app.db, request.params.id)
      const { year } = request.params
      const invoiced = await invoicedYearOf(app.db, period.id, year)
      if (invoiced === undefined) throw problem(404, `${year} of ${period.case_number} has not been invoiced.`)
      const page = { page: request.query.page ?? 1, limit: request.query.limit ?? 20 }
      const { limit, offset } = offsetOf(page)
      const filter = { period_id: period.id, year }
      // Invoices first, then adjustments: a page may span the two.
      const invoices = await invoicing.list(app.db, filter, { limit, offset })
      const adjustments = await settlements.list(app.db, filter, {
        limit: limit - invoices.items.length,
        offset: Math.max(0, offset - invoices.total)
      })
      const codes = [...invoices.items, ...adjustments.items].map(d => d.municipality_code)
      const numbers = await municipalities.organisationNumbers(app.db, codes)
      const items = [
        ...invoices.items.map(invoice => ({
          document_type: 'invoice' as const,
          id: invoice.id,
          number: invoice.reference,
          municipality_code: invoice.municipality_code,
          url: `/v1/invoices/${invoice.id}/e-invoice`,
          document: ublOf(
            app.invoicingParty,
            invoiceDocument(invoice, period, buyerOf(numbers, invoice.municipality_code, invoice.municipality_name))
          )
        })),
        ...adjustments.items.map(adjustment => ({
          document_type: adjustment.kind,
          id: adjustment.id,
          number: adjustment.reference,
          municipality_code: adjustment.municipality_code,
          url: `/v1/adjustments/${adjustment.id}/e-invoice`,
          document: ublOf(
            app.invoicingParty,
            adjustmentDocument(
              adjustment,
              period,
              buyerOf(numbers, adjustment.municipality_code, adjustment.municipality_name),
              invoiced.invoice_date
            )
          )
        }))
      ]
      return paginate(request, reply, page, items, invoices.total + adjustments.total)
    }
  )
}

export default routes
