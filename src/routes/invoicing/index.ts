import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import * as periods from '../../queries/recommendation-periods.ts'
import { notAFinancingYear } from '../../domain/recommendation-periods.ts'
import { todayInSweden } from '../../clock.ts'
import { invoicedOn, invoicingErrors } from '../../domain/invoicing.ts'
import { requireScope } from '../../plugins/auth.ts'
import { sendJsonOrCsv } from '../../plugins/csv.ts'
import { checkPayment } from '../../http/payment.ts'
import { createdResponse, IdempotencyHeaders, write } from '../../http/write.ts'
import { offsetOf, pageOf, paginate } from '../../http/pagination.ts'
import { problem } from '../../plugins/problems.ts'
import { jsonOrCsv, problemResponses, ref } from '../../schemas/common.ts'
import { costSharesOf, costSharesReport, withOpenDifferences } from '../../reports/cost-shares.ts'
import { PeriodParams } from '../../schemas/recommendation-periods.ts'
import * as invoicing from '../../queries/invoicing.ts'
import {
  type AdjustedInvoice,
  Invoice,
  InvoicedYear,
  InvoicedYearInput,
  InvoicedYearList,
  InvoicedYearParams,
  InvoiceListQuery,
  InvoicePage,
  InvoiceParams,
  PaymentInput
} from '../../schemas/invoicing.ts'

const CSV_COLUMNS = [
  'id',
  'period_id',
  'period_case_number',
  'year',
  'municipality_code',
  'municipality_name',
  'reference',
  'invoice_date',
  'amount',
  'exact_amount',
  'population',
  'population_date',
  'population_basis',
  'weight',
  'rate_per_inhabitant',
  'index_adjustment',
  'decision_id',
  'status',
  'paid_on',
  'payment_reference',
  'invoiced_total',
  'adjustment_count',
  'difference',
  'settlement'
] as const

const INVOICED_YEAR_COLUMNS = [
  'period_id',
  'period_case_number',
  'year',
  'invoice_date',
  'as_of',
  'locked_at',
  'invoice_count',
  'invoiced',
  'substitute_population_decided_by',
  'substitute_population_reason'
] as const

const routes: FastifyPluginAsyncTypebox = async app => {
  /** The invoices with their open differences as of today, from the cost shares computed once per change. */
  const withDifferencesToday = (invoices: AdjustedInvoice[]) => {
    const today = todayInSweden()
    return withOpenDifferences(
      invoices,
      async id => (await costSharesReport(app.readCache.memo, app.reportDb, id, today)).years
    )
  }

  app.post(
    '/recommendation-periods/:id/invoiced-years',
    {
      schema: {
        operationId: 'invoiceYear',
        summary: 'Invoice a financing year (lock its shares)',
        description:
          "For finance systems: freezes the year's shares as one invoice per participant, with reference and date, " +
          'computed from participation and ' +
          'population as they stand today. The invoices never change: later decisions or population corrections ' +
          "show as a `difference` in the year's cost shares. " +
          'A year is invoiced once (409 the second time), after its last day to join, and only when every ' +
          "participant's share can be computed.",
        tags: ['invoicing'],
        ...requireScope('finance:write'),
        params: PeriodParams,
        headers: IdempotencyHeaders,
        body: ref(InvoicedYearInput),
        response: {
          201: createdResponse(
            'The year was invoiced (or, with `Idempotent-Replayed: true`, had been).',
            InvoicedYear,
            "The invoiced year's URL."
          ),
          ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422)
        }
      }
    },
    async (request, reply) =>
      write(request, reply, { status: 201, event: 'year.invoiced' }, async (trx, key) => {
        const period = await periods.findOrFail(trx, request.params.id)
        const { year, invoice_date, substitute_population } = request.body
        const today = todayInSweden()
        const wrongYear = notAFinancingYear(period, year)
        if (wrongYear !== undefined)
          throw problem(422, 'The year cannot be invoiced.', { errors: [{ pointer: '/year', detail: wrongYear }] })
        const periodYear = period.years.find(y => y.year === year)!
        const [invoiced] = await invoicing.invoicedYears(trx, period.id, year)
        if (invoiced !== undefined)
          throw problem(
            409,
            `${year} of ${period.case_number} was invoiced at ${invoiced.locked_at}; its invoices never change.`
          )

        const shares = (await costSharesOf(trx, period, today)).find(y => y.year === year)!
        const participants = shares.shares.filter(s => s.participating)
        const participantCodes = new Set(participants.map(s => s.municipality_code))
        const substitutes = shares.shares.filter(s => s.population_basis === 'substitute').map(s => s.municipality_code)
        const errors = invoicingErrors(
          period.cost_model,
          periodYear,
          today,
          {
            missing: shares.totals.missing_basis,
            substitutes,
            substitutesAccepted: substitute_population !== undefined
          },
          participantCodes
        )
        if (errors.length > 0) throw problem(422, `${year} cannot be invoiced now; nothing was written.`, { errors })
        await invoicing.lockYear(
          trx,
          {
            period_id: period.id,
            case_number: period.case_number,
            year,
            invoice_date,
            as_of: today,
            apiKeyId: key.id,
            // Finance's decision is recorded where it was needed: not on a year without substitutes.
            substitute_population:
              invoicedOn(period.cost_model, substitutes, participantCodes).length > 0
                ? (substitute_population ?? null)
                : null
          },
          participants.map(s => ({
            municipality_code: s.municipality_code,
            amount: s.amount,
            exact_amount: s.exact_amount,
            // Membership-fee weights record the population they weigh too; imported weights have none.
            population: s.population,
            population_date: s.population_date,
            population_basis: s.population_basis,
            weight: s.weight,
            rate_per_inhabitant: period.cost_model === 'per_inhabitant' ? period.rate_per_inhabitant : null,
            index_adjustment: shares.index_adjustment,
            decision_id: s.decision_id!
          }))
        )
        const [locked] = await invoicing.invoicedYears(trx, period.id, year)
        return {
          body: locked!,
          headers: { location: `/v1/recommendation-periods/${period.id}/invoiced-years/${year}` }
        }
      })
  )

  app.get(
    '/recommendation-periods/:id/invoiced-years',
    {
      schema: {
        operationId: 'listInvoicedYears',
        summary: "List a period's invoiced years",
        tags: ['invoicing'],
        ...requireScope('read'),
        params: PeriodParams,
        response: {
          200: jsonOrCsv('The invoiced years, as JSON or CSV.', InvoicedYearList),
          ...problemResponses(400, 401, 403, 404)
        }
      }
    },
    async (request, reply) => {
      const period = await periods.findOrFail(app.db, request.params.id)
      const items = await invoicing.invoicedYears(app.db, period.id)
      return sendJsonOrCsv(
        request,
        reply,
        { items },
        {
          columns: INVOICED_YEAR_COLUMNS,
          rows: () =>
            items.map(({ substitute_population, ...item }) => ({
              ...item,
              substitute_population_decided_by: substitute_population?.decided_by,
              substitute_population_reason: substitute_population?.reason
            }))
        }
      )
    }
  )

  app.get(
    '/recommendation-periods/:id/invoiced-years/:year',
    {
      schema: {
        operationId: 'getInvoicedYear',
        summary: 'Get one invoiced year',
        tags: ['invoicing'],
        ...requireScope('read'),
        params: InvoicedYearParams,
        response: {
          200: { description: 'The invoiced year.', content: { 'application/json': { schema: ref(InvoicedYear) } } },
          ...problemResponses(400, 401, 403, 404)
        }
      }
    },
    async request => {
      const period = await periods.findOrFail(app.db, request.params.id)
      const [invoiced] = await invoicing.invoicedYears(app.db, period.id, request.params.year)
      if (invoiced === undefined)
        throw problem(404, `${request.params.year} of ${period.case_number} has not been invoiced.`)
      return invoiced
    }
  )

  app.get(
    '/invoices',
    {
      schema: {
        operationId: 'listInvoices',
        summary: 'List invoices',
        description:
          'For finance systems: the invoices of invoiced years, in the order issued; filter by period, year, ' +
          'municipality and paid status.',
        tags: ['invoicing'],
        ...requireScope('read'),
        querystring: InvoiceListQuery,
        response: {
          200: jsonOrCsv('One page of invoices, as JSON or CSV.', InvoicePage),
          ...problemResponses(400, 401, 403)
        }
      }
    },
    async (request, reply) => {
      const { page: _page, limit: _limit, format: _format, ...filter } = request.query
      const page = pageOf(request.query)
      const listed = await invoicing.list(app.db, filter, offsetOf(page))
      const items = await withDifferencesToday(listed.items)
      const body = paginate(request, reply, page, items, listed.total)
      return sendJsonOrCsv(request, reply, body, {
        columns: CSV_COLUMNS,
        rows: () =>
          items.map(({ payment, adjustments, ...item }) => ({
            ...item,
            paid_on: payment?.paid_on,
            payment_reference: payment?.payment_reference,
            adjustment_count: adjustments.length
          }))
      })
    }
  )

  app.get(
    '/invoices/:id',
    {
      schema: {
        operationId: 'getInvoice',
        summary: 'Get one invoice',
        tags: ['invoicing'],
        ...requireScope('read'),
        params: InvoiceParams,
        response: {
          200: { description: 'The invoice.', content: { 'application/json': { schema: ref(Invoice) } } },
          ...problemResponses(400, 401, 403, 404)
        }
      }
    },
    async request => {
      const invoice = await invoicing.find(app.db, request.params.id)
      if (invoice === undefined) throw problem(404, `No invoice has id ${request.params.id}.`)
      return (await withDifferencesToday([invoice]))[0]!
    }
  )

  app.post(
    '/invoices/:id/payment',
    {
      schema: {
        operationId: 'recordInvoicePayment',
        summary: 'Mark an invoice paid',
        description:
          'Records that the municipality paid the invoice in full, once (409 the second time). The payment is never ' +
          'changed or deleted.',
        tags: ['invoicing'],
        ...requireScope('finance:write', request =>
          invoicing.municipalityOf(request.server.db, (request.params as { id: number }).id)
        ),
        params: InvoiceParams,
        headers: IdempotencyHeaders,
        body: ref(PaymentInput),
        response: {
          201: createdResponse(
            'The payment was recorded; the body is the invoice, now paid.',
            Invoice,
            "The invoice's URL."
          ),
          ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422)
        }
      }
    },
    async (request, reply) =>
      write(request, reply, { status: 201, event: 'invoice.paid' }, async (trx, key) => {
        const { id } = request.params
        const invoice = await invoicing.find(trx, id)
        if (invoice === undefined) throw problem(404, `No invoice has id ${id}.`)
        const { paid_on, payment_reference = null } = request.body
        checkPayment(invoice, paid_on, { document: 'Invoice', date: 'the invoice date', marked: 'paid' })
        await invoicing.recordPayment(trx, id, { paid_on, payment_reference }, key.id)
        const yearsOf = async (periodId: number) =>
          costSharesOf(trx, await periods.findOrFail(trx, periodId), todayInSweden())
        const [paid] = await withOpenDifferences([(await invoicing.find(trx, id))!], yearsOf)
        return { body: paid!, headers: { location: `/v1/invoices/${id}` } }
      })
  )
}

export default routes
