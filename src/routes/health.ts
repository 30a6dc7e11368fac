import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { sql } from 'kysely'
import Type from 'typebox'
import { problem } from '../plugins/problems.ts'
import { problemResponses, StringEnum } from '../schemas/common.ts'

const Health = Type.Object({ status: StringEnum(['ok', 'ready']) }, { additionalProperties: false })

/** Probes for orchestrators, outside /v1 because they belong to the deployment, not the contract's resources. */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/health/live', {
    schema: {
      operationId: 'getLiveness',
      summary: 'Liveness: the process answers',
      tags: ['operations'],
      response: { 200: { description: 'The process is alive.', content: { 'application/json': { schema: Health } } } }
    }
  }, async () => ({ status: 'ok' as const }))

  app.get('/health/ready', {
    schema: {
      operationId: 'getReadiness',
      summary: 'Readiness: the database answers',
      tags: ['operations'],
      response: {
        200: { description: 'The service can serve requests.', content: { 'application/json': { schema: Health } } },
        ...problemResponses(503)
      }
    }
  }, async () => {
    try {
      await sql`select 1`.execute(app.db)
    } catch {
      throw problem(503, 'The database does not answer.')
    }
    return { status: 'ready' as const }
  })
}

export default routes
