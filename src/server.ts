import { setTimeout } from 'node:timers/promises'
import closeWithGrace from 'close-with-grace'
import { build } from './app.ts'
import { loadConfig } from './config.ts'
import { createLogger } from './logger.ts'
import { prepareDatabase } from './db/prepare.ts'
import { openDatabase } from './db/open.ts'
import { purgeExpiredIdempotencyKeys } from './plugins/idempotency.ts'

const config = loadConfig()
const logger = createLogger(config.logLevel)
const database = await openDatabase(config, line => logger.debug({ embeddedPostgres: line.trim() }))
await prepareDatabase(database.db)

const app = await build({
  db: database.db,
  reportDb: database.reportDb,
  publicRead: config.publicRead,
  rateLimitPerMinute: config.rateLimitPerMinute,
  metricsToken: config.metricsToken,
  protection: { corsOrigins: config.corsOrigins, maxEventLoopDelayMs: config.maxEventLoopDelayMs },
  logger
})
// Close idle keep-alive sockets before a load balancer would, and bound slow clients.
app.server.keepAliveTimeout = 72_000
app.server.requestTimeout = 30_000

// Replays are promised for 24 hours only; older outcomes just take space. Expired keys are ignored anyway, so a missed purge is harmless.
await purgeExpiredIdempotencyKeys(database.db)
const purge = setInterval(() => {
  purgeExpiredIdempotencyKeys(database.db).catch((err: unknown) => app.log.warn({ err }, 'could not purge expired idempotency keys'))
}, 60 * 60 * 1000).unref()

// On SIGTERM: first turn readiness to 503 and keep serving while the load balancer stops sending (the drain), so
// no request already on its way is lost; then stop accepting, finish what is in flight, close the pool, exit 0.
closeWithGrace({ delay: config.shutdownDrainMs + 10_000 }, async ({ err, signal }) => {
  if (err !== undefined) app.log.error({ err }, 'shutting down after an error')
  clearInterval(purge)
  if (signal !== undefined) {
    app.draining = true
    app.log.info({ signal, drainMs: config.shutdownDrainMs }, 'draining before shutdown')
    await setTimeout(config.shutdownDrainMs)
  }
  await app.close()
  await database.close()
})

await app.listen({
  port: config.port,
  host: config.host,
  listenTextResolver: address => `Serving ${address}/v1 on ${database.description}; docs at ${address}/docs`
})
