import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Db } from '../db/connection.ts'

declare module 'fastify' {
  interface FastifyInstance {
    db: Db
    /**
     * Where the report reads go: a streaming replica when one is configured, else `db`. Reports may lag the primary by
     * the replication delay; everything else (writes, API keys, the records themselves) reads the primary.
     */
    reportDb: Db
  }
}

/** Makes the database available to routes as `app.db` and `app.reportDb`; whoever opened them closes them. */
export default fp(
  async function database(app: FastifyInstance, options: { db: Db; reportDb?: Db }) {
    app.decorate('db', options.db)
    app.decorate('reportDb', options.reportDb ?? options.db)
  },
  { name: 'database' }
)
