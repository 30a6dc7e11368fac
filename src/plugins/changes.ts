import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type pg from 'pg'
import { Changes } from '../db/changes.ts'
import { poolOf } from '../db/connection.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** What this instance knows of the database's changes (db/changes.ts): the caches hold only while it listens. */
    changes: Changes
  }
}

/**
 * Listens for the database's change notifications from the moment the service is ready until it closes. `listenTo`
 * is the server to listen on when the pool goes through a transaction-pooling PgBouncer (DATABASE_LISTEN_URL);
 * by default the pool's own. A handle without a pool (none in this codebase) leaves the service uncached.
 */
export default fp(
  async function changes(app: FastifyInstance, options: { listenTo?: string }) {
    const connection: pg.ClientConfig | undefined =
      options.listenTo !== undefined ? { connectionString: options.listenTo } : poolOf(app.db)?.options
    const changes = new Changes(connection ?? {}, error =>
      app.log.warn({ err: error }, 'lost the database change notifications: serving uncached until they are back')
    )
    app.decorate('changes', changes)
    if (connection === undefined) return
    app.addHook('onReady', () => changes.start())
    app.addHook('onClose', () => changes.stop())
  },
  { name: 'changes', dependencies: ['database'] }
)
