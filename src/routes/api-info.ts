import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { release } from '../release.ts'
import { FreeText, IsoDate, StringEnum } from '../schemas/common.ts'

const ApiInfo = Type.Object(
  {
    api_name: FreeText({ maxLength: 200, description: "The API's name.", example: release.name }),
    api_version: Type.String({
      maxLength: 50,
      pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+$',
      description: 'Semantic version of the contract.',
      example: release.version
    }),
    api_released: { ...IsoDate, description: 'When this version was released.', example: release.released },
    api_documentation: FreeText({
      maxLength: 200,
      description: 'Where the interactive documentation is.',
      example: '/docs'
    }),
    api_status: StringEnum(['active', 'beta', 'deprecated', 'retired'], {
      description: 'Life-cycle status of this version.',
      example: 'active'
    })
  },
  {
    $id: 'ApiInfo',
    additionalProperties: false,
    description: "Facts about this API, as DIGG's REST API profile asks every API to publish."
  }
)

const routes: FastifyPluginAsyncTypebox = async app => {
  app.get(
    '/api-info',
    {
      schema: {
        operationId: 'getApiInfo',
        summary: 'Describe this API',
        description: 'Name, version, release date, documentation link and status. Needs no API key.',
        tags: ['api'],
        security: [],
        response: { 200: { description: 'About this API.', content: { 'application/json': { schema: ApiInfo } } } }
      }
    },
    async () => ({
      api_name: release.name,
      api_version: release.version,
      api_released: release.released,
      api_documentation: '/docs',
      api_status: 'active' as const
    })
  )
}

export default routes
