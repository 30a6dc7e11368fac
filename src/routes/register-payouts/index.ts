import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import * as periods from '../../queries/recommendation-periods.ts'
import { notAFinancingYear } from '../../domain/recommendation-periods.ts'
import { todayInSweden } from '../../clock.ts'
import { formatOre, toOre } from '../../domain/money.ts'
import { NEXT_STATUSES, payoutBeyondAllocation, statusChangeErrors } from '../../domain/register-payouts.ts'
import { requireScope } from '../../plugins/auth.ts'
import { sendJsonOrCsv } from '../../plugins/csv.ts'
import { IdempotencyHeaders, replayedHeader, write } from '../../http/write.ts'
import { offsetOf, pageOf, paginate } from '../../http/pagination.ts'
import { problem } from '../../plugins/problems.ts'
import { locationHeader, problemResponses, ref, jsonOrCsv } from '../../schemas/common.ts'
import * as registers from '../../queries/quality-registers.ts'
import { PeriodParams } from '../../schemas/recommendation-periods.ts'
import * as plans from '../../queries/register-allocations.ts'
import * as payouts from '../../queries/register-payouts.ts'
import { payoutReport } from '../../reports/payout-report.ts'
import {
  Payout,
  PayoutInput,
  PayoutListQuery,
  PayoutPage,
  PayoutParams,
  PayoutReport,
  PayoutReportParams,
  PayoutReportQuery,
  StatusChangeInput,
  YearPayoutReport
} from '../../schemas/register-payouts.ts'

const PAYOUT_COLUMNS = [
  'id',
  'period_id',
  'period_case_number',
  'year',
  'register_code',
  'register_name',
  'amount',
  'status',
  'paid_on',
  'payment_reference',
  'note',
  'created_at',
  'updated_at'
] as const
const YEAR_COLUMNS = [
  'year',
  'collected',
  'collected_basis',
  'credited',
  'debited',
  'difference_to_settle',
  'open_differences',
  'allocation_version',
  'allocation_basis',
  'scaled_to_collected',
  'allocated_to_registers',
  'planned',
  'approved',
  'paid_out',
  'remaining',
  'left_for_other_lines'
] as const
const REGISTER_COLUMNS = [
  'year',
  'register_code',
  'register_name',
  'allocated',
  'planned',
  'approved',
  'paid',
  'outstanding',
  'available'
] as const

const created = {
  description: 'Done (or, with `Idempotent-Replayed: true`, had been); the body is the payout as it now stands.',
  headers: { ...locationHeader("The payout's URL."), ...replayedHeader },
  content: { 'application/json': { schema: ref(Payout) } }
}

const routes: FastifyPluginAsyncTypebox = async app => {
  app.post(
    '/register-payouts',
    {
      schema: {
        operationId: 'planPayout',
        summary: 'Plan a payout to a quality register',
        description:
          "For finance: plans a payout of a year's register money to a register. It counts against the register's " +
          'allocation at once, and is refused ' +
          "if it would take the register's payouts (all but cancelled ones) past the allocation in the year's " +
          'latest plan, however many requests arrive at once.',
        tags: ['register payouts'],
        ...requireScope('finance:write'),
        headers: IdempotencyHeaders,
        body: ref(PayoutInput),
        response: { 201: created, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422) }
      }
    },
    async (request, reply) =>
      write(request, reply, { status: 201, event: 'payout.planned' }, async (trx, key) => {
        const input = request.body
        await plans.lockFinancingYear(trx, input.period_id, input.year)
        const period = await periods.findOrFail(trx, input.period_id)
        const errors = []
        const wrongYear = notAFinancingYear(period, input.year)
        if (wrongYear !== undefined) errors.push({ pointer: '/year', detail: wrongYear })
        if ((await registers.find(trx, input.register_code)) === undefined)
          errors.push({ pointer: '/register_code', detail: `${input.register_code} is not a quality register` })
        if (toOre(input.amount) <= 0n) errors.push({ pointer: '/amount', detail: 'must be more than 0' })
        if (errors.length > 0)
          throw problem(422, `The payout breaks ${errors.length} rule(s); nothing was written.`, { errors })

        const [plan] = await plans.plans(trx, period.id, { year: input.year })
        const allocated = toOre(plan?.registers.find(r => r.register_code === input.register_code)?.amount ?? '0')
        const committed = (await payouts.committedByRegister(trx, period.id, input.year)).get(input.register_code) ?? 0n
        const beyond = payoutBeyondAllocation(allocated, committed, toOre(input.amount))
        if (beyond !== undefined) {
          throw problem(422, "The payout would exceed the register's allocation; nothing was written.", {
            errors: [
              {
                pointer: '/amount',
                detail:
                  `${input.register_code} is allocated ${formatOre(allocated)} for ${input.year} and its payouts take ` +
                  `${formatOre(committed)}: at most ${formatOre(beyond.left)} is left`
              }
            ]
          })
        }
        const id = await payouts.insert(trx, input, key.id)
        return { body: (await payouts.find(trx, id))!, headers: { location: `/v1/register-payouts/${id}` } }
      })
  )

  app.post(
    '/register-payouts/:id/status-changes',
    {
      schema: {
        operationId: 'changePayoutStatus',
        summary: 'Approve, pay or cancel a payout',
        description:
          'Moves a payout planned → approved → paid, or cancels it before it is paid (with a reason). Approving and ' +
          "paying need the register's payee details; " +
          "paying needs the payment date and reference. Any other move is a 409. Every move is kept in the payout's " +
          '`history`.',
        tags: ['register payouts'],
        ...requireScope('finance:write'),
        params: PayoutParams,
        headers: IdempotencyHeaders,
        body: ref(StatusChangeInput),
        response: { 201: created, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422) }
      }
    },
    async (request, reply) =>
      write(request, reply, { status: 201, event: 'payout.status_changed' }, async (trx, key) => {
        const { id } = request.params
        const where = await payouts.yearOf(trx, id)
        if (where === undefined) throw problem(404, `No register payout has id ${id}.`)
        await plans.lockFinancingYear(trx, where.period_id, where.year)
        const payout = (await payouts.find(trx, id))!
        const change = request.body
        if (!NEXT_STATUSES[payout.status].includes(change.status)) {
          throw problem(
            409,
            `Payout ${id} is ${payout.status}; it can${NEXT_STATUSES[payout.status].length === 0 ? ' no longer move' : ` only become ${NEXT_STATUSES[payout.status].join(' or ')}`}.`
          )
        }
        const register = (await registers.find(trx, payout.register_code))!
        const errors = statusChangeErrors(change, todayInSweden(new Date(payout.created_at)), register.payee !== null)
        if (errors.length > 0)
          throw problem(422, `The payout cannot become ${change.status}; nothing was written.`, { errors })
        await payouts.changeStatus(trx, id, change, key.id)
        return { body: (await payouts.find(trx, id))!, headers: { location: `/v1/register-payouts/${id}` } }
      })
  )

  app.get(
    '/register-payouts',
    {
      schema: {
        operationId: 'listPayouts',
        summary: 'List register payouts',
        description:
          'For finance and the registers: payouts in the order planned; filter by period, year, register and status.',
        tags: ['register payouts'],
        ...requireScope('read'),
        querystring: PayoutListQuery,
        response: {
          200: jsonOrCsv('One page of payouts, as JSON or CSV (without the history).', PayoutPage),
          ...problemResponses(400, 401, 403)
        }
      }
    },
    async (request, reply) => {
      const { page: _page, limit: _limit, format: _format, ...filter } = request.query
      const page = pageOf(request.query)
      const { items, total } = await payouts.list(app.db, filter, offsetOf(page))
      return sendJsonOrCsv(request, reply, paginate(request, reply, page, items, total), {
        columns: PAYOUT_COLUMNS,
        rows: () => items
      })
    }
  )

  app.get(
    '/register-payouts/:id',
    {
      schema: {
        operationId: 'getPayout',
        summary: 'Get one register payout',
        tags: ['register payouts'],
        ...requireScope('read'),
        params: PayoutParams,
        response: {
          200: { description: 'The payout and its history.', content: { 'application/json': { schema: ref(Payout) } } },
          ...problemResponses(400, 401, 403, 404)
        }
      }
    },
    async request => {
      const payout = await payouts.find(app.db, request.params.id)
      if (payout === undefined) throw problem(404, `No register payout has id ${request.params.id}.`)
      return payout
    }
  )

  app.get(
    '/recommendation-periods/:id/payout-report',
    {
      schema: {
        operationId: 'getPayoutReport',
        summary: 'Register money, year by year',
        description:
          'Per financing year: what was collected, what is allocated to the quality registers, planned, approved ' +
          'and paid out to them, what remains to pay them, ' +
          "and what is left for the other budget lines; with every register's figures. `collected` is the year's " +
          "invoiced total once invoiced (as in the cost shares' " +
          "`invoicing.invoiced_total`: the invoices with the settlements' adjustments), until then the cost shares' projected `collected`. CSV has one row per year.",
        tags: ['register payouts'],
        ...requireScope('read'),
        params: PeriodParams,
        querystring: PayoutReportQuery,
        response: {
          200: jsonOrCsv('The report, as JSON or CSV.', PayoutReport),
          ...problemResponses(400, 401, 403, 404)
        }
      }
    },
    async (request, reply) => {
      const asOf = request.query.as_of ?? todayInSweden()
      const { period, years } = await payoutReport(app.readCache.memo, app.reportDb, request.params.id, asOf)
      return sendJsonOrCsv(
        request,
        reply,
        { period_id: period.id, period_case_number: period.case_number, as_of: asOf, years },
        {
          columns: YEAR_COLUMNS,
          rows: () =>
            years.map(({ allocation, settlement, registers: _, ...year }) => ({
              ...year,
              ...settlement,
              allocation_version: allocation?.version,
              allocation_basis: allocation?.basis,
              scaled_to_collected: allocation?.scaled_to_collected
            }))
        }
      )
    }
  )

  app.get(
    '/recommendation-periods/:id/payout-report/:year',
    {
      schema: {
        operationId: 'getYearPayoutReport',
        summary: "A year's register money, register by register",
        description:
          'Per quality register for one financing year: allocated, planned, approved, paid, outstanding (allocated ' +
          'less paid) and available for new payouts; ' +
          "with the year's totals. CSV has one row per register.",
        tags: ['register payouts'],
        ...requireScope('read'),
        params: PayoutReportParams,
        querystring: PayoutReportQuery,
        response: {
          200: jsonOrCsv("The year's report, as JSON or CSV.", YearPayoutReport),
          ...problemResponses(400, 401, 403, 404)
        }
      }
    },
    async (request, reply) => {
      const asOf = request.query.as_of ?? todayInSweden()
      const { period, years } = await payoutReport(app.readCache.memo, app.reportDb, request.params.id, asOf)
      const wrongYear = notAFinancingYear(period, request.params.year)
      if (wrongYear !== undefined) throw problem(404, `${wrongYear}.`)
      const year = years.find(y => y.year === request.params.year)!
      return sendJsonOrCsv(
        request,
        reply,
        { period_id: period.id, period_case_number: period.case_number, as_of: asOf, ...year },
        {
          columns: REGISTER_COLUMNS,
          rows: () => year.registers.map(r => ({ year: year.year, ...r }))
        }
      )
    }
  )
}

export default routes
