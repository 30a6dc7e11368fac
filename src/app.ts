import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyBaseLogger } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { loadConfig, type Config } from './config.ts'
import type { Db } from './db/connection.ts'
import auth from './plugins/auth.ts'
import changes from './plugins/changes.ts'
import csv from './plugins/csv.ts'
import database from './plugins/database.ts'
import deprecation from './plugins/deprecation.ts'
import etag from './plugins/etag.ts'
import jsonBody from './plugins/json-body.ts'
import metrics from './plugins/metrics.ts'
import openapi from './plugins/openapi.ts'
import problems, { clientErrorHandler, sendProblem } from './plugins/problems.ts'
import protection from './plugins/protection.ts'
import rateLimit from './plugins/rate-limit.ts'
import readCache from './plugins/read-cache.ts'
import webhooks from './plugins/webhooks.ts'
import { buildSerializer } from './plugins/serialization.ts'
import { buildValidator } from './plugins/validation.ts'
import apiInfo from './routes/api-info.ts'
import auditEvents from './routes/audit-events/index.ts'
import costAllocations from './routes/cost-allocations/index.ts'
import costShares from './routes/cost-shares/index.ts'
import costWeights from './routes/cost-weights/index.ts'
import counties from './routes/counties/index.ts'
import decisionImports from './routes/decisions/imports.ts'
import decisions from './routes/decisions/index.ts'
import events from './routes/events/index.ts'
import health from './routes/health.ts'
import invoicing from './routes/invoicing/index.ts'
import settlements from './routes/settlements/index.ts'
import eInvoices from './routes/e-invoices/index.ts'
import municipalities from './routes/municipalities/index.ts'
import populationFigures from './routes/population-figures/index.ts'
import qualityRegisters from './routes/quality-registers/index.ts'
import recommendationPeriods from './routes/recommendation-periods/index.ts'
import registerAllocations from './routes/register-allocations/index.ts'
import registerPayouts from './routes/register-payouts/index.ts'
import uptake from './routes/uptake/index.ts'
import webhookEndpoints from './routes/webhook-endpoints/index.ts'
import { release } from './release.ts'
import type { InvoicingParty } from './e-invoices/ubl.ts'
import { namedSchemas } from './schemas/index.ts'

/** The settings the service is built with: those `npm start` ships (config.ts) unless a caller names others. */
export type Settings = Pick<
  Config,
  | 'publicRead'
  | 'rateLimitPerMinute'
  | 'metricsToken'
  | 'corsOrigins'
  | 'maxEventLoopDelayMs'
  | 'trustProxy'
  | 'allowPrivateWebhookUrls'
  | 'invoicingParty'
> & {
  /** Heap in bytes above which requests are shed with 503; 0: never (no environment variable sets it: tests do). */
  maxHeapUsedBytes: number
}

const {
  publicRead,
  rateLimitPerMinute,
  metricsToken,
  corsOrigins,
  maxEventLoopDelayMs,
  trustProxy,
  allowPrivateWebhookUrls,
  invoicingParty
} = loadConfig({})
/** What an unconfigured `npm start` runs with, so that the tests build the service as its users get it. */
export const SHIPPED_SETTINGS: Readonly<Settings> = Object.freeze({
  publicRead,
  rateLimitPerMinute,
  metricsToken,
  corsOrigins,
  maxEventLoopDelayMs,
  trustProxy,
  allowPrivateWebhookUrls,
  invoicingParty,
  maxHeapUsedBytes: 0
})

export interface BuildOptions {
  db: Db
  /** A read replica for the report reads; absent: `db`. */
  reportDb?: Db
  /** Where to LISTEN for changes when `db` goes through a transaction-pooling PgBouncer; absent: `db`'s server. */
  listenTo?: string
  /** Any setting not given is the shipped one. */
  settings?: Partial<Settings>
  /** Silent when absent, as tests want. */
  logger?: FastifyBaseLogger
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Set when the service is about to stop (server.ts): readiness turns 503 so the load balancer drains it. */
    draining: boolean
    /** The seller of every e-invoice (config.ts). */
    invoicingParty: InvoicingParty
  }
}

/** Fastify's `trustProxy`: a number of hops is a function of the hop, as proxy-addr takes it. */
const trusted = (trust: Settings['trustProxy']) =>
  typeof trust === 'number'
    ? (_address: string, hop: number) => hop < trust
    : typeof trust === 'object'
      ? [...trust]
      : trust

/** Builds the service without listening: the server, the tests and the contract generator all start here. */
export async function build({ db, reportDb, listenTo, settings: given = {}, logger }: BuildOptions) {
  const settings: Settings = { ...SHIPPED_SETTINGS, ...given }
  const app = Fastify({
    // Behind a load balancer, the client's address (for its rate-limit count and the logs) is in X-Forwarded-For.
    trustProxy: trusted(settings.trustProxy),
    ...(logger === undefined ? { logger: false } : { loggerInstance: logger }),
    // A request that reaches the server while it closes is served, not refused with Fastify's non-RFC 9457 503:
    // closing already stops new connections, and the drain (server.ts) has turned the load balancer away.
    return503OnClosing: false,
    // Errors the router meets before any route (an overlong path parameter, a malformed URL) are problems too;
    // no hook runs for them, so the headers every answer carries are set here.
    frameworkErrors: (error, request, reply) => {
      reply.header('x-request-id', request.id).header('api-version', release.version)
      return error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? sendProblem(request, reply, 414, 'A path parameter is longer than the service accepts (100 characters).')
        : sendProblem(request, reply, 400, 'The URL is malformed.')
    },
    genReqId: request => {
      const given = request.headers['x-request-id']
      return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID()
    },
    clientErrorHandler,
    // Fastify types this after @fastify/ajv-compiler's signature; it is called with each route part's schema alike.
    schemaController: {
      compilersFactory: { buildValidator: buildValidator as never, buildSerializer: buildSerializer as never }
    }
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.decorate('draining', false)
  app.decorate('invoicingParty', settings.invoicingParty)
  // Every answer names the request (for support) and the contract version it was made under. While draining, clients
  // are told to reconnect, and so reach another instance, rather than reuse a socket the close would reset. (Hooks on
  // every answer take a callback: a promise apiece is a cost a read served from memory notices.)
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id).header('api-version', release.version)
    if (app.draining) reply.header('connection', 'close')
    done(null, payload)
  })
  // Bodies are JSON or CSV (plugins/csv.ts); anything else is 415, not a string for the schema to puzzle over.
  app.removeContentTypeParser('text/plain')

  for (const schema of namedSchemas) app.addSchema(schema)
  await app.register(database, { db, reportDb })
  await app.register(problems)
  await app.register(protection, settings)
  await app.register(metrics, { token: settings.metricsToken })
  await app.register(changes, { listenTo })
  // The order of the next four is the order of their hooks: the read cache keeps an answer before etag turns it into a
  // 304, etag settles a 304 before the rate limit sees the status (a 304 is free), and the rate limit counts a request
  // before auth looks its key up (refusals count too). The cache answers after auth (its hook is preValidation).
  await app.register(readCache)
  await app.register(etag)
  if (settings.rateLimitPerMinute > 0) await app.register(rateLimit, { perMinute: settings.rateLimitPerMinute })
  await app.register(auth, { publicRead: settings.publicRead })
  await app.register(openapi)
  await app.register(jsonBody)
  await app.register(csv)
  await app.register(deprecation)
  await app.register(webhooks, { allowPrivateUrls: settings.allowPrivateWebhookUrls })

  await app.register(health)
  await app.register(
    async v1 => {
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
      await v1.register(settlements)
      await v1.register(eInvoices)
      await v1.register(costAllocations)
      await v1.register(qualityRegisters)
      await v1.register(registerAllocations)
      await v1.register(registerPayouts)
      await v1.register(auditEvents)
      await v1.register(events)
      await v1.register(webhookEndpoints)
    },
    { prefix: '/v1' }
  )

  return app
}
