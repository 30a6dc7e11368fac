import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireScope } from '../../plugins/auth.ts'
import { sendJsonOrCsv } from '../../plugins/csv.ts'
import { IdempotencyHeaders, replayedHeader, write } from '../../http/write.ts'
import { offsetOf, pageOf, paginate } from '../../http/pagination.ts'
import { problem } from '../../plugins/problems.ts'
import { locationHeader, problemResponses, ref, jsonOrCsv } from '../../schemas/common.ts'
import * as decisions from '../../queries/decisions.ts'
import { todayInSweden } from '../../clock.ts'
import { checkDecisions } from './check.ts'
import {
  Decision,
  DecisionInput,
  DecisionListQuery,
  DecisionPage,
  DecisionParams,
  WithdrawalInput
} from '../../schemas/decisions.ts'

const CSV_COLUMNS = [
  'id',
  'period_id',
  'period_case_number',
  'municipality_code',
  'municipality_name',
  'county_code',
  'outcome',
  'decided_on',
  'decided_by',
  'municipal_case_number',
  'minute_paragraph',
  'received_on',
  'conditions',
  'minimum_total_commitment',
  'document_url',
  'requested_first_year',
  'first_year',
  'state',
  'withdrawal_reason',
  'withdrawn_at',
  'recorded_at',
  'updated_at'
] as const

const created = (description: string) => ({
  description,
  headers: { ...locationHeader("The decision's URL."), ...replayedHeader },
  content: { 'application/json': { schema: ref(Decision) } }
})

const routes: FastifyPluginAsyncTypebox = async app => {
  app.post(
    '/decisions',
    {
      schema: {
        operationId: 'recordDecision',
        summary: "Record a municipality's decision",
        description:
          "For registrar systems: records a municipality's decision on a recommendation period, naming the period " +
          'by id or SKR case number. ' +
          "The first year of participation follows from the day received and the period's deadlines. A later " +
          'decision supersedes an earlier one; ' +
          'nothing is changed or deleted. Send an `Idempotency-Key` so that a retry never records the decision twice.',
        tags: ['decisions'],
        ...requireScope(
          'decisions:write',
          request => (request.body as { municipality_code?: unknown } | null)?.municipality_code
        ),
        headers: IdempotencyHeaders,
        body: ref(DecisionInput),
        response: {
          201: created('The decision was recorded (or, with `Idempotent-Replayed: true`, had been).'),
          ...problemResponses(400, 401, 403, 413, 415, 422)
        }
      }
    },
    async (request, reply) =>
      write(request, reply, { status: 201, event: 'decision.recorded', single: true }, async (db, key) => {
        const context = await decisions.contextForOne(db, { row: request.body, today: todayInSweden() })
        const { errors, accepted } = checkDecisions(context, [request.body], false)
        if (errors.length > 0)
          throw problem(422, `The decision breaks ${errors.length} rule(s); nothing was recorded.`, { errors })
        const { insert, decision } = decisions.insertOne(accepted[0]!, key.id, context.reservation)
        return { body: decision, headers: { location: `/v1/decisions/${decision.id}` }, change: insert }
      })
  )

  app.get(
    '/decisions',
    {
      schema: {
        operationId: 'listDecisions',
        summary: 'List decisions',
        description:
          'Every recorded decision, in the order recorded, withdrawn and superseded ones included (see `state`). ' +
          "Filter by period and municipality for one municipality's history; use `updated_since` for incremental sync.",
        tags: ['decisions'],
        ...requireScope('read'),
        querystring: DecisionListQuery,
        response: {
          200: jsonOrCsv('One page of decisions, as JSON or CSV.', DecisionPage),
          ...problemResponses(400, 401, 403)
        }
      }
    },
    async (request, reply) => {
      const { page: _page, limit: _limit, format: _format, ...filter } = request.query
      const page = pageOf(request.query)
      const { items, total } = await decisions.list(app.db, filter, offsetOf(page))
      const body = paginate(request, reply, page, items, total)
      return sendJsonOrCsv(request, reply, body, {
        columns: CSV_COLUMNS,
        rows: () =>
          items.map(({ withdrawal, ...item }) => ({
            ...item,
            withdrawal_reason: withdrawal?.reason,
            withdrawn_at: withdrawal?.withdrawn_at
          }))
      })
    }
  )

  app.get(
    '/decisions/:id',
    {
      schema: {
        operationId: 'getDecision',
        summary: 'Get one decision',
        tags: ['decisions'],
        ...requireScope('read'),
        params: DecisionParams,
        response: {
          200: { description: 'The decision.', content: { 'application/json': { schema: ref(Decision) } } },
          ...problemResponses(400, 401, 403, 404)
        }
      }
    },
    async request => {
      const decision = await decisions.find(app.db, request.params.id)
      if (decision === undefined) throw problem(404, `No decision has id ${request.params.id}.`)
      return decision
    }
  )

  app.post(
    '/decisions/:id/withdrawal',
    {
      schema: {
        operationId: 'withdrawDecision',
        summary: 'Withdraw a decision registered in error',
        description:
          'Records that the decision was registered in error. It stays in the history, marked `withdrawn`, and no ' +
          'longer counts: ' +
          "the municipality's previous decision, if any, is in force again. A decision is withdrawn once.",
        tags: ['decisions'],
        ...requireScope('decisions:write', request =>
          decisions.municipalityOf(request.server.db, (request.params as { id: number }).id)
        ),
        params: DecisionParams,
        headers: IdempotencyHeaders,
        body: ref(WithdrawalInput),
        response: {
          201: created('The withdrawal was recorded; the body is the decision, now withdrawn.'),
          ...problemResponses(400, 401, 403, 404, 409, 413, 415)
        }
      }
    },
    async (request, reply) =>
      write(request, reply, { status: 201, event: 'decision.withdrawn' }, async (trx, key) => {
        const { id } = request.params
        if ((await decisions.find(trx, id)) === undefined) throw problem(404, `No decision has id ${id}.`)
        if (!(await decisions.withdraw(trx, id, request.body.reason, key.id)))
          throw problem(409, `Decision ${id} has been withdrawn already.`)
        return { body: (await decisions.find(trx, id))!, headers: { location: `/v1/decisions/${id}` } }
      })
  )
}

export default routes
