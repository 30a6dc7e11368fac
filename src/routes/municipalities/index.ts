import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireScope } from '../../plugins/auth.ts'
import { sendJsonOrCsv } from '../../plugins/csv.ts'
import { offsetOf, pageOf, paginate } from '../../http/pagination.ts'
import { CsvText, problemResponses, ref } from '../../schemas/common.ts'
import * as municipalities from '../../queries/municipalities.ts'
import {
  MunicipalityDetail,
  MunicipalityListQuery,
  MunicipalityPage,
  MunicipalityParams,
  MunicipalityPopulation,
  PopulationQuery
} from '../../schemas/municipalities.ts'

const csvAlternative = { 'text/csv': { schema: CsvText } }

const routes: FastifyPluginAsyncTypebox = async app => {
  app.get(
    '/municipalities',
    {
      schema: {
        operationId: 'listMunicipalities',
        summary: 'List the municipalities',
        description:
          'The 290 Swedish municipalities (kommuner) in code order, optionally filtered by county or by name.',
        tags: ['reference data'],
        ...requireScope('read'),
        querystring: MunicipalityListQuery,
        response: {
          200: {
            description: 'One page of municipalities, as JSON or CSV.',
            content: { 'application/json': { schema: ref(MunicipalityPage) }, ...csvAlternative }
          },
          ...problemResponses(400, 401, 403)
        }
      }
    },
    async (request, reply) => {
      const { county, name } = request.query
      const { items, total } = await municipalities.list(app.db, { county, name }, offsetOf(pageOf(request.query)))
      const body = paginate(request, reply, pageOf(request.query), items, total)
      return sendJsonOrCsv(request, reply, body, {
        columns: ['code', 'name', 'county_code', 'county_name', 'organisation_number'],
        rows: () => items
      })
    }
  )

  app.get(
    '/municipalities/:code',
    {
      schema: {
        operationId: 'getMunicipality',
        summary: 'Get one municipality with its population figures',
        tags: ['reference data'],
        ...requireScope('read'),
        params: MunicipalityParams,
        response: {
          200: {
            description: 'The municipality.',
            content: { 'application/json': { schema: ref(MunicipalityDetail) } }
          },
          ...problemResponses(400, 401, 403, 404)
        }
      }
    },
    async request => {
      const municipality = await municipalities.findOrFail(app.db, request.params.code)
      return { ...municipality, population_figures: await municipalities.populationFigures(app.db, municipality.code) }
    }
  )

  app.get(
    '/municipalities/:code/population',
    {
      schema: {
        operationId: 'listMunicipalityPopulation',
        summary: "List a municipality's population figures",
        description:
          'Every population figure held for the municipality, oldest first. Source: Statistics Sweden (SCB).',
        tags: ['reference data'],
        ...requireScope('read'),
        params: MunicipalityParams,
        querystring: PopulationQuery,
        response: {
          200: {
            description: 'The population figures, as JSON or CSV.',
            content: { 'application/json': { schema: ref(MunicipalityPopulation) }, ...csvAlternative }
          },
          ...problemResponses(400, 401, 403, 404)
        }
      }
    },
    async (request, reply) => {
      const { code } = await municipalities.findOrFail(app.db, request.params.code)
      const items = await municipalities.populationFigures(app.db, code)
      return sendJsonOrCsv(
        request,
        reply,
        { municipality_code: code, items },
        {
          columns: ['municipality_code', 'reference_date', 'population'],
          rows: () => items.map(figure => ({ municipality_code: code, ...figure }))
        }
      )
    }
  )
}

export default routes
