import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Db } from '../../db/connection.ts'
import { periodErrors } from '../../domain/recommendation-periods.ts'
import { requireScope } from '../../plugins/auth.ts'
import { IdempotencyHeaders, replayedHeader, write } from '../../http/write.ts'
import { offsetOf, pageOf, paginate } from '../../http/pagination.ts'
import { problem } from '../../plugins/problems.ts'
import { sendJsonOrCsv } from '../../plugins/csv.ts'
import { ENTITY_TAG, IfMatchHeaders, jsonOrCsv, locationHeader, problemResponses, ref } from '../../schemas/common.ts'
import * as periods from '../../queries/recommendation-periods.ts'
import {
  PeriodListQuery,
  PeriodParams,
  RecommendationPeriod,
  RecommendationPeriodInput,
  RecommendationPeriodPage
} from '../../schemas/recommendation-periods.ts'

const CSV_COLUMNS = [
  'id',
  'case_number',
  'title',
  'board_decision_date',
  'first_year',
  'last_year',
  'annual_budget',
  'cost_model',
  'rate_per_inhabitant',
  'population_reference_date',
  'weight_basis',
  'rounding_unit',
  'rounding_mode',
  'notes',
  'version',
  'created_at',
  'updated_at'
] as const

/** The entity tag of one version of a period: what a client echoes in If-Match to update it. */
const etagOf = (period: { id: number; version: number }) => `"period-${period.id}-v${period.version}"`

const etagHeader = {
  etag: {
    type: 'string',
    maxLength: 200,
    pattern: ENTITY_TAG,
    description: "The version's entity tag: send it as `If-Match` to update, or `If-None-Match` to poll."
  }
}

function failOnRuleErrors(input: RecommendationPeriodInput) {
  const errors = periodErrors(input)
  if (errors.length > 0)
    throw problem(422, `${errors.length} rule(s) of a recommendation period are broken; nothing was written.`, {
      errors
    })
}

const routes: FastifyPluginAsyncTypebox = async app => {
  app.get(
    '/recommendation-periods',
    {
      schema: {
        operationId: 'listRecommendationPeriods',
        summary: 'List the recommendation periods',
        description: "SKR's recommendations on joint financing (rekommendationer), oldest financing years first.",
        tags: ['recommendation periods'],
        ...requireScope('read'),
        querystring: PeriodListQuery,
        response: {
          200: jsonOrCsv(
            'One page of periods, as JSON or CSV (without the years and budget lines, which are in the JSON).',
            RecommendationPeriodPage
          ),
          ...problemResponses(400, 401, 403)
        }
      }
    },
    async (request, reply) => {
      const page = pageOf(request.query)
      const { items, total } = await periods.list(app.db, { case_number: request.query.case_number }, offsetOf(page))
      return sendJsonOrCsv(request, reply, paginate(request, reply, page, items, total), {
        columns: CSV_COLUMNS,
        rows: () => items
      })
    }
  )

  app.get(
    '/recommendation-periods/:id',
    {
      schema: {
        operationId: 'getRecommendationPeriod',
        summary: 'Get one recommendation period',
        tags: ['recommendation periods'],
        ...requireScope('read'),
        params: PeriodParams,
        response: {
          200: {
            description: 'The period. Its `ETag` names this version, for `If-Match`.',
            headers: etagHeader,
            content: { 'application/json': { schema: ref(RecommendationPeriod) } }
          },
          ...problemResponses(400, 401, 403, 404)
        }
      }
    },
    async (request, reply) => {
      const period = await periods.findOrFail(app.db, request.params.id)
      reply.header('etag', etagOf(period))
      return period
    }
  )

  app.post(
    '/recommendation-periods',
    {
      schema: {
        operationId: 'createRecommendationPeriod',
        summary: 'Create a recommendation period',
        description: 'Registers a new SKR recommendation with its financing years, deadlines and budget lines.',
        tags: ['recommendation periods'],
        ...requireScope('admin'),
        headers: IdempotencyHeaders,
        body: ref(RecommendationPeriodInput),
        response: {
          201: {
            description: 'The period was created; `Location` names it.',
            headers: { ...locationHeader("The new period's URL."), ...etagHeader, ...replayedHeader },
            content: { 'application/json': { schema: ref(RecommendationPeriod) } }
          },
          ...problemResponses(400, 401, 403, 409, 413, 415, 422)
        }
      }
    },
    async (request, reply) => {
      failOnRuleErrors(request.body)
      return write(request, reply, { status: 201, event: 'period.created' }, async (trx, key) => {
        const id = await periods.insert(trx, request.body, key.id)
        if (id === undefined)
          throw problem(409, `A recommendation period with case number ${request.body.case_number} exists already.`)
        const period = (await periods.find(trx, id))!
        return { body: period, headers: { location: `/v1/recommendation-periods/${id}`, etag: etagOf(period) } }
      })
    }
  )

  app.put(
    '/recommendation-periods/:id',
    {
      schema: {
        operationId: 'replaceRecommendationPeriod',
        summary: 'Update a recommendation period',
        description:
          "Replaces the whole period. Send the `ETag` you read as `If-Match`, so that nobody's change is " +
          'overwritten unseen. ' +
          'Years in which municipalities already take part cannot be removed. Decisions already recorded keep the ' +
          'first year fixed when they were recorded.',
        tags: ['recommendation periods'],
        ...requireScope('admin'),
        params: PeriodParams,
        headers: IfMatchHeaders,
        body: ref(RecommendationPeriodInput),
        response: {
          200: {
            description: 'The updated period with its new `ETag`.',
            headers: etagHeader,
            content: { 'application/json': { schema: ref(RecommendationPeriod) } }
          },
          ...problemResponses(400, 401, 403, 404, 409, 412, 413, 415, 422, 428)
        }
      }
    },
    async (request, reply) => {
      const { id } = request.params
      const input = request.body
      failOnRuleErrors(input)
      const currentVersion = async (trx: Db) => etagOf(await periods.findOrFail(trx, id))
      return write(request, reply, { status: 200, event: 'period.updated', currentVersion }, async (trx, key) => {
        const current = await periods.findOrFail(trx, id)
        const lost = await periods.firstYearsOutside(trx, id, input.first_year, input.last_year)
        if (lost.length > 0)
          throw problem(422, `Municipalities take part from ${lost.join(', ')}: those years must stay in the period.`, {
            errors: [{ pointer: '/first_year', detail: `must keep ${lost.join(', ')}` }]
          })
        if (await periods.caseNumberTaken(trx, input.case_number, id))
          throw problem(409, `Another period has case number ${input.case_number}.`)
        if (!(await periods.replace(trx, id, current.version, input, key.id)))
          throw problem(412, 'The period changed while this update was made; read it again.')
        const updated = (await periods.find(trx, id))!
        return { body: updated, headers: { etag: etagOf(updated) } }
      })
    }
  )
}

export default routes
