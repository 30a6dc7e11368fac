import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { participantsByYear, timeline } from '../../domain/participation.ts'
import { uptakeFigures } from '../../domain/uptake.ts'
import { requireScope } from '../../plugins/auth.ts'
import { sendJsonOrCsv } from '../../plugins/csv.ts'
import { jsonOrCsv, problemResponses } from '../../schemas/common.ts'
import { PeriodParams } from '../../schemas/recommendation-periods.ts'
import map from './map.ts'
import { populationDateOf, reportFor } from '../../reports/participation.ts'
import { populationBasis } from '../../domain/population-figures.ts'
import { Participation, ReportQuery, Uptake, UptakeTimeline } from '../../schemas/uptake.ts'

const STATUS_COLUMNS = [
  'total',
  'adopted',
  'declined',
  'no_answer',
  'adopted_percent',
  'declined_percent',
  'no_answer_percent'
] as const
const prefixed = <P extends string>(prefix: P) => STATUS_COLUMNS.map(c => `${prefix}_${c}` as const)
const flatten = <P extends string>(prefix: P, counts: Record<(typeof STATUS_COLUMNS)[number], number>) =>
  Object.fromEntries(STATUS_COLUMNS.map(c => [`${prefix}_${c}`, counts[c]]))

const routes: FastifyPluginAsyncTypebox = async app => {
  await app.register(map)
  const schema = (
    operationId: string,
    summary: string,
    description: string,
    response: ReturnType<typeof jsonOrCsv>
  ) => ({
    operationId,
    summary,
    description,
    tags: ['uptake'],
    ...requireScope('read'),
    params: PeriodParams,
    querystring: ReportQuery,
    response: { 200: response, ...problemResponses(400, 401, 403, 404) }
  })

  app.get(
    '/recommendation-periods/:id/participation',
    {
      schema: schema(
        'getParticipation',
        'Who has answered, and who takes part in which year',
        "Each municipality's status on the as-of date (`adopted` with its first year, `declined`, `no_answer`) and, " +
          'per financing year, who takes part. ' +
          "A municipality takes part in a year when its latest decision received by that year's last day to join is " +
          'an adoption from that year or earlier. ' +
          'CSV has one row per municipality, `participating_years` separated by spaces.',
        jsonOrCsv('The participation, as JSON or CSV.', Participation)
      )
    },
    async (request, reply) => {
      const { period, municipalities, heading } = await reportFor(app.readCache.memo, app.reportDb, {
        period_id: request.params.id,
        ...request.query
      })
      const rows = municipalities.map(m => ({
        code: m.code,
        name: m.name,
        county_code: m.county_code,
        status: m.status,
        first_year: m.decision?.first_year ?? null,
        decision_id: m.decision?.id ?? null,
        received_on: m.decision?.received_on ?? null,
        participating_years: m.years
      }))
      const years = participantsByYear(
        period.years.map(({ year, last_day_to_join }) => ({ year, last_day_to_join })),
        municipalities
      )
      return sendJsonOrCsv(
        request,
        reply,
        { ...heading, years, municipalities: rows },
        {
          columns: [
            'code',
            'name',
            'county_code',
            'status',
            'first_year',
            'decision_id',
            'received_on',
            'participating_years'
          ],
          rows: () => rows.map(r => ({ ...r, participating_years: r.participating_years.join(' ') }))
        }
      )
    }
  )

  app.get(
    '/recommendation-periods/:id/uptake',
    {
      schema: schema(
        'getUptake',
        'Uptake figures for BI',
        'How many municipalities, and how many inhabitants, had adopted, declined or not answered on the as-of ' +
          'date, overall and by county. ' +
          'Poll with `If-None-Match`: an unchanged picture costs a 304. CSV has one row for the whole country ' +
          '(`scope` = `country`) and one per county.',
        jsonOrCsv('The uptake figures, as JSON or CSV.', Uptake)
      )
    },
    async (request, reply) => {
      const { period, asOf, municipalities, heading } = await reportFor(app.readCache.memo, app.reportDb, {
        period_id: request.params.id,
        ...request.query
      })
      const populationDate = populationDateOf(period, asOf)
      const body = { ...heading, population_date: populationDate, ...uptakeFigures(municipalities, populationDate) }
      // A CSV row says what its population counts rest on: the date asked for, and how many substitutes stand in.
      const substitutesIn = (county?: string) =>
        municipalities.filter(
          m =>
            (county === undefined || m.county_code === county) &&
            populationBasis(populationDate, m.population_date) === 'substitute'
        ).length
      return sendJsonOrCsv(request, reply, body, {
        columns: [
          'scope',
          'county_code',
          'county_name',
          ...prefixed('municipalities'),
          ...prefixed('population'),
          'population_date',
          'population_substitutes'
        ],
        rows: () =>
          [
            {
              scope: 'country',
              county_code: '',
              county_name: '',
              ...flatten('municipalities', body.municipalities),
              ...flatten('population', body.population),
              population_date: populationDate,
              population_substitutes: substitutesIn()
            },
            ...body.by_county.map(c => ({
              scope: 'county',
              county_code: c.county_code,
              county_name: c.county_name,
              ...flatten('municipalities', c.municipalities),
              ...flatten('population', c.population),
              population_date: populationDate,
              population_substitutes: substitutesIn(c.county_code)
            }))
          ] as Array<Record<string, unknown>>
      })
    }
  )

  app.get(
    '/recommendation-periods/:id/uptake/timeline',
    {
      schema: schema(
        'getUptakeTimeline',
        'Uptake over time',
        'The cumulative picture at the end of each day on which decisions arrived, up to the as-of date: for charts ' +
          'of uptake over time.',
        jsonOrCsv('The timeline, as JSON or CSV.', UptakeTimeline)
      )
    },
    async (request, reply) => {
      const { asOf, municipalities, decisions, heading } = await reportFor(
        app.readCache.memo,
        app.reportDb,
        { period_id: request.params.id, ...request.query },
        true
      )
      const points = timeline(decisions, municipalities.length, asOf)
      const body = { ...heading, municipality_count: municipalities.length, points }
      return sendJsonOrCsv(request, reply, body, {
        columns: ['date', 'adopted', 'declined', 'no_answer'],
        rows: () => points
      })
    }
  )
}

export default routes
