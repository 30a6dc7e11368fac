/**
 * What every operation of the contract has in common, added to the generated document in one place so that no
 * route can forget it: conditional GETs, CSV bodies, the scope in the prose, rate limits and the 500 problem.
 */
import { CsvText, ENTITY_TAG, ENTITY_TAG_CONDITION, STATUS_DESCRIPTIONS, TEXT } from '../schemas/common.ts'

export interface Operation {
  deprecated?: boolean
  summary?: string
  description?: string
  parameters?: unknown[]
  requestBody?: { content?: Record<string, { schema: unknown }> }
  responses?: Record<string, { description: string; headers?: Record<string, unknown>; content?: unknown }>
  'x-required-scopes'?: string[]
}

const PROBLEM = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } }
const ETAG_HEADER = {
  description: 'A tag of this exact response: send it as `If-None-Match` to poll cheaply.',
  schema: { type: 'string', maxLength: 200, pattern: ENTITY_TAG }
}
const IF_NONE_MATCH = {
  in: 'header',
  name: 'If-None-Match',
  required: false,
  description: 'An `ETag` from an earlier response: if the answer is unchanged, you get 304 with no body.',
  schema: { type: 'string', maxLength: 200, pattern: ENTITY_TAG_CONDITION, example: '"h3Jc9bQk2l6mVZk1pS0yXw"' }
}
const SECONDS = { type: 'integer', format: 'int32', minimum: 0, maximum: 60, example: 42 }
const RATE_LIMIT_HEADERS = {
  'RateLimit-Limit': {
    description: 'Requests this API key (or, without one, this address) may make per minute.',
    schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 1_000_000, example: 600 }
  },
  'RateLimit-Remaining': {
    description: 'Requests left this minute. Answers 304 do not count.',
    schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 1_000_000, example: 599 }
  },
  'RateLimit-Reset': { description: 'Seconds until the count starts over.', schema: SECONDS }
}
const TOO_MANY_REQUESTS = {
  description: STATUS_DESCRIPTIONS[429],
  headers: {
    'Retry-After': { description: 'Seconds to wait before the next request.', schema: SECONDS },
    ...RATE_LIMIT_HEADERS
  },
  content: PROBLEM
}

const SERVICE_UNAVAILABLE = {
  description: STATUS_DESCRIPTIONS[503],
  headers: { 'Retry-After': { description: 'Seconds to wait before trying again.', schema: SECONDS } },
  content: PROBLEM
}

/** Every successful GET is tagged and answers If-None-Match (plugins/etag.ts): say so where generators look. */
function conditionalGet(operation: Operation) {
  const ok = operation.responses?.['200']
  if (ok === undefined) return
  ok.headers = { etag: ETAG_HEADER, ...ok.headers }
  operation.parameters = [...(operation.parameters ?? []), IF_NONE_MATCH]
  // RFC 9110 §15.4.5: a 304 carries the ETag (always: it is what matched), and those of the 200's headers that
  // caches update from. Content-Type and Content-Length it must not carry, so it has no content.
  const cacheHeaders = Object.entries(ok.headers).filter(([name]) =>
    /^(cache-control|content-location|expires|vary)$/i.test(name)
  )
  const notModified = {
    description: 'Not modified: the `If-None-Match` tag is still current. No body.',
    headers: {
      ...Object.fromEntries(cacheHeaders),
      etag: { ...ETAG_HEADER, description: 'The tag that matched: the answer is still this one.', required: true }
    }
  }
  operation.responses = { 200: ok, 304: notModified, ...operation.responses }
}

const LINK_HEADER = {
  description:
    'RFC 8288 links to the `first`, `prev`, `next` and `last` pages, keeping every other query parameter: ' +
    '`</v1/municipalities?county=01&page=2&limit=20>; rel="next"`.',
  required: true,
  // Each page's link repeats the request's query, whose length only the server's header limit (16 KiB) bounds.
  schema: {
    type: 'string',
    maxLength: 4 * 16_384,
    pattern: '^<[^<>]*>(\\s*;\\s*[a-z]+="[^"]*")+(\\s*,\\s*<[^<>]*>(\\s*;\\s*[a-z]+="[^"]*")+)*$'
  }
}

/**
 * Every list is paginated by one helper (http/pagination.ts), which sends `Link` on every page; and a list takes
 * `page` and `limit`, without which it cannot be paged (the DIGG lint holds every list to them), so those
 * parameters mark the operations whose 200 carries the header.
 */
function linkedPages(operation: Operation) {
  const query = new Set(
    ((operation.parameters as Array<{ in?: string; name?: string }> | undefined) ?? [])
      .filter(p => p.in === 'query')
      .map(p => p.name)
  )
  const ok = operation.responses?.['200']
  if (ok === undefined || !query.has('page') || !query.has('limit')) return
  ok.headers = { ...ok.headers, Link: LINK_HEADER }
}

/**
 * A CSV request body is parsed into rows and validated with the JSON schema, but on the wire it is text.
 * @fastify/swagger shares one media-type object between the consumed types, so it is replaced, not changed.
 */
function csvBody(operation: Operation) {
  const content = operation.requestBody?.content
  if (content?.['text/csv'] !== undefined) content['text/csv'] = { schema: CsvText }
}

/** Readers of the rendered docs see the scope too, not only generators reading the extension. */
function scopeInProse(operation: Operation) {
  const scope = operation['x-required-scopes']?.[0]
  if (scope !== undefined)
    operation.description =
      `${operation.description ?? operation.summary ?? ''}\n\nNeeds an API key with the scope \`${scope}\`.`.trim()
}

/**
 * Every answer but the probes' carries the rate-limit headers, and any request can be one too many
 * (plugins/rate-limit.ts).
 */
function rateLimited(operation: Operation) {
  for (const [status, response] of Object.entries(operation.responses ?? {})) {
    if (/^[24]/.test(status)) response.headers = { ...response.headers, ...RATE_LIMIT_HEADERS }
  }
  operation.responses = { ...operation.responses, 429: TOO_MANY_REQUESTS }
}

const VERSION_HEADER = {
  'API-Version': {
    description: 'The version of the contract this answer was made under.',
    schema: { type: 'string', maxLength: 50, pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+$', example: '1.0.0' }
  }
}
const DEPRECATION_HEADERS = {
  Deprecation: {
    description: 'RFC 9745: since when (`@` and a Unix time) this operation is deprecated.',
    schema: { type: 'string', maxLength: 20, pattern: '^@[0-9]+$', example: '@1798761600' }
  },
  Sunset: {
    description: 'RFC 8594: after this HTTP date the operation may be gone.',
    schema: { type: 'string', maxLength: 40, pattern: TEXT, example: 'Thu, 01 Jul 2027 00:00:00 GMT' }
  }
}

/** Every answer names its contract version (and, for a deprecated operation, its deprecation and sunset). */
function versioned(operation: Operation) {
  for (const response of Object.values(operation.responses ?? {})) {
    response.headers = {
      ...response.headers,
      ...VERSION_HEADER,
      ...(operation.deprecated === true && DEPRECATION_HEADERS)
    }
  }
}

/** Any request but a liveness probe may be shed under load, or find the database away (plugins/protection.ts). */
function mayBeUnavailable(operation: Operation) {
  operation.responses = { ...operation.responses, 503: SERVICE_UNAVAILABLE }
}

/** A path parameter longer than the router takes is refused before the route (app.ts, frameworkErrors). */
function boundedPath(operation: Operation) {
  operation.responses = { ...operation.responses, 414: { description: STATUS_DESCRIPTIONS[414], content: PROBLEM } }
}

/** Any request can be malformed, if only by a query parameter the operation does not declare (plugins/csv.ts). */
function malformed(operation: Operation) {
  if (operation.responses?.['400'] === undefined)
    operation.responses = { ...operation.responses, 400: { description: STATUS_DESCRIPTIONS[400], content: PROBLEM } }
}

/**
 * An Idempotency-Key sent before with another request is refused (http/write.ts), on every POST that takes
 * one.
 */
function keyedOnce(operation: Operation) {
  const takesKey = (operation.parameters as Array<{ in?: string; name?: string }> | undefined)?.some(
    p => p.in === 'header' && p.name?.toLowerCase() === 'idempotency-key'
  )
  if (takesKey === true && operation.responses?.['422'] === undefined)
    operation.responses = { ...operation.responses, 422: { description: STATUS_DESCRIPTIONS[422], content: PROBLEM } }
}

/** A GET whose Accept header allows none of its media types is refused (plugins/csv.ts). */
function negotiated(operation: Operation) {
  operation.responses = { ...operation.responses, 406: { description: STATUS_DESCRIPTIONS[406], content: PROBLEM } }
}

/** Headers past Node's 16 KiB are refused before any route (app.ts, clientErrorHandler). */
function boundedHeaders(operation: Operation) {
  operation.responses = { ...operation.responses, 431: { description: STATUS_DESCRIPTIONS[431], content: PROBLEM } }
}

/** Any operation can fail unexpectedly; clients should know that the answer is a problem document even then. */
function internalError(operation: Operation) {
  operation.responses = { ...operation.responses, 500: { description: STATUS_DESCRIPTIONS[500], content: PROBLEM } }
}

export function completeOperation(path: string, method: string, operation: Operation) {
  if (method === 'get') conditionalGet(operation)
  if (method === 'get') negotiated(operation)
  malformed(operation)
  keyedOnce(operation)
  linkedPages(operation)
  csvBody(operation)
  scopeInProse(operation)
  if (!path.startsWith('/health/')) rateLimited(operation)
  if (path.includes('{')) boundedPath(operation)
  boundedHeaders(operation)
  if (path !== '/health/live') mayBeUnavailable(operation)
  internalError(operation)
  versioned(operation)
}
