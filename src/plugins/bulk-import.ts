import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Transaction } from 'kysely'
import type { Database } from '../db/schema.ts'
import type { Db } from '../db/connection.ts'
import { idempotent } from './idempotency.ts'
import { problem, validationErrors, type FieldError } from './problems.ts'

/** A list body's domain problems, and how to write the rows once there are none. */
export interface CheckedRows<Body> { errors: FieldError[], write: () => Promise<Body> }

/**
 * The one way to take a list body (a JSON array or CSV rows) for a route declared with `attachValidation`:
 * the schema's problems and the domain's problems of every row come back together, sorted by row, as a 400
 * if any row is malformed and a 422 otherwise; the rows are written only if there are none, in the request's
 * one transaction. Idempotent like every POST.
 */
export async function importRows<Row, Body> (db: Db, request: FastifyRequest, reply: FastifyReply, status: number, noun: string,
  check: (trx: Transaction<Database>, rows: Row[]) => Promise<CheckedRows<Body>>): Promise<FastifyReply> {
  const schemaErrors = request.validationError ? validationErrors(request, request.validationError) : []
  const rows = Array.isArray(request.body) ? request.body as Row[] : []
  if (schemaErrors.length > 0 && rows.length === 0) throw problem(400, `The body must be a non-empty list of ${noun}.`, { errors: schemaErrors })

  return idempotent(db, request, reply, status, async (trx) => {
    const checked = await check(trx, rows)
    const errors = [...schemaErrors, ...checked.errors].sort((a, b) => (a.row ?? 0) - (b.row ?? 0))
    if (errors.length > 0) {
      throw problem(schemaErrors.length > 0 ? 400 : 422, `${new Set(errors.map(e => e.row)).size} row(s) cannot be imported; nothing was written.`, { errors })
    }
    return { body: await checked.write() }
  })
}
