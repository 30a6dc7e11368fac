import { createHash } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { sql } from 'kysely'
import Type from 'typebox'
import type { ActiveKey } from '../db/api-keys.ts'
import type { Db } from '../db/connection.ts'
import { problem } from '../plugins/problems.ts'
import { locationHeader, ref } from '../schemas/common.ts'
import type { EventType } from '../schemas/events.ts'
import { commitTogether, type RowInsert } from './group-commit.ts'
import { KEPT, recordWrites, type WriteRecord } from './record-writes.ts'

const HEADER = 'idempotency-key'
const KEY_PATTERN = '^[\\x21-\\x7E]{1,255}$'
const validKey = new RegExp(KEY_PATTERN)
const keptSince = sql<Date>`now() - ${KEPT}::interval`

/** The optional `Idempotency-Key` request header of every POST: use it as the route's `headers` schema. */
export const IdempotencyHeaders = Type.Object({
  [HEADER]: Type.Optional(
    Type.String({
      maxLength: 255,
      pattern: KEY_PATTERN,
      description:
        'A value you choose once per operation (a UUID, say; 1 to 255 printable ASCII characters) so the request ' +
        'can be retried safely. ' +
        'For 24 hours the same key with the same body gets the original status and body again, marked ' +
        '`Idempotent-Replayed: true`, ' +
        'and nothing is written a second time, even when the duplicates arrive at once; the same key with a ' +
        'different body is a 422. ' +
        'Keys belong to the client the API key is issued to, so they hold across a rotation of its key. A request ' +
        'that failed keeps nothing, so its key may be used again.',
      example: '5b0f5a3e-8f1c-4c57-9a7e-1f3d2c6b9e40'
    })
  )
})

/** The `headers` of a POST's success response: how a replay says it is one. */
export const replayedHeader = {
  'idempotent-replayed': {
    type: 'string',
    enum: ['true'],
    description:
      'Present on a replay: this is the stored response to an earlier request with the same `Idempotency-Key`; ' +
      'nothing was written now.'
  }
}

/** A 201 whose body is the resource at `location`, replayed as it was on a retry. */
export const createdResponse = (description: string, schema: Parameters<typeof ref>[0], location: string) => ({
  description,
  headers: { ...locationHeader(location), ...replayedHeader },
  content: { 'application/json': { schema: ref(schema) } }
})

/**
 * What a write's work produces: the response body, any headers (such as `location`) a replay must repeat, and the
 * status when it is not the operation's usual one (a PUT that creates).
 */
export interface Outcome<T> {
  body: T
  headers?: Record<string, string>
  status?: number
  event?: EventType
  /**
   * A single-statement write's change (`WriteOptions.single`): the insert that the statement recording the write
   * makes too.
   */
  change?: RowInsert
}

export interface WriteOptions {
  /**
   * The status of success (documented as application/json, or 204 for no content); an outcome may name another.
   */
  status: number
  /**
   * The kind of event the feed announces the write as, with its answer as the event's data; null for a write that is
   * configuration, not data (a webhook endpoint, whose answer holds its secret). An outcome may name another kind.
   */
  event: EventType | null
  /**
   * For an update of a versioned resource: the entity tag of its current version, or undefined when there is none
   * yet (the write creates it). If-Match must then name that version (412 otherwise), and is required (428) once
   * there is one, so that nobody's change is overwritten unseen.
   */
  currentVersion?: (trx: Db) => Promise<string | undefined>
  /**
   * For a write that is one insert and whose reads need no lock: the work reads outside a transaction and returns
   * its change (`Outcome.change`) instead of making it, and the change is made by the statement that records the
   * write. The write is then one statement and one commit, and the rows it locks (its municipality's latest decision,
   * say) are held only while PostgreSQL commits, not while the service works on another request.
   */
  single?: boolean
}

/**
 * The work of a write: everything it reads and changes goes through `db` (the write's transaction, or for a `single`
 * write the pool); `key` is the API key it acts with.
 */
export type Work<T> = (db: Db, key: ActiveKey) => Promise<Outcome<T>>

interface Stored {
  status: number
  headers: Record<string, string>
  payload: string
}

/** What this request answers and announces. */
interface Answer extends Stored {
  event: EventType | null
}

/** The SQLSTATE record_writes raises when the key's first request has done this work already: undoes this one's. */
const DONE_BEFORE = 'JF001'
const isDoneBefore = (error: unknown) => (error as { code?: unknown } | null)?.code === DONE_BEFORE

/**
 * The one way to write: every POST, PUT and DELETE runs its `work` through here, in one transaction with its audit
 * event, its event in the feed, its If-Match check (`currentVersion`) and, when an Idempotency-Key is sent, the key's
 * outcome. The work comes first and the key is claimed last, in the one statement that also records both events
 * (record-writes.ts), so a write costs its own statements and one more; a `single` write's change is made by that
 * statement, committed without a transaction around it (with the single writes that arrived meanwhile: group-commit.ts),
 * and its work only reads.
 * A duplicate sent while the first is in flight does its work too, then waits on the first's uncommitted claim; once
 * that commits it finds the key taken, its work is undone and the stored answer replayed.
 * A request that fails while its key holds a stored outcome (a retry that now meets the effects of the first, say)
 * gets that outcome replayed, or a 422 if the key was used for another request. A failed write keeps nothing.
 * In a transaction, `work` must use only the `db` it is given: a duplicate waiting on a claim holds its connection,
 * so asking for another could wait for ever.
 */
export async function write<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  options: WriteOptions,
  work: Work<T>
): Promise<FastifyReply> {
  const apiKey = request.apiKey
  if (apiKey === null) throw new Error(`${request.routeOptions.url} must require a scope to write`)
  const db = request.server.db
  // A PUT is idempotent by itself (and guarded by If-Match); Idempotency-Key makes a POST so.
  const key = request.method === 'POST' ? idempotencyKey(request) : undefined
  const digest = requestDigest(request)
  const answerTo = (outcome: Outcome<T>): Answer => {
    const { body, headers = {}, status = options.status, event = options.event } = outcome
    if (status === 204 && event !== null) throw new Error(`${request.routeOptions.url}: an event needs an answer`)
    return { status, headers, payload: status === 204 ? '' : serialize(request, reply, status, body), event }
  }
  try {
    let answer: Answer
    if (options.single) {
      if (options.currentVersion !== undefined)
        throw new Error(`${request.routeOptions.url}: If-Match needs a transaction`)
      const outcome = await work(db, apiKey)
      if (outcome.change === undefined)
        throw new Error(`${request.routeOptions.url}: a single write returns its change`)
      answer = answerTo(outcome)
      await commitTogether(db, { change: outcome.change, record: recordOf(request, apiKey, digest, answer, key) })
    } else {
      answer = await db.transaction().execute(async trx => {
        if (options.currentVersion !== undefined) checkIfMatch(request, await options.currentVersion(trx))
        const outcome = await work(trx, apiKey)
        if (outcome.change !== undefined)
          throw new Error(`${request.routeOptions.url}: only a single write hands over its change`)
        const answer = answerTo(outcome)
        await sql`SELECT ${recordWrites([recordOf(request, apiKey, digest, answer, key)])}`.execute(trx)
        return answer
      })
    }
    request.server.changes.madeHere()
    return send(reply, answer, false)
  } catch (error) {
    if (key === undefined) throw error
    // After DONE_BEFORE the key's first claim holds, even if it turned 24 hours old since this write began.
    const earlier = await db
      .selectFrom('idempotency_keys')
      .select(['request_hash', 'response_status', 'response_headers', 'response_body'])
      .where('client', '=', apiKey.client)
      .where('key', '=', key)
      .$if(!isDoneBefore(error), qb => qb.where('created_at', '>=', keptSince))
      .executeTakeFirst()
    if (earlier === undefined) throw error
    if (!earlier.request_hash.equals(digest)) {
      throw problem(
        422,
        'This Idempotency-Key was used for a different request; nothing was written. Use a new key for a new request.',
        {
          errors: [
            { parameter: HEADER, detail: 'was used within the last 24 hours with a different method, URL or body' }
          ]
        }
      )
    }
    // The first request may have been made on another instance, whose change this one may not have heard of yet.
    request.server.changes.madeHere()
    // A committed claim holds its outcome: both are written by one statement.
    const stored = {
      status: earlier.response_status!,
      headers: earlier.response_headers!,
      payload: earlier.response_body!
    }
    return send(reply, stored, true)
  }
}

function serialize(request: FastifyRequest, reply: FastifyReply, status: number, body: unknown) {
  const serializer = reply.getSerializationFunction(String(status), 'application/json')
  if (serializer === undefined) throw new Error(`${request.routeOptions.url} must document ${status} as JSON`)
  return serializer(body as Record<string, unknown>)
}

function send(reply: FastifyReply, answer: Stored, replayed: boolean) {
  if (replayed) reply.header('idempotent-replayed', 'true')
  reply.code(answer.status).headers(answer.headers)
  if (answer.status === 204) return reply.send()
  return reply.type('application/json; charset=utf-8').send(answer.payload)
}

/** The record of a write: its audit event, its event in the feed and, with an Idempotency-Key, the key's claim. */
function recordOf(
  request: FastifyRequest,
  apiKey: ActiveKey,
  digest: Buffer,
  answer: Answer,
  key?: string
): WriteRecord {
  return {
    client: apiKey.client,
    apiKeyId: apiKey.id,
    key: key ?? null,
    requestSha256: digest,
    status: answer.status,
    headers: answer.headers,
    payload: answer.payload,
    requestId: request.id,
    operationId: String((request.routeOptions.schema as { operationId?: string } | undefined)?.operationId),
    method: request.method,
    path: request.url,
    eventType: answer.event,
    // The resource's URL, or for an import the import's (the same for its CSV twin).
    resourceUrl: answer.headers.location ?? request.url.split('?')[0]!.replace(/\.csv$/, '')
  }
}

/** Does an If-Match header name this version? Strong comparison, as RFC 9110 asks; `*` matches any current version. */
function ifMatchHolds(ifMatch: string, etag: string): boolean {
  return ifMatch.trim() === '*' || ifMatch.split(',').some(tag => tag.trim() === etag)
}

function checkIfMatch(request: FastifyRequest, current: string | undefined) {
  const ifMatch = request.headers['if-match']
  if (current === undefined) {
    if (ifMatch !== undefined)
      throw problem(412, `Nothing is stored at ${request.url} yet: there is no version to match.`)
    return
  }
  if (ifMatch === undefined) throw problem(428, 'Send the ETag you read as If-Match: read it first with GET.')
  if (!ifMatchHolds(ifMatch, current)) {
    throw problem(412, `It has changed since you read it; its current ETag is ${current}.`)
  }
}

/**
 * The key, if one was sent. Checked here too: a route with `attachValidation` reaches us with the header failed, or
 * unchecked when its body failed first.
 */
function idempotencyKey(request: FastifyRequest): string | undefined {
  const key = request.headers[HEADER]
  if (key === undefined || (typeof key === 'string' && validKey.test(key))) return key
  throw problem(400, 'The Idempotency-Key header must be 1 to 255 printable ASCII characters.', {
    errors: [{ parameter: HEADER, detail: `must match pattern "${KEY_PATTERN}"` }]
  })
}

/** SHA-256 of what a request asked for: method, URL and body, with object keys in a fixed order. */
function requestDigest(request: FastifyRequest): Buffer {
  const sortedKeys = (_key: string, value: unknown) =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value
  return createHash('sha256')
    .update(JSON.stringify([request.method, request.url, request.body], sortedKeys))
    .digest()
}

/** Forgets outcomes older than the 24 hours replays are promised for; returns how many. */
export async function purgeExpiredIdempotencyKeys(db: Db): Promise<number> {
  const { numDeletedRows } = await db
    .deleteFrom('idempotency_keys')
    .where('created_at', '<', keptSince)
    .executeTakeFirst()
  return Number(numDeletedRows)
}
