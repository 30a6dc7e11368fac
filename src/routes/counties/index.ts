import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireScope } from '../../plugins/auth.ts'
import { sendJsonOrCsv } from '../../plugins/csv.ts'
import { offsetOf, pageOf, paginate } from '../../http/pagination.ts'
import { problem } from '../../plugins/problems.ts'
import { problemResponses, ref, jsonOrCsv } from '../../schemas/common.ts'
import * as counties from '../../queries/counties.ts'
import { County, CountyListQuery, CountyPage, CountyParams } from '../../schemas/counties.ts'

const CSV_COLUMNS = ['code', 'name', 'municipality_count'] as const

const routes: FastifyPluginAsyncTypebox = async app => {
  app.get(
    '/counties',
    {
      schema: {
        operationId: 'listCounties',
        summary: 'List the counties',
        description: 'The 21 Swedish counties (län) with SCB codes, in code order.',
        tags: ['reference data'],
        ...requireScope('read'),
        querystring: CountyListQuery,
        response: {
          200: jsonOrCsv('One page of counties, as JSON or CSV.', CountyPage),
          ...problemResponses(400, 401, 403)
        }
      }
    },
    async (request, reply) => {
      const { items, total } = await counties.list(app.db, offsetOf(pageOf(request.query)))
      return sendJsonOrCsv(request, reply, paginate(request, reply, pageOf(request.query), items, total), {
        columns: CSV_COLUMNS,
        rows: () => items
      })
    }
  )

  app.get(
    '/counties/:code',
    {
      schema: {
        operationId: 'getCounty',
        summary: 'Get one county',
        tags: ['reference data'],
        ...requireScope('read'),
        params: CountyParams,
        response: {
          200: { description: 'The county.', content: { 'application/json': { schema: ref(County) } } },
          ...problemResponses(400, 401, 403, 404)
        }
      }
    },
    async request => {
      const county = await counties.find(app.db, request.params.code)
      if (county === undefined) throw problem(404, `No county has code ${request.params.code}.`)
      return county
    }
  )
}

export default routes
