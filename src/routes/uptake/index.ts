import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { TSchema } from 'typebox'
import { todayInSweden } from '../../clock.ts'
import { timeline } from '../../domain/participation.ts'
import { countByStatus } from '../../domain/uptake.ts'
import { requireScope } from '../../plugins/auth.ts'
import { sendJsonOrCsv } from '../../plugins/csv.ts'
import { problemResponses, ref } from '../../schemas/common.ts'
import { findPeriodOrFail } from '../recommendation-periods/index.ts'
import { PeriodParams } from '../recommendation-periods/schemas.ts'
import { participationAsOf, populationDateOf } from './report.ts'
import { Participation, ReportQuery, Uptake, UptakeTimeline } from './schemas.ts'

const jsonOrCsv = (description: string, schema: TSchema) => ({
  description,
  content: { 'application/json': { schema: ref(schema) }, 'text/csv': { schema: { type: 'string' } } }
})

const STATUS_COLUMNS = ['total', 'adopted', 'declined', 'no_answer', 'adopted_percent', 'declined_percent', 'no_answer_percent'] as const
const prefixed = <P extends string>(prefix: P) => STATUS_COLUMNS.map(c => `${prefix}_${c}` as const)
const flatten = <P extends string>(prefix: P, counts: Record<typeof STATUS_COLUMNS[number], number>) =>
  Object.fromEntries(STATUS_COLUMNS.map(c => [`${prefix}_${c}`, counts[c]]))

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const schema = (operationId: string, summary: string, description: string, response: ReturnType<typeof jsonOrCsv>) => ({
    operationId,
    summary,
    description,
    tags: ['uptake'],
    ...requireScope('read'),
    params: PeriodParams,
    querystring: ReportQuery,
    response: { 200: response, ...problemResponses(400, 401, 403, 404) }
  })

  app.get('/recommendation-periods/:id/participation', {
    schema: schema('getParticipation', 'Who has answered, and who takes part in which year',
      'Each municipality\'s status on the as-of date (`adopted` with its first year, `declined`, `no_answer`) and, per financing year, who takes part. ' +
      'A municipality takes part in a year when its latest decision received by that year\'s last day to join is an adoption from that year or earlier. ' +
      'CSV has one row per municipality, `participating_years` separated by spaces.',
      jsonOrCsv('The participation, as JSON or CSV.', Participation))
  }, async (request, reply) => {
    const period = await findPeriodOrFail(app.db, request.params.id)
    const asOf = request.query.as_of ?? todayInSweden()
    const { municipalities } = await participationAsOf(app.db, period, asOf, request.query.county)
    const rows = municipalities.map(m => ({
      code: m.code,
      name: m.name,
      county_code: m.county_code,
      status: m.status,
      first_year: m.status === 'adopted' ? m.decision!.first_year : null,
      decision_id: m.decision?.id ?? null,
      received_on: m.decision?.received_on ?? null,
      participating_years: m.years
    }))
    const body = {
      period_id: period.id,
      period_case_number: period.case_number,
      as_of: asOf,
      years: period.years.map(({ year, last_day_to_join }) => {
        const codes = rows.filter(r => r.participating_years.includes(year)).map(r => r.code)
        return { year, last_day_to_join, participant_count: codes.length, municipality_codes: codes }
      }),
      municipalities: rows
    }
    return sendJsonOrCsv(request, reply, body, {
      columns: ['code', 'name', 'county_code', 'status', 'first_year', 'decision_id', 'received_on', 'participating_years'],
      rows: rows.map(r => ({ ...r, participating_years: r.participating_years.join(' ') }))
    })
  })

  app.get('/recommendation-periods/:id/uptake', {
    schema: schema('getUptake', 'Uptake figures for BI',
      'How many municipalities, and how many inhabitants, had adopted, declined or not answered on the as-of date, overall and by county. ' +
      'Poll with `If-None-Match`: an unchanged picture costs a 304. CSV has one row for the whole country (`scope` = `country`) and one per county.',
      jsonOrCsv('The uptake figures, as JSON or CSV.', Uptake))
  }, async (request, reply) => {
    const period = await findPeriodOrFail(app.db, request.params.id)
    const asOf = request.query.as_of ?? todayInSweden()
    const { municipalities } = await participationAsOf(app.db, period, asOf, request.query.county)
    const byPopulation = (m: { population: number | null }) => m.population ?? 0
    const figureDates = new Map<string | null, number>()
    for (const m of municipalities) figureDates.set(m.population_date, (figureDates.get(m.population_date) ?? 0) + 1)
    const counties = [...new Map(municipalities.map(m => [m.county_code, m.county_name]))]
    const byCounty = counties.map(([code, name]) => {
      const inCounty = municipalities.filter(m => m.county_code === code)
      return { county_code: code, county_name: name, municipalities: countByStatus(inCounty, () => 1), population: countByStatus(inCounty, byPopulation) }
    })
    const body = {
      period_id: period.id,
      period_case_number: period.case_number,
      as_of: asOf,
      population_date: populationDateOf(period, asOf),
      population_figures_used: [...figureDates].map(([reference_date, count]) => ({ reference_date, municipalities: count }))
        .sort((a, b) => (b.reference_date ?? '').localeCompare(a.reference_date ?? '')),
      municipalities: countByStatus(municipalities, () => 1),
      population: countByStatus(municipalities, byPopulation),
      by_county: byCounty
    }
    return sendJsonOrCsv(request, reply, body, {
      columns: ['scope', 'county_code', 'county_name', ...prefixed('municipalities'), ...prefixed('population')],
      rows: [
        { scope: 'country', county_code: '', county_name: '', ...flatten('municipalities', body.municipalities), ...flatten('population', body.population) },
        ...byCounty.map(c => ({ scope: 'county', county_code: c.county_code, county_name: c.county_name, ...flatten('municipalities', c.municipalities), ...flatten('population', c.population) }))
      ] as Array<Record<string, unknown>>
    })
  })

  app.get('/recommendation-periods/:id/uptake/timeline', {
    schema: schema('getUptakeTimeline', 'Uptake over time',
      'The cumulative picture at the end of each day on which decisions arrived, up to the as-of date: for charts of uptake over time.',
      jsonOrCsv('The timeline, as JSON or CSV.', UptakeTimeline))
  }, async (request, reply) => {
    const period = await findPeriodOrFail(app.db, request.params.id)
    const asOf = request.query.as_of ?? todayInSweden()
    const { municipalities, decisions } = await participationAsOf(app.db, period, asOf, request.query.county)
    const points = timeline(decisions, municipalities.length, asOf)
    const body = { period_id: period.id, period_case_number: period.case_number, as_of: asOf, municipality_count: municipalities.length, points }
    return sendJsonOrCsv(request, reply, body, { columns: ['date', 'adopted', 'declined', 'no_answer'], rows: points })
  })
}

export default routes
