import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import * as municipalities from '../../queries/municipalities.ts'
import { notAFinancingYear } from '../../domain/recommendation-periods.ts'
import type { Static } from 'typebox'
import { todayInSweden } from '../../clock.ts'
import { splitShare } from '../../domain/cost-allocation.ts'
import { formatOre, toOre } from '../../domain/money.ts'
import { requireScope } from '../../plugins/auth.ts'
import { sendJsonOrCsv } from '../../plugins/csv.ts'
import { problem } from '../../plugins/problems.ts'
import { jsonOrCsv, problemResponses } from '../../schemas/common.ts'
import * as allocations from '../../queries/cost-allocations.ts'
import { MunicipalityParams } from '../../schemas/municipalities.ts'
import * as periods from '../../queries/recommendation-periods.ts'
import { PeriodParams } from '../../schemas/recommendation-periods.ts'
import { costSharesReport } from '../../reports/cost-shares.ts'
import {
  CostShareQuery,
  CostShareSummary,
  CostShareYear,
  CostShareYearParams,
  type MunicipalityCostShare,
  MunicipalityCostShareQuery,
  MunicipalityCostShares
} from '../../schemas/cost-shares.ts'

const CSV_COLUMNS = [
  'municipality_code',
  'municipality_name',
  'county_code',
  'participating',
  'decision_id',
  'population',
  'population_date',
  'population_basis',
  'weight',
  'exact_amount',
  'amount',
  'share_exact_amount',
  'share_amount',
  'condition_minimum_total_commitment',
  'condition_met',
  'invoice_reference',
  'invoiced_amount',
  'paid_on',
  'adjustment_count',
  'invoiced_total',
  'difference',
  'settlement'
] as const

const SUMMARY_COLUMNS = [
  'year',
  'index_adjustment',
  'budget',
  'collected',
  'collected_exact',
  'if_all_participated',
  'gap_to_budget',
  'payer_count',
  'municipality_count',
  'missing_basis',
  'population_date',
  'population_substitutes',
  'population_substitute_dates',
  'invoice_date',
  'invoice_count',
  'invoiced',
  'paid',
  'outstanding',
  'adjustment_count',
  'credited',
  'debited',
  'invoiced_total',
  'difference_to_settle',
  'open_differences'
] as const
const MUNICIPALITY_COLUMNS = [
  'period_id',
  'period_case_number',
  'year',
  'participating',
  'decision_id',
  'population',
  'population_date',
  'population_basis',
  'weight',
  'exact_amount',
  'amount',
  'share_exact_amount',
  'share_amount',
  'condition_minimum_total_commitment',
  'condition_met',
  'invoice_reference',
  'invoiced_amount',
  'paid_on',
  'adjustment_count',
  'invoiced_total',
  'difference',
  'settlement',
  'allocation_version'
] as const

const routes: FastifyPluginAsyncTypebox = async app => {
  app.get(
    '/recommendation-periods/:id/cost-shares',
    {
      schema: {
        operationId: 'getCostShareSummary',
        summary: "Every financing year's totals",
        description:
          'For finance and BI: per financing year, what the participants owe together (`collected`), the budget, ' +
          'what all municipalities would owe ' +
          'if all took part, the gap to the budget and the number of payers; and, once a year is invoiced, what was ' +
          'invoiced, paid and is left to settle.',
        tags: ['cost shares'],
        ...requireScope('read'),
        params: PeriodParams,
        querystring: CostShareQuery,
        response: {
          200: jsonOrCsv('The totals, as JSON or CSV (one row per year).', CostShareSummary),
          ...problemResponses(400, 401, 403, 404)
        }
      }
    },
    async (request, reply) => {
      const asOf = request.query.as_of ?? todayInSweden()
      const report = await costSharesReport(app.readCache.memo, app.reportDb, request.params.id, asOf)
      const { period } = report
      const years = report.years.map(({ shares: _, ...year }) => year)
      return sendJsonOrCsv(
        request,
        reply,
        { period_id: period.id, period_case_number: period.case_number, as_of: asOf, years },
        {
          columns: SUMMARY_COLUMNS,
          rows: () =>
            years.map(({ totals, invoicing, ...year }) => {
              const substitutes = totals.population_figures_used.filter(f => f.substitute)
              return {
                ...year,
                ...totals,
                missing_basis: totals.missing_basis.join(' '),
                population_substitutes: substitutes.reduce((n, f) => n + f.municipalities, 0),
                population_substitute_dates: substitutes.map(f => f.reference_date).join(' '),
                ...invoicing
              }
            })
        }
      )
    }
  )

  app.get(
    '/recommendation-periods/:id/cost-shares/:year',
    {
      schema: {
        operationId: 'getCostShareYear',
        summary: "Every municipality's share of a year",
        description:
          "For finance systems: each municipality's share of the financing year under the period's cost model, " +
          'exact and rounded to the invoice amount ' +
          '(`amount`), with what it was computed from. Non-participants owe 0 and nobody owes more because others ' +
          'declined. Once the year is invoiced, each row ' +
          'carries its frozen invoice and the `difference` that later decisions or population corrections would ' +
          'make, to settle by credit or debit; ' +
          'the invoices themselves never change. CSV has one row per municipality.',
        tags: ['cost shares'],
        ...requireScope('read'),
        params: CostShareYearParams,
        querystring: CostShareQuery,
        response: {
          200: jsonOrCsv("The year's shares, as JSON or CSV.", CostShareYear),
          ...problemResponses(400, 401, 403, 404)
        }
      }
    },
    async (request, reply) => {
      const asOf = request.query.as_of ?? todayInSweden()
      const { period, years } = await costSharesReport(app.readCache.memo, app.reportDb, request.params.id, asOf)
      const wrongYear = notAFinancingYear(period, request.params.year)
      if (wrongYear !== undefined) throw problem(404, `${wrongYear}.`)
      const year = years.find(y => y.year === request.params.year)!
      const body = {
        period_id: period.id,
        period_case_number: period.case_number,
        as_of: asOf,
        cost_model: period.cost_model,
        rate_per_inhabitant: period.rate_per_inhabitant,
        rounding_unit: period.rounding_unit,
        rounding_mode: period.rounding_mode,
        ...year
      }
      return sendJsonOrCsv(request, reply, body, {
        columns: CSV_COLUMNS,
        rows: () =>
          year.shares.map(({ condition, invoice, adjustments, ...share }) => ({
            ...share,
            condition_minimum_total_commitment: condition?.minimum_total_commitment,
            condition_met: condition?.met,
            invoice_reference: invoice?.reference,
            invoiced_amount: invoice?.amount,
            paid_on: invoice?.paid_on,
            adjustment_count: adjustments.length
          }))
      })
    }
  )

  app.get(
    '/municipalities/:code/cost-shares',
    {
      schema: {
        operationId: 'getMunicipalityCostShares',
        summary: "A municipality's shares across years",
        description:
          'What one municipality owes in every financing year of every period (or of one), with its conditions, ' +
          'invoices and differences, ' +
          "and the share split by its latest cost allocation: each area's and committee's amount, summing exactly " +
          'to the share.',
        tags: ['cost shares'],
        ...requireScope('read'),
        params: MunicipalityParams,
        querystring: MunicipalityCostShareQuery,
        response: {
          200: jsonOrCsv(
            'The shares, as JSON or CSV (one row per year, without the areas and committees, which are in the JSON).',
            MunicipalityCostShares
          ),
          ...problemResponses(400, 401, 403, 404)
        }
      }
    },
    async (request, reply) => {
      const municipality = await municipalities.findOrFail(app.reportDb, request.params.code)
      const asOf = request.query.as_of ?? todayInSweden()
      const chosen =
        request.query.period_id === undefined
          ? await periods.all(app.reportDb)
          : [await periods.findOrFail(app.reportDb, request.query.period_id)]
      const allocationOf = new Map(
        (await allocations.latest(app.reportDb, municipality.code, request.query.period_id)).map(a => [a.period_id, a])
      )
      const items: Array<Static<typeof MunicipalityCostShare>> = []
      for (const period of chosen) {
        const allocation = allocationOf.get(period.id)
        const { years } = await costSharesReport(app.readCache.memo, app.reportDb, period.id, asOf)
        for (const year of years) {
          const {
            municipality_code: _c,
            municipality_name: _n,
            county_code: _county,
            ...share
          } = year.shares.find(s => s.municipality_code === municipality.code)!
          // Once invoiced, the split is of what the municipality has been invoiced in all, adjustments included.
          const amount = share.invoiced_total ?? share.amount
          const split = allocation && splitShare(toOre(amount), allocation.areas)
          items.push({
            period_id: period.id,
            period_case_number: period.case_number,
            year: year.year,
            ...share,
            allocation:
              allocation === undefined
                ? null
                : {
                    version: allocation.version,
                    amount,
                    areas: split!.areas.map(a => ({ ...a, amount: formatOre(a.amount) })),
                    committees: split!.committees.map(c => ({
                      committee: c.committee,
                      percent: formatOre(c.percent),
                      amount: formatOre(c.amount)
                    }))
                  }
          })
        }
      }
      return sendJsonOrCsv(
        request,
        reply,
        { municipality_code: municipality.code, municipality_name: municipality.name, as_of: asOf, items },
        {
          columns: MUNICIPALITY_COLUMNS,
          rows: () =>
            items.map(({ condition, invoice, adjustments, allocation, ...item }) => ({
              ...item,
              condition_minimum_total_commitment: condition?.minimum_total_commitment,
              condition_met: condition?.met,
              invoice_reference: invoice?.reference,
              invoiced_amount: invoice?.amount,
              paid_on: invoice?.paid_on,
              adjustment_count: adjustments.length,
              allocation_version: allocation?.version
            }))
        }
      )
    }
  )
}

export default routes
