import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { release } from '../release.ts'
import { IsoDate, StringEnum } from '../schemas/common.ts'

const ApiInfo = Type.Object({
  api_name: Type.String({ description: 'The API\'s name.', example: release.name }),
  api_version: Type.String({ description: 'Semantic version of the contract.', example: release.version }),
  api_released: { ...IsoDate, description: 'When this version was released.', example: release.released },
  api_documentation: Type.String({ description: 'Where the interactive documentation is.', example: '/docs' }),
  api_status: StringEnum(['active', 'beta', 'deprecated', 'retired'], { description: 'Life-cycle status of this version.', example: 'active' })
}, { $id: 'ApiInfo', additionalProperties: false, description: 'Facts about this API, as DIGG\'s REST API profile asks every API to publish.' })

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api-info', {
    schema: {
      operationId: 'getApiInfo',
      summary: 'Describe this API',
      description: 'Name, version, release date, documentation link and status. Needs no API key.',
      tags: ['api'],
      response: { 200: { description: 'About this API.', content: { 'application/json': { schema: ApiInfo } } } }
    }
  }, async () => ({
    api_name: release.name,
    api_version: release.version,
    api_released: release.released,
    api_documentation: '/docs',
    api_status: 'active' as const
  }))
}

export default routes
