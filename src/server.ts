import { setTimeout } from 'node:timers/promises'
import closeWithGrace from 'close-with-grace'
import { build } from './app.ts'
import { configOrExit } from './config.ts'
import { createLogger } from './logger.ts'
import { prepareDatabase } from './db/prepare.ts'
import { openDatabase, type OpenDatabase } from './db/open.ts'
import { purgeExpiredIdempotencyKeys } from './http/write.ts'
import * as events from './queries/events.ts'
import * as webhookEndpoints from './queries/webhook-endpoints.ts'

const config = configOrExit()
const logger = createLogger(config.logLevel)

let database: OpenDatabase | undefined
let app: Awaited<ReturnType<typeof build>> | undefined
let purge: NodeJS.Timeout | undefined
const { promise: started, resolve: startedUp } = Promise.withResolvers<void>()

// npm passes the terminal's Ctrl-C on to the service, which the terminal has sent it already: one stop arrives
// twice. Repeats are therefore ignored (close-with-grace would exit 1 on them); the drain and close are bounded.
const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const
let stopSignal: NodeJS.Signals | undefined
for (const signal of STOP_SIGNALS) {
  process.on(signal, () => {
    if (stopSignal !== undefined) return
    stopSignal = signal
    void shutdown.close()
  })
}

// On a stop signal: first turn readiness to 503 and keep serving while the load balancer stops sending (the drain),
// so no request already on its way is lost; then stop accepting, finish what is in flight, close the pool, stop
// the embedded PostgreSQL (if it is ours) and exit 0.
const shutdown = closeWithGrace(
  { delay: config.shutdownDrainMs + 10_000, skip: [...STOP_SIGNALS] },
  async ({ err, signal: otherSignal }) => {
    if (err !== undefined) logger.error({ err }, 'shutting down after an error')
    // A stop during the start waits for it, so that a PostgreSQL being launched is stopped too.
    else await started
    clearInterval(purge)
    const signal = stopSignal ?? otherSignal
    if (signal !== undefined && app !== undefined) {
      app.draining = true
      logger.info({ signal, drainMs: config.shutdownDrainMs }, 'draining before shutdown')
      await setTimeout(config.shutdownDrainMs)
    }
    await app?.close()
    await database?.close()
    logger.info('stopped')
  }
)

database = await openDatabase(config, {
  log: logger,
  // Without its database the service can only answer 503; exiting lets a supervisor start it afresh.
  onGiveUp: () => {
    logger.fatal('exiting: the embedded PostgreSQL could not be restarted')
    process.exit(1)
  }
})
await prepareDatabase(database.db)

// Every setting comes from the environment, as config.ts read it.
app = await build({
  db: database.db,
  reportDb: database.reportDb,
  listenTo: config.databaseListenUrl,
  settings: config,
  logger
})
// Close idle keep-alive sockets before a load balancer would, and bound slow clients.
app.server.keepAliveTimeout = 72_000
app.server.requestTimeout = 30_000

// Replays are promised for 24 hours only, events and their delivery attempts for 30 days: older rows just take space.
// Each purge only forgets what nobody may still ask for, so a missed one is harmless.
const { db } = database
const purgeExpired = async () => {
  await purgeExpiredIdempotencyKeys(db)
  await events.prune(db)
  await webhookEndpoints.pruneDeliveries(db, events.KEPT_DAYS)
}
await purgeExpired()
purge = setInterval(
  () => {
    purgeExpired().catch((err: unknown) => logger.warn({ err }, 'could not purge expired records'))
  },
  60 * 60 * 1000
).unref()

await app.listen({
  port: config.port,
  host: config.host,
  listenTextResolver: address => `Serving ${address}/v1 on ${database!.description}; docs at ${address}/docs`
})
startedUp()
