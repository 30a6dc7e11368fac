import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ActiveKey } from '../db/api-keys.ts'
import type { Db } from '../db/connection.ts'
import { type FieldError, problem, validationErrors } from '../plugins/problems.ts'
import type { EventType } from '../schemas/events.ts'
import { write } from './write.ts'

/** How many rows a list body may hold on this route (its body schema's `maxItems`), if the body is a list. */
export const maxRowsOf = (request: FastifyRequest) =>
  (request.routeOptions.schema as { body?: { type?: string; maxItems?: number } } | undefined)?.body?.maxItems

/** The answer to a list longer than the route takes, given before a single row is read or checked. */
export const tooManyRows = (maxRows: number, found: string) =>
  problem(
    400,
    `The body lists more rows than the ${maxRows} this operation takes (${found}); nothing was read further.`,
    {
      errors: [{ pointer: '', detail: `must NOT have more than ${maxRows} items (${found})` }]
    }
  )

/** A list body's domain problems, and how to write the rows once there are none. */
export interface CheckedRows<Body> {
  errors: FieldError[]
  write: () => Promise<Body>
}

/**
 * The one way to take a list body (a JSON array or CSV rows) for a route declared with `attachValidation`:
 * the schema's problems and the domain's problems of every row come back together, sorted by row, as a 400
 * if any row is malformed and a 422 otherwise; the rows are written only if there are none, in the request's
 * one transaction, through the one write path (http/write.ts).
 * The domain sees only the rows the schema let through (a `null` or a number is no row to check), numbered
 * among themselves; their problems are numbered back to the rows of the body here.
 */
export async function importRows<Row, Body>(
  request: FastifyRequest,
  reply: FastifyReply,
  options: { status: number; event: EventType },
  noun: string,
  check: (trx: Db, rows: Row[], key: ActiveKey) => Promise<CheckedRows<Body>>
): Promise<FastifyReply> {
  const schemaErrors = request.validationError ? validationErrors(request, request.validationError) : []
  const body = request.body
  // The list itself is wrong (not a list, empty, too long), or a part other than its rows is: no row is looked at.
  if (!Array.isArray(body) || body.length === 0 || schemaErrors.some(error => error.row === undefined)) {
    throw problem(400, `The body must be a list of 1 or more ${noun}, within the limits documented.`, {
      errors: schemaErrors
    })
  }
  const malformed = new Set(schemaErrors.map(error => error.row! - 1))
  const indexes = body.flatMap((_row, index) => (malformed.has(index) ? [] : [index]))
  const renumber = (error: FieldError): FieldError => {
    if (error.row === undefined) return error
    const index = indexes[error.row - 1]!
    return {
      ...error,
      row: index + 1,
      ...(error.pointer !== undefined && { pointer: error.pointer.replace(/^\/\d+/, `/${index}`) })
    }
  }

  return write(request, reply, options, async (trx, key) => {
    const checked = await check(
      trx,
      indexes.map(index => body[index] as Row),
      key
    )
    const errors = [...schemaErrors, ...checked.errors.map(renumber)].sort((a, b) => (a.row ?? 0) - (b.row ?? 0))
    if (errors.length > 0) {
      throw problem(
        schemaErrors.length > 0 ? 400 : 422,
        `${new Set(errors.map(e => e.row)).size} row(s) cannot be imported; nothing was written.`,
        { errors }
      )
    }
    return { body: await checked.write() }
  })
}
