import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Db } from '../db/connection.ts'

declare module 'fastify' {
  interface FastifyInstance {
    db: Db
  }
}

/** Makes the database available to routes as `app.db`; whoever opened it closes it. */
export default fp(async function database (app: FastifyInstance, options: { db: Db }) {
  app.decorate('db', options.db)
}, { name: 'database' })
