import closeWithGrace from 'close-with-grace'
import pino from 'pino'
import { build } from './app.ts'
import { loadConfig } from './config.ts'
import { prepareDatabase } from './db/prepare.ts'
import { openDatabase } from './db/open.ts'
import { purgeExpiredIdempotencyKeys } from './plugins/idempotency.ts'

const config = loadConfig()
const logger = pino({ level: config.logLevel, redact: ['req.headers.authorization'] })
const database = await openDatabase(config, line => logger.debug({ embeddedPostgres: line.trim() }))
await prepareDatabase(database.db)

const app = await build({ db: database.db, publicRead: config.publicRead, logger })
// Close idle keep-alive sockets before a load balancer would, and bound slow clients.
app.server.keepAliveTimeout = 72_000
app.server.requestTimeout = 30_000

// Replays are promised for 24 hours only; older outcomes just take space. Expired keys are ignored anyway, so a missed purge is harmless.
await purgeExpiredIdempotencyKeys(database.db)
const purge = setInterval(() => {
  purgeExpiredIdempotencyKeys(database.db).catch((err: unknown) => app.log.warn({ err }, 'could not purge expired idempotency keys'))
}, 60 * 60 * 1000).unref()

closeWithGrace({ delay: 10_000 }, async ({ err }) => {
  if (err !== undefined) app.log.error({ err }, 'shutting down after an error')
  clearInterval(purge)
  await app.close()
  await database.close()
})

await app.listen({
  port: config.port,
  host: config.host,
  listenTextResolver: address => `Serving ${address}/v1 on ${database.description}; docs at ${address}/docs`
})
