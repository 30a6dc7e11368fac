import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import * as periods from '../../queries/recommendation-periods.ts'
import { notAFinancingYear } from '../../domain/recommendation-periods.ts'
import { formatOre, formatScaled, toOre } from '../../domain/money.ts'
import { EXACT_SCALE } from '../../domain/cost-shares.ts'
import { allocate, allocationsBelowPayouts, planErrors } from '../../domain/register-allocation.ts'
import { requireScope } from '../../plugins/auth.ts'
import { IdempotencyHeaders, replayedHeader, write } from '../../http/write.ts'
import { problem } from '../../plugins/problems.ts'
import { sendJsonOrCsv } from '../../plugins/csv.ts'
import { jsonOrCsv, locationHeader, problemResponses, ref } from '../../schemas/common.ts'
import * as invoicing from '../../queries/invoicing.ts'
import * as registers from '../../queries/quality-registers.ts'
import { PeriodParams } from '../../schemas/recommendation-periods.ts'
import * as payouts from '../../queries/register-payouts.ts'
import * as plans from '../../queries/register-allocations.ts'
import {
  AllocationPlan,
  AllocationPlanInput,
  AllocationPlanList,
  AllocationPlanParams,
  AllocationPlanQuery
} from '../../schemas/register-allocations.ts'

const PLAN_COLUMNS = [
  'period_id',
  'period_case_number',
  'year',
  'version',
  'basis',
  'scaled_to_collected',
  'line_amount',
  'budget',
  'collected',
  'total',
  'register_code',
  'register_name',
  'percent',
  'fixed_amount',
  'amount',
  'recorded_at'
] as const

const routes: FastifyPluginAsyncTypebox = async app => {
  app.post(
    '/recommendation-periods/:id/register-allocations',
    {
      schema: {
        operationId: 'recordAllocationPlan',
        summary: "Allocate a year's register money to the quality registers",
        description:
          "For finance: records how the financing year's register money is split between the quality registers, by " +
          'percent of the register line or ' +
          "by fixed amounts, optionally scaled to what the year's invoices collected. Each recording is a new " +
          'version; the latest counts and earlier ones are kept. ' +
          'A plan that would allocate a register less than its payouts (all but cancelled ones) already take is ' +
          'refused.',
        tags: ['register payouts'],
        ...requireScope('finance:write'),
        params: PeriodParams,
        headers: IdempotencyHeaders,
        body: ref(AllocationPlanInput),
        response: {
          201: {
            description: 'The plan was recorded (or, with `Idempotent-Replayed: true`, had been).',
            headers: { ...locationHeader("The year's current plan."), ...replayedHeader },
            content: { 'application/json': { schema: ref(AllocationPlan) } }
          },
          ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422)
        }
      }
    },
    async (request, reply) =>
      write(request, reply, { status: 201, event: 'register_allocation.recorded' }, async (trx, key) => {
        const input = request.body
        await plans.lockFinancingYear(trx, request.params.id, input.year)
        const period = await periods.findOrFail(trx, request.params.id)
        const wrongYear = notAFinancingYear(period, input.year)
        if (wrongYear !== undefined)
          throw problem(422, 'The plan cannot be recorded.', { errors: [{ pointer: '/year', detail: wrongYear }] })
        const periodYear = period.years.find(y => y.year === input.year)!

        const [invoiced] = await invoicing.invoicedYears(trx, period.id, input.year)
        const funds = {
          annualBudget: period.annual_budget,
          lineAnnualAmount: period.budget_lines.find(l => l.kind === 'quality_registers')?.annual_amount ?? null,
          indexAdjustment: periodYear.index_adjustment,
          roundingMode: period.rounding_mode,
          // What was collected: the invoices and the settlements' adjustments, as the payout report counts it.
          invoiced: invoiced === undefined ? null : toOre(invoiced.invoiced_total)
        }
        const known = new Set((await registers.all(trx)).map(r => r.code))
        const errors = planErrors(input, funds, known)
        if (errors.length > 0)
          throw problem(422, `The plan breaks ${errors.length} rule(s); nothing was recorded.`, { errors })

        const allocation = allocate(input, funds)
        const committed = await payouts.committedByRegister(trx, period.id, input.year)
        const undercut = allocationsBelowPayouts(input.registers, allocation.amounts, committed)
        if (undercut.length > 0)
          throw problem(422, 'The plan would allocate less than payouts already take; nothing was recorded.', {
            errors: undercut
          })

        await plans.insert(
          trx,
          {
            period_id: period.id,
            year: input.year,
            basis: input.basis,
            scaled_to_collected: input.scaled_to_collected,
            line_amount: allocation.line === null ? null : formatOre(allocation.line),
            budget: formatScaled(allocation.budget, EXACT_SCALE),
            collected: allocation.collected === null ? null : formatOre(allocation.collected),
            total: formatOre(allocation.total)
          },
          input.registers.map((r, i) => ({
            register_code: r.register_code,
            percent: r.percent ?? null,
            fixed_amount: r.amount ?? null,
            amount: formatOre(allocation.amounts[i]!)
          })),
          key.id
        )
        const [recorded] = await plans.plans(trx, period.id, { year: input.year })
        return {
          body: recorded!,
          headers: { location: `/v1/recommendation-periods/${period.id}/register-allocations/${input.year}` }
        }
      })
  )

  app.get(
    '/recommendation-periods/:id/register-allocations',
    {
      schema: {
        operationId: 'listAllocationPlans',
        summary: "A period's current register allocations",
        description: 'The latest allocation plan of each financing year that has one.',
        tags: ['register payouts'],
        ...requireScope('read'),
        params: PeriodParams,
        response: {
          200: jsonOrCsv('The plans, as JSON or CSV (one row per register).', AllocationPlanList),
          ...problemResponses(400, 401, 403, 404)
        }
      }
    },
    async (request, reply) => {
      const period = await periods.findOrFail(app.db, request.params.id)
      const items = await plans.plans(app.db, period.id)
      return sendJsonOrCsv(
        request,
        reply,
        { items },
        {
          columns: PLAN_COLUMNS,
          rows: () => items.flatMap(({ registers, ...plan }) => registers.map(register => ({ ...plan, ...register })))
        }
      )
    }
  )

  app.get(
    '/recommendation-periods/:id/register-allocations/:year',
    {
      schema: {
        operationId: 'getAllocationPlan',
        summary: "A year's register allocation",
        description: "The year's latest allocation plan, or an earlier version of it.",
        tags: ['register payouts'],
        ...requireScope('read'),
        params: AllocationPlanParams,
        querystring: AllocationPlanQuery,
        response: {
          200: { description: 'The plan.', content: { 'application/json': { schema: ref(AllocationPlan) } } },
          ...problemResponses(400, 401, 403, 404)
        }
      }
    },
    async request => {
      const period = await periods.findOrFail(app.db, request.params.id)
      const [plan] = await plans.plans(app.db, period.id, { year: request.params.year, version: request.query.version })
      if (plan === undefined)
        throw problem(
          404,
          `${period.case_number} has no register allocation for ${request.params.year}${request.query.version === undefined ? '' : ` in version ${request.query.version}`}.`
        )
      return plan
    }
  )
}

export default routes
