import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import * as municipalities from '../../queries/municipalities.ts'
import * as periods from '../../queries/recommendation-periods.ts'
import { allocationErrors } from '../../domain/cost-allocation.ts'
import { requireScope } from '../../plugins/auth.ts'
import { IdempotencyHeaders, replayedHeader, write } from '../../http/write.ts'
import { problem } from '../../plugins/problems.ts'
import { sendJsonOrCsv } from '../../plugins/csv.ts'
import { jsonOrCsv, locationHeader, problemResponses, ref } from '../../schemas/common.ts'
import { MunicipalityParams } from '../../schemas/municipalities.ts'
import * as allocations from '../../queries/cost-allocations.ts'
import { CostAllocation, CostAllocationInput, CostAllocationList } from '../../schemas/cost-allocations.ts'

const routes: FastifyPluginAsyncTypebox = async app => {
  app.post(
    '/municipalities/:code/cost-allocations',
    {
      schema: {
        operationId: 'recordCostAllocation',
        summary: 'Record how a municipality splits its share internally',
        description:
          'For a municipality (with a key issued to it) or an admin on its behalf, with the `allocations:write` ' +
          'scope: the operational areas its share of a period is split across, ' +
          'with percentages adding up to exactly 100, optionally grouped by committee. Each recording is a new ' +
          'version; the latest is used, earlier ones are kept. ' +
          'The split amounts per year are in `GET /v1/municipalities/{code}/cost-shares`.',
        tags: ['cost allocations'],
        ...requireScope('allocations:write', request => (request.params as { code: string }).code),
        params: MunicipalityParams,
        headers: IdempotencyHeaders,
        body: ref(CostAllocationInput),
        response: {
          201: {
            description: 'The allocation was recorded (or, with `Idempotent-Replayed: true`, had been).',
            headers: { ...locationHeader("The municipality's cost allocations."), ...replayedHeader },
            content: { 'application/json': { schema: ref(CostAllocation) } }
          },
          ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422)
        }
      }
    },
    async (request, reply) =>
      write(request, reply, { status: 201, event: 'cost_allocation.recorded' }, async (trx, key) => {
        const municipality = await municipalities.findOrFail(trx, request.params.code)
        await periods.findOrFail(trx, request.body.period_id)
        const errors = allocationErrors(request.body.areas.map(a => ({ ...a, committee: a.committee ?? null })))
        if (errors.length > 0)
          throw problem(422, `The allocation breaks ${errors.length} rule(s); nothing was recorded.`, { errors })
        await allocations.insert(trx, municipality.code, request.body, key.id)
        const [recorded] = await allocations.latest(trx, municipality.code, request.body.period_id)
        return { body: recorded!, headers: { location: `/v1/municipalities/${municipality.code}/cost-allocations` } }
      })
  )

  app.get(
    '/municipalities/:code/cost-allocations',
    {
      schema: {
        operationId: 'listCostAllocations',
        summary: "A municipality's current cost allocations",
        description: 'The latest allocation of each period the municipality has recorded one for.',
        tags: ['cost allocations'],
        ...requireScope('read'),
        params: MunicipalityParams,
        response: {
          200: jsonOrCsv('The allocations, as JSON or CSV (one row per area).', CostAllocationList),
          ...problemResponses(400, 401, 403, 404)
        }
      }
    },
    async (request, reply) => {
      const municipality = await municipalities.findOrFail(app.db, request.params.code)
      const items = await allocations.latest(app.db, municipality.code)
      return sendJsonOrCsv(
        request,
        reply,
        { municipality_code: municipality.code, items },
        {
          columns: ['municipality_code', 'period_id', 'version', 'area', 'committee', 'percent', 'recorded_at'],
          rows: () => items.flatMap(({ areas, ...allocation }) => areas.map(area => ({ ...allocation, ...area })))
        }
      )
    }
  )
}

export default routes
