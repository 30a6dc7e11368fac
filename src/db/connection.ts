import pg from 'pg'
import { Kysely, PostgresDialect, type LogConfig } from 'kysely'
import type { Database } from './schema.ts'

const DATE_OID = 1082
const INT8_OID = 20

/** Identity keys and counts are bigint; they stay far below 2^53, so they are read as numbers, and checked. */
function safeInteger(value: string): number {
  const number = Number(value)
  if (!Number.isSafeInteger(number)) throw new RangeError(`bigint ${value} is beyond JavaScript's exact integers`)
  return number
}

/**
 * Dates stay YYYY-MM-DD strings; pg would otherwise turn them into local-midnight Date objects.
 * `numeric` stays a decimal string (pg's default), so money is never a float.
 */
function typeParser(oid: number, format?: string): (value: string) => unknown {
  if (oid === DATE_OID) return (value: string) => value
  if (oid === INT8_OID) return safeInteger
  return pg.types.getTypeParser(oid, format as 'text')
}

export type Db = Kysely<Database>

const pools = new WeakMap<Db, pg.Pool>()

/** The pool behind a database handle, for its gauges (plugins/metrics.ts). */
export const poolOf = (db: Db) => pools.get(db)

/** `log` sees every statement with its parameters (the benchmark replays a request's statements in pgbench). */
export function connect(connectionString: string, options: { max?: number; log?: LogConfig } = {}): Db {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    types: { getTypeParser: typeParser as typeof pg.types.getTypeParser },
    // Fail fast when the database is away, and never let one statement hold a connection for ever.
    connectionTimeoutMillis: 5000,
    query_timeout: 30_000
  })
  // A connection the server closes (restart, failover, dropped database) must not crash the process, whether it
  // is idle in the pool or checked out between two statements: the statement in flight fails (a 503, see
  // plugins/problems.ts), the pool discards the client, and the next request opens a new connection.
  pool.on('error', () => {})
  pool.on('connect', client => {
    client.on('error', () => {})
  })
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: options.log })
  pools.set(db, pool)
  return db
}
