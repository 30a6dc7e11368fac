import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { todayInSweden } from '../../clock.ts'
import { EXACT_SCALE } from '../../domain/cost-shares.ts'
import { invoicedOn, invoicingErrors } from '../../domain/invoicing.ts'
import { formatOre, formatScaled, scaled, toOre } from '../../domain/money.ts'
import { adjustmentOf, adjustmentReference, datedBeforeInvoice, signed } from '../../domain/settlements.ts'
import { offsetOf, pageOf, paginate } from '../../http/pagination.ts'
import { checkPayment } from '../../http/payment.ts'
import { createdResponse, IdempotencyHeaders, write } from '../../http/write.ts'
import { requireScope } from '../../plugins/auth.ts'
import { sendJsonOrCsv } from '../../plugins/csv.ts'
import { problem } from '../../plugins/problems.ts'
import * as invoicing from '../../queries/invoicing.ts'
import * as periods from '../../queries/recommendation-periods.ts'
import * as settlements from '../../queries/settlements.ts'
import { costSharesOf } from '../../reports/cost-shares.ts'
import { jsonOrCsv, problemResponses, ref } from '../../schemas/common.ts'
import { InvoicedYearParams, PaymentInput } from '../../schemas/invoicing.ts'
import {
  Adjustment,
  AdjustmentListQuery,
  AdjustmentPage,
  AdjustmentParams,
  Settlement,
  SettlementInput,
  SettlementParams
} from '../../schemas/settlements.ts'

const CSV_COLUMNS = [
  'id',
  'settlement_id',
  'period_id',
  'period_case_number',
  'year',
  'municipality_code',
  'municipality_name',
  'kind',
  'reference',
  'invoice_id',
  'invoice_reference',
  'sequence',
  'invoice_date',
  'amount',
  'exact_amount',
  'previously_invoiced',
  'previously_invoiced_exact',
  'share_amount',
  'share_exact_amount',
  'population',
  'population_date',
  'population_basis',
  'weight',
  'rate_per_inhabitant',
  'index_adjustment',
  'decision_id',
  'status',
  'paid_on',
  'payment_reference'
] as const

const exactOf = (amount: string) => scaled(amount, EXACT_SCALE)

const routes: FastifyPluginAsyncTypebox = async app => {
  app.post(
    '/recommendation-periods/:id/invoiced-years/:year/settlements',
    {
      schema: {
        operationId: 'settleInvoicedYear',
        summary: "Settle an invoiced year's differences",
        description:
          'For finance systems: for every municipality whose share, computed from participation and population as ' +
          'they stand today, differs from what it has been invoiced for the year (its invoice and earlier ' +
          'adjustments), issues one adjustment: a credit note for a credit, a supplementary invoice for a debit, ' +
          "numbered after the municipality's invoice and recording what it was computed from. Afterwards every " +
          "municipality's invoice and adjustments add up to its share; a later decision or correction opens a new " +
          'difference, settled by the next settlement. 409 when there is nothing to settle; the same rules as ' +
          'invoicing apply to shares that cannot be computed or rest on substitute population figures.',
        tags: ['settlements'],
        ...requireScope('finance:write'),
        params: InvoicedYearParams,
        headers: IdempotencyHeaders,
        body: ref(SettlementInput),
        response: {
          201: createdResponse(
            'The differences were settled (or, with `Idempotent-Replayed: true`, had been).',
            Settlement,
            "The settlement's URL."
          ),
          ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422)
        }
      }
    },
    async (request, reply) =>
      write(request, reply, { status: 201, event: 'settlement.issued' }, async (trx, key) => {
        const period = await periods.findOrFail(trx, request.params.id)
        const { year } = request.params
        const { invoice_date, substitute_population } = request.body
        const [invoiced] = await invoicing.invoicedYears(trx, period.id, year)
        if (invoiced === undefined)
          throw problem(404, `${year} of ${period.case_number} has not been invoiced: there is nothing to settle.`)
        await settlements.lockYear(trx, period.id, year)

        const today = todayInSweden()
        const [shares, invoices, adjustments] = await Promise.all([
          costSharesOf(trx, period, today).then(years => years.find(y => y.year === year)!),
          invoicing.ofPeriod(trx, period.id),
          settlements.ofPeriod(trx, period.id)
        ])
        const participantCodes = new Set(shares.shares.filter(s => s.participating).map(s => s.municipality_code))
        const substitutes = shares.shares.filter(s => s.population_basis === 'substitute').map(s => s.municipality_code)
        const errors = invoicingErrors(
          period.cost_model,
          period.years.find(y => y.year === year)!,
          today,
          {
            missing: shares.totals.missing_basis,
            substitutes,
            substitutesAccepted: substitute_population !== undefined
          },
          participantCodes
        )
        if (errors.length > 0) throw problem(422, `${year} cannot be settled now; nothing was written.`, { errors })

        // Dated on or after what it corrects: the year's invoices, and the adjustments of earlier settlements.
        // ISO dates sort as they fall.
        const lastDated = [invoiced.invoice_date, ...adjustments.filter(a => a.year === year).map(a => a.invoice_date)]
          .sort()
          .at(-1)!
        if (datedBeforeInvoice(invoice_date, lastDated))
          throw problem(422, 'The year cannot be settled.', {
            errors: [
              { pointer: '/invoice_date', detail: `dated ${invoice_date}, before what it corrects, of ${lastDated}` }
            ]
          })
        const invoiceOf = new Map(invoices.filter(i => i.year === year).map(i => [i.municipality_code, i]))
        const earlierOf = Map.groupBy(
          adjustments.filter(a => a.year === year),
          a => a.municipality_code
        )
        const rows = shares.shares.flatMap((share): settlements.NewAdjustment[] => {
          const invoice = invoiceOf.get(share.municipality_code)
          const earlier = earlierOf.get(share.municipality_code) ?? []
          // What was invoiced before: the rounded amounts add up; the exact one is the share the last adjustment
          // settled to (or the invoice's), since an exact difference need not follow its rounded one.
          const latest = earlier.at(-1)
          const before = {
            amount: earlier.reduce((sum, a) => sum + signed(a.kind, toOre(a.amount)), toOre(invoice?.amount ?? '0')),
            exact: exactOf(latest?.share_exact_amount ?? invoice?.exact_amount ?? '0')
          }
          const owed = { owed: toOre(share.amount), owedExact: exactOf(share.exact_amount) }
          const adjustment = adjustmentOf(owed, before)
          if (adjustment === null) return []
          const sequence = earlier.length + 1
          return [
            {
              municipality_code: share.municipality_code,
              invoice_id: invoice?.id ?? null,
              sequence,
              reference: adjustmentReference(`${period.case_number}-${year}-${share.municipality_code}`, sequence),
              kind: adjustment.kind,
              amount: formatOre(adjustment.amount),
              exact_amount: formatScaled(adjustment.exact, EXACT_SCALE),
              previously_invoiced: formatOre(before.amount),
              previously_invoiced_exact: formatScaled(before.exact, EXACT_SCALE),
              share_amount: share.amount,
              share_exact_amount: share.exact_amount,
              population: share.population,
              population_date: share.population_date,
              population_basis: share.population_basis,
              weight: share.weight,
              rate_per_inhabitant: period.cost_model === 'per_inhabitant' ? period.rate_per_inhabitant : null,
              index_adjustment: shares.index_adjustment,
              decision_id: share.decision_id
            }
          ]
        })
        if (rows.length === 0)
          throw problem(
            409,
            `Nothing to settle: every municipality has been invoiced its share of ${year} as it stands today.`
          )
        const id = await settlements.insert(
          trx,
          {
            period_id: period.id,
            year,
            invoice_date,
            as_of: today,
            apiKeyId: key.id,
            // Finance's decision is recorded where it was needed, as with invoicing.
            substitute_population:
              invoicedOn(period.cost_model, substitutes, participantCodes).length > 0
                ? (substitute_population ?? null)
                : null
          },
          rows
        )
        return { body: (await settlements.findSettlement(trx, id))!, headers: { location: `/v1/settlements/${id}` } }
      })
  )

  app.get(
    '/settlements/:id',
    {
      schema: {
        operationId: 'getSettlement',
        summary: 'Get one settlement',
        tags: ['settlements'],
        ...requireScope('read'),
        params: SettlementParams,
        response: {
          200: { description: 'The settlement.', content: { 'application/json': { schema: ref(Settlement) } } },
          ...problemResponses(400, 401, 403, 404)
        }
      }
    },
    async request => {
      const settlement = await settlements.findSettlement(app.db, request.params.id)
      if (settlement === undefined) throw problem(404, `No settlement has id ${request.params.id}.`)
      return settlement
    }
  )

  app.get(
    '/adjustments',
    {
      schema: {
        operationId: 'listAdjustments',
        summary: 'List adjustments (credit notes and supplementary invoices)',
        description:
          'For finance systems: the adjustments settlements issued, in the order issued; filter by period, year, ' +
          'municipality, kind and status.',
        tags: ['settlements'],
        ...requireScope('read'),
        querystring: AdjustmentListQuery,
        response: {
          200: jsonOrCsv('One page of adjustments, as JSON or CSV.', AdjustmentPage),
          ...problemResponses(400, 401, 403)
        }
      }
    },
    async (request, reply) => {
      const { page: _page, limit: _limit, format: _format, ...filter } = request.query
      const page = pageOf(request.query)
      const { items, total } = await settlements.list(app.db, filter, offsetOf(page))
      const body = paginate(request, reply, page, items, total)
      return sendJsonOrCsv(request, reply, body, {
        columns: CSV_COLUMNS,
        rows: () =>
          items.map(({ payment, ...item }) => ({
            ...item,
            paid_on: payment?.paid_on,
            payment_reference: payment?.payment_reference
          }))
      })
    }
  )

  app.get(
    '/adjustments/:id',
    {
      schema: {
        operationId: 'getAdjustment',
        summary: 'Get one adjustment',
        tags: ['settlements'],
        ...requireScope('read'),
        params: AdjustmentParams,
        response: {
          200: { description: 'The adjustment.', content: { 'application/json': { schema: ref(Adjustment) } } },
          ...problemResponses(400, 401, 403, 404)
        }
      }
    },
    async request => {
      const adjustment = await settlements.find(app.db, request.params.id)
      if (adjustment === undefined) throw problem(404, `No adjustment has id ${request.params.id}.`)
      return adjustment
    }
  )

  app.post(
    '/adjustments/:id/payment',
    {
      schema: {
        operationId: 'recordAdjustmentPayment',
        summary: 'Mark an adjustment paid or refunded',
        description:
          'Records, once (409 the second time), that the municipality paid a supplementary invoice, or that a credit ' +
          'note was refunded to it (or offset), in full. Never changed or deleted.',
        tags: ['settlements'],
        ...requireScope('finance:write', request =>
          settlements.municipalityOf(request.server.db, (request.params as { id: number }).id)
        ),
        params: AdjustmentParams,
        headers: IdempotencyHeaders,
        body: ref(PaymentInput),
        response: {
          201: createdResponse(
            'The payment or refund was recorded; the body is the adjustment, now paid or refunded.',
            Adjustment,
            "The adjustment's URL."
          ),
          ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422)
        }
      }
    },
    async (request, reply) =>
      write(request, reply, { status: 201, event: 'adjustment.paid' }, async (trx, key) => {
        const { id } = request.params
        const adjustment = await settlements.find(trx, id)
        if (adjustment === undefined) throw problem(404, `No adjustment has id ${id}.`)
        const { paid_on, payment_reference = null } = request.body
        checkPayment(adjustment, paid_on, {
          document: 'Adjustment',
          date: "the adjustment's date",
          marked: adjustment.status
        })
        await settlements.recordPayment(trx, id, { paid_on, payment_reference }, key.id)
        return { body: (await settlements.find(trx, id))!, headers: { location: `/v1/adjustments/${id}` } }
      })
  )
}

export default routes
