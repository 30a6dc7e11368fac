import pg from 'pg'
import { Kysely, PostgresDialect } from 'kysely'
import type { Database } from './schema.ts'

const DATE_OID = 1082

/** Dates stay YYYY-MM-DD strings; pg would otherwise turn them into local-midnight Date objects. */
function typeParser (oid: number, format?: string): (value: string) => unknown {
  if (oid === DATE_OID) return (value: string) => value
  return pg.types.getTypeParser(oid, format as 'text')
}

export type Db = Kysely<Database>

export function connect (connectionString: string, options: { max?: number } = {}): Db {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    types: { getTypeParser: typeParser as typeof pg.types.getTypeParser },
    connectionTimeoutMillis: 5000
  })
  // An idle connection the server closed (restart, failover, dropped database) must not crash the process:
  // the pool discards that client and the next query opens a new connection.
  pool.on('error', () => {})
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
}
