import { randomUUID } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { release } from '../release.ts'
import type { Problem } from '../schemas/common.ts'

export type FieldError = NonNullable<Problem['errors']>[number]

// For the statuses without a type URI of their own (about:blank: 406, 412, 413, 414, 415, 428, 429, 431, 503) RFC 9457
// asks for the HTTP status phrase as title.
const TITLES: Record<number, string> = {
  400: 'The request is not valid',
  401: 'Authentication is required',
  403: 'The API key may not do this',
  404: 'Not found',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'The request conflicts with what is stored',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'The request breaks a rule of the domain',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal error',
  503: 'Service Unavailable'
}

const TYPES: Record<number, string> = {
  400: '/problems/validation-error',
  401: '/problems/unauthorized',
  403: '/problems/forbidden',
  404: '/problems/not-found',
  409: '/problems/conflict',
  422: '/problems/unprocessable',
  500: '/problems/internal-error'
}

/** An error that becomes a problem response with this status, detail and field errors. */
export interface ProblemError extends Error {
  statusCode: number
  errors?: FieldError[]
  headers?: Record<string, string>
}

/** The one way for route code to fail a request: `throw problem(404, 'No municipality has code 9999')`. */
export function problem(
  statusCode: number,
  detail: string,
  extra: { errors?: FieldError[]; headers?: Record<string, string> } = {}
): ProblemError {
  return Object.assign(new Error(detail), { statusCode, ...extra })
}

/** Turns Ajv's errors into one entry per failing field, with a JSON pointer for body fields. */
function fieldErrors(error: { validation?: FastifyError['validation']; validationContext?: string }): FieldError[] {
  const inBody = error.validationContext === 'body'
  return (error.validation ?? []).map(issue => {
    let pointer = issue.instancePath
    let detail = issue.message ?? 'is not valid'
    const params = issue.params as Record<string, unknown>
    if (issue.keyword === 'required') {
      pointer += `/${escapePointer(String(params.missingProperty))}`
      detail = 'is required'
    } else if (issue.keyword === 'additionalProperties') {
      pointer += `/${escapePointer(String(params.additionalProperty))}`
      detail = 'is not a known field'
    } else if (issue.keyword === 'enum') {
      detail = `must be one of ${(params.allowedValues as unknown[]).map(value => JSON.stringify(value)).join(', ')}`
    }
    detail = clip(detail, 2000)
    pointer = clip(pointer, 2000)
    if (!inBody) return { parameter: clip(pointer.split('/')[1] ?? '', 200), detail }
    const row = /^\/(\d+)(\/|$)/.exec(pointer)
    return row?.[1] === undefined ? { pointer, detail } : { pointer, detail, row: Number(row[1]) + 1 }
  })
}

/**
 * The database is away or going (connection refused, reset or timed out; the server shutting down, SQLSTATE 57P0x,
 * or the connection lost, class 08): the request may well succeed in a moment, so it is a 503, not a 500.
 */
const isDatabaseUnavailable = (error: { code?: unknown; message?: unknown }) =>
  (typeof error.code === 'string' &&
    /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|57P0[1-3]|08[0-9A-Z]{3})$/.test(error.code)) ||
  (typeof error.message === 'string' &&
    /^(Connection terminated|Client has encountered a connection error|Client was closed|timeout exceeded when trying to connect|Query read timeout)/.test(
      error.message
    ))

/** Seconds a client should wait before retrying when the database is away: about what a restart or failover takes. */
const DATABASE_RETRY_AFTER_SECONDS = 5

/**
 * PostgreSQL's SQLSTATE class 22, data exceptions: a value from the request that the database cannot hold (a number
 * beyond range, such as the "1e309" that JSON Schema's coercion reads as Infinity). The request is at fault.
 */
const isDataException = (error: { code?: unknown }) =>
  typeof error.code === 'string' && /^22[0-9A-Z]{3}$/.test(error.code)

/** PostgreSQL's SQLSTATE class 23: unique, foreign key, check and not-null violations, and our append-only guard. */
const isIntegrityViolation = (error: { code?: unknown }) =>
  typeof error.code === 'string' && /^23[0-9A-Z]{3}$/.test(error.code)

type RequestPart = 'params' | 'querystring' | 'headers' | 'body'
const REQUEST_PARTS: ReadonlyArray<[RequestPart, (request: FastifyRequest) => unknown]> = [
  ['params', request => request.params],
  ['querystring', request => request.query],
  ['headers', request => request.headers],
  ['body', request => request.body]
]

/**
 * Every failing field of every part of the request. Fastify stops at the first part that fails (params, body,
 * query, headers), so the other parts are checked here with the route's own compiled validators.
 */
export function validationErrors(
  request: FastifyRequest,
  error: { validation?: FastifyError['validation']; validationContext?: string }
): FieldError[] {
  return REQUEST_PARTS.flatMap(([part, data]) => {
    if (part === error.validationContext) return fieldErrors(error)
    const validate = request.getValidationFunction(part)
    if (typeof validate !== 'function' || validate(data(request))) return []
    return fieldErrors({ validation: validate.errors ?? [], validationContext: part })
  })
}

const describe = (error: FieldError) =>
  `${error.parameter ?? (error.pointer === '' || error.pointer === undefined ? 'the body' : error.pointer)} ${error.detail}`

/** A problem lists at most this many of its field errors (and says how many there were), so its size is bounded. */
export const MAX_LISTED_ERRORS = 100
/** Each listed error's text is cut to this, so that 100 of them, the detail and the URL stay under 64 KiB. */
const LISTED_TEXT = 200
const listed = (error: FieldError): FieldError => ({
  ...error,
  detail: clip(error.detail, LISTED_TEXT),
  ...(error.pointer !== undefined && { pointer: clip(error.pointer, LISTED_TEXT) })
})
/** …and names at most this many in its one-line `detail`. */
const ERRORS_IN_DETAIL = 10

const escapePointer = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1')

/**
 * Text echoed from a request is cut to the contract's bounds (schemas/common.ts), so a hostile one cannot swell an
 * answer.
 */
const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`)

export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  detail: string,
  errors?: FieldError[]
) {
  const body: Problem = {
    type: TYPES[status] ?? 'about:blank',
    title: TITLES[status] ?? 'Error',
    status,
    detail: clip(detail, 4000),
    instance: clip(request.url, 8192),
    request_id: request.id,
    ...(errors !== undefined && { errors: errors.slice(0, MAX_LISTED_ERRORS).map(listed), error_count: errors.length })
  }
  return reply.code(status).type('application/problem+json').send(body)
}

/**
 * Problems Node's HTTP parser meets before Fastify sees a request (headers past 16 KiB, a malformed request line, a
 * request that did not arrive within the timeout): answered on the socket itself, as problem details too.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Duplex) {
  if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) {
    socket.destroy()
    return
  }
  const [status, detail] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, "The request's headers are larger than the service accepts (16 KiB in all)."]
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'The request did not arrive whole within 30 s.']
        : [400, 'The request is not valid HTTP.']
  const requestId = randomUUID()
  const body = JSON.stringify({
    type: TYPES[status] ?? 'about:blank',
    title: TITLES[status] ?? STATUS_CODES[status],
    status,
    detail,
    instance: '',
    request_id: requestId
  })
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `API-Version: ${release.version}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`
  )
}

/**
 * The single error path: every failure leaves the service as RFC 9457 problem details.
 * Client errors say what was wrong; server errors say nothing of the internals and are logged instead.
 */
export default fp(
  async function problems(app: FastifyInstance) {
    app.setErrorHandler((error: FastifyError & Partial<ProblemError>, request, reply) => {
      if (error.validation !== undefined) {
        const errors = validationErrors(request, error)
        const listed = errors.slice(0, ERRORS_IN_DETAIL).map(describe).join('; ')
        return sendProblem(
          request,
          reply,
          400,
          `${errors.length} field(s) failed validation: ${listed}${errors.length > ERRORS_IN_DETAIL ? '; …' : ''}`,
          errors
        )
      }
      // The database's constraints are the last guard of every invariant: a write that breaks one is a conflict
      // with stored data (typically a race the handler's own checks could not see), never an internal error.
      if (isIntegrityViolation(error)) {
        request.log.warn({ err: error }, 'write refused by a database constraint')
        return sendProblem(
          request,
          reply,
          409,
          'The request conflicts with data already stored; nothing was written. Read the current state and retry.'
        )
      }
      if (isDataException(error)) {
        request.log.warn({ err: error }, 'a value the database cannot hold')
        return sendProblem(
          request,
          reply,
          400,
          'A value in the request is out of range for what the service stores (for example a number too large); ' +
            'nothing was written.'
        )
      }
      if (isDatabaseUnavailable(error)) {
        request.log.warn({ err: error }, 'the database is unavailable')
        reply.header('retry-after', DATABASE_RETRY_AFTER_SECONDS)
        return sendProblem(
          request,
          reply,
          503,
          'The database cannot be reached right now, so the request may not have been carried out. Retry shortly ' +
            'with the same Idempotency-Key: it is then done exactly once.'
        )
      }
      const status =
        error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500
      // A refusal's own headers (Retry-After on a 503 the service chose to give); never a failure's.
      if (error.headers !== undefined && (status < 500 || status === 503)) reply.headers(error.headers)
      if (status >= 500) {
        request.log.error({ err: error }, 'request failed')
        return sendProblem(
          request,
          reply,
          status,
          status === 503
            ? 'The service cannot answer right now; try again shortly.'
            : 'An unexpected error occurred. Quote the request id to support.'
        )
      }
      return sendProblem(request, reply, status, error.message, error.errors)
    })

    app.setNotFoundHandler((request, reply) =>
      sendProblem(request, reply, 404, `No resource at ${request.method} ${request.url.split('?')[0]}`)
    )
  },
  { name: 'problems' }
)
