import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { sql } from 'kysely'
import Type from 'typebox'
import { problem } from '../plugins/problems.ts'
import { problemResponses, StringEnum } from '../schemas/common.ts'

const Health = Type.Object(
  {
    status: StringEnum(['ok', 'ready'], {
      description: '`ok` when alive, `ready` when the database answers.',
      example: 'ok'
    })
  },
  { additionalProperties: false }
)

// Orchestrators probe without credentials: the answers say nothing but up or down.
const PUBLIC = { security: [] }

/** Probes for orchestrators, outside /v1 because they belong to the deployment, not the contract's resources. */
const routes: FastifyPluginAsyncTypebox = async app => {
  app.get(
    '/health/live',
    {
      // Never shed (plugins/protection.ts): a busy process is not a dead one.
      config: { pressureHandler: () => undefined },
      schema: {
        operationId: 'getLiveness',
        summary: 'Liveness: the process answers',
        description:
          'For the orchestrator: 200 while the process can answer at all; it does not touch the database. Needs no ' +
          'API key.',
        tags: ['operations'],
        ...PUBLIC,
        response: { 200: { description: 'The process is alive.', content: { 'application/json': { schema: Health } } } }
      }
    },
    async () => ({ status: 'ok' as const })
  )

  app.get(
    '/health/ready',
    {
      schema: {
        operationId: 'getReadiness',
        summary: 'Readiness: the database answers',
        description:
          'For the load balancer: 200 when the database answers, 503 when it does not or the service is shutting ' +
          'down, so traffic goes elsewhere. Needs no API key.',
        tags: ['operations'],
        ...PUBLIC,
        response: {
          200: { description: 'The service can serve requests.', content: { 'application/json': { schema: Health } } },
          ...problemResponses(503)
        }
      }
    },
    async () => {
      if (app.draining) throw problem(503, 'The service is shutting down.')
      try {
        await Promise.all([sql`select 1`.execute(app.db), sql`select 1`.execute(app.reportDb)])
      } catch {
        throw problem(503, 'The database does not answer.')
      }
      return { status: 'ready' as const }
    }
  )
}

export default routes
