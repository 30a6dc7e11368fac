import { createHash } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { sql, type Transaction } from 'kysely'
import Type from 'typebox'
import type { ActiveKey } from '../db/api-keys.ts'
import type { Db } from '../db/connection.ts'
import type { Database } from '../db/schema.ts'
import { problem } from '../plugins/problems.ts'
import { locationHeader, ref } from '../schemas/common.ts'
import type { EventType } from '../schemas/events.ts'

const HEADER = 'idempotency-key'
const KEY_PATTERN = '^[\\x21-\\x7E]{1,255}$'
const validKey = new RegExp(KEY_PATTERN)
const keptSince = sql<Date>`now() - interval '24 hours'`

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
  currentVersion?: (trx: Transaction<Database>) => Promise<string | undefined>
}

/** The work of a write: everything it reads and changes goes through `trx`; `key` is the API key it acts with. */
export type Work<T> = (trx: Transaction<Database>, key: ActiveKey) => Promise<Outcome<T>>

interface Stored {
  status: number
  headers: Record<string, string>
  payload: string
}

/** Thrown inside the transaction when the key's first request has done this work already: undoes this one's. */
class DoneBefore extends Error {}

/**
 * The one way to write: every POST, PUT and DELETE runs its `work` through here, in one transaction with its audit
 * event, its event in the feed, its If-Match check (`currentVersion`) and, when an Idempotency-Key is sent, the key's
 * outcome. The work comes first and the key is claimed last, in the one statement that also records both events, so a
 * write costs its own statements and one more. A duplicate sent while the first is in flight does its work too, then waits on the first's
 * uncommitted claim; once that commits it finds the key taken, rolls its work back and replays the stored answer.
 * A request that fails while its key holds a stored outcome (a retry that now meets the effects of the first, say)
 * gets that outcome replayed, or a 422 if the key was used for another request. A failed write keeps nothing.
 * `work` must use only `trx`: a duplicate waiting on a claim holds its connection, so asking for another could wait
 * for ever.
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
  try {
    const answer = await db.transaction().execute(async (trx): Promise<Stored> => {
      if (options.currentVersion !== undefined) checkIfMatch(request, await options.currentVersion(trx))
      const { body, headers = {}, status = options.status, event = options.event } = await work(trx, apiKey)
      if (status === 204 && event !== null) throw new Error(`${request.routeOptions.url}: an event needs an answer`)
      const answer = { status, headers, payload: status === 204 ? '' : serialize(request, reply, status, body) }
      if (!(await finish(trx, request, apiKey, digest, answer, key, event))) throw new DoneBefore()
      return answer
    })
    request.server.changes.madeHere()
    return send(reply, answer, false)
  } catch (error) {
    if (key === undefined) throw error
    // After DoneBefore the key's first claim holds, even if it turned 24 hours old since this transaction began.
    const earlier = await db
      .selectFrom('idempotency_keys')
      .select(['request_hash', 'response_status', 'response_headers', 'response_body'])
      .where('client', '=', apiKey.client)
      .where('key', '=', key)
      .$if(!(error instanceof DoneBefore), qb => qb.where('created_at', '>=', keptSince))
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
    // A committed claim holds its outcome: both are written by one statement (and were, before, in one transaction).
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

/**
 * The audit event (who, when, what, and the request id that finds it in the logs), the feed's event (the answer as the
 * resource's new state) and, with an Idempotency-Key, the key's claim with its outcome, in one statement: the events
 * are recorded only if the claim is this request's. An expired claim of the key is taken over. False when the key's
 * first request committed before this one.
 */
async function finish(
  trx: Transaction<Database>,
  request: FastifyRequest,
  apiKey: ActiveKey,
  digest: Buffer,
  answer: Stored,
  key: string | undefined,
  eventType: EventType | null
): Promise<boolean> {
  const audit = {
    api_key_id: apiKey.id,
    request_id: request.id,
    operation_id: String((request.routeOptions.schema as { operationId?: string } | undefined)?.operationId),
    method: request.method as 'POST' | 'PUT' | 'DELETE',
    path: request.url,
    status: answer.status,
    request_sha256: digest
  }
  const recorded = trx
    .with('claimed', db =>
      key === undefined
        ? db.selectNoFrom(sql<string>`null`.as('key'))
        : db
            .insertInto('idempotency_keys')
            .values({
              client: apiKey.client,
              api_key_id: apiKey.id,
              key,
              request_hash: digest,
              response_status: answer.status,
              response_headers: JSON.stringify(answer.headers),
              response_body: answer.payload
            })
            .onConflict(oc =>
              oc
                .columns(['client', 'key'])
                .doUpdateSet(eb => ({
                  api_key_id: eb.ref('excluded.api_key_id'),
                  request_hash: eb.ref('excluded.request_hash'),
                  response_status: eb.ref('excluded.response_status'),
                  response_headers: eb.ref('excluded.response_headers'),
                  response_body: eb.ref('excluded.response_body'),
                  created_at: sql`now()`
                }))
                .where('idempotency_keys.created_at', '<', keptSince)
            )
            .returning('key')
    )
    .with('audit', db =>
      db
        .insertInto('audit_events')
        .columns(['api_key_id', 'request_id', 'operation_id', 'method', 'path', 'status', 'request_sha256'])
        .expression(eb =>
          eb
            .selectFrom('claimed')
            .select([
              eb.val(audit.api_key_id).as('api_key_id'),
              eb.val(audit.request_id).as('request_id'),
              eb.val(audit.operation_id).as('operation_id'),
              eb.val(audit.method).as('method'),
              eb.val(audit.path).as('path'),
              eb.val(audit.status).as('status'),
              eb.val(audit.request_sha256).as('request_sha256')
            ])
        )
        .returning('id')
    )
  if (eventType === null) return (await recorded.selectFrom('audit').select('id').executeTakeFirst()) !== undefined
  const announced = await recorded
    .insertInto('events')
    .columns(['type', 'resource_url', 'data', 'audit_event_id'])
    .expression(eb =>
      eb.selectFrom('audit').select([
        eb.val(eventType).as('type'),
        // The resource's URL, or for an import the import's (the same for its CSV twin).
        eb.val(answer.headers.location ?? request.url.split('?')[0]!.replace(/\.csv$/, '')).as('resource_url'),
        sql<string>`${answer.payload}::json`.as('data'),
        'audit.id as audit_event_id'
      ])
    )
    .returning('id')
    .executeTakeFirst()
  return announced !== undefined
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
