import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyBaseLogger } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Db } from './db/connection.ts'
import auth from './plugins/auth.ts'
import csv from './plugins/csv.ts'
import database from './plugins/database.ts'
import etag from './plugins/etag.ts'
import openapi from './plugins/openapi.ts'
import problems from './plugins/problems.ts'
import apiInfo from './routes/api-info.ts'
import costAllocations from './routes/cost-allocations/index.ts'
import costShares from './routes/cost-shares/index.ts'
import costWeights from './routes/cost-weights/index.ts'
import counties from './routes/counties/index.ts'
import decisionImports from './routes/decisions/imports.ts'
import decisions from './routes/decisions/index.ts'
import health from './routes/health.ts'
import invoicing from './routes/invoicing/index.ts'
import municipalities from './routes/municipalities/index.ts'
import populationFigures from './routes/population-figures/index.ts'
import recommendationPeriods from './routes/recommendation-periods/index.ts'
import uptake from './routes/uptake/index.ts'
import { namedSchemas } from './schemas/index.ts'

export interface BuildOptions {
  db: Db
  publicRead?: boolean
  /** Silent when absent, as tests want. */
  logger?: FastifyBaseLogger
}

/** Builds the service without listening: the server, the tests and the contract generator all start here. */
export async function build ({ db, publicRead = false, logger }: BuildOptions) {
  const app = Fastify({
    ...(logger === undefined ? { logger: false } : { loggerInstance: logger }),
    genReqId: (request) => {
      const given = request.headers['x-request-id']
      return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID()
    },
    ajv: {
      customOptions: {
        allErrors: true, // report every failing field at once
        removeAdditional: false, // unknown fields are rejected, never silently dropped
        keywords: ['example']
      }
    }
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.addHook('onSend', async (request, reply) => { reply.header('x-request-id', request.id) })
  // Bodies are JSON or CSV (plugins/csv.ts); anything else is 415, not a string for the schema to puzzle over.
  app.removeContentTypeParser('text/plain')

  for (const schema of namedSchemas) app.addSchema(schema)
  await app.register(database, { db })
  await app.register(problems)
  await app.register(openapi)
  await app.register(auth, { publicRead })
  await app.register(etag)
  await app.register(csv)

  await app.register(health)
  await app.register(async (v1) => {
    await v1.register(apiInfo)
    await v1.register(counties)
    await v1.register(municipalities)
    await v1.register(populationFigures)
    await v1.register(recommendationPeriods)
    await v1.register(decisions)
    await v1.register(decisionImports)
    await v1.register(uptake)
    await v1.register(costWeights)
    await v1.register(costShares)
    await v1.register(invoicing)
    await v1.register(costAllocations)
  }, { prefix: '/v1' })

  return app
}
