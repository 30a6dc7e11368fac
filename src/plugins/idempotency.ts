import type { FastifyReply, FastifyRequest } from 'fastify'
import { sql, type Transaction } from 'kysely'
import Type from 'typebox'
import { recordWrite, requestDigest } from '../db/audit.ts'
import type { ActiveKey } from '../db/api-keys.ts'
import type { Db } from '../db/connection.ts'
import type { Database } from '../db/schema.ts'
import { problem } from './problems.ts'

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

/** What a POST's work produces: the response body and any headers (such as `location`) a replay must repeat. */
export interface Outcome<T> {
  body: T
  headers?: Record<string, string>
}

interface ResponseToSend {
  status: number
  headers: Record<string, string>
  payload: string
  replayed: boolean
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

/**
 * Runs a POST's `work` in one transaction with the claim of its Idempotency-Key and sends the result with `status`.
 * A concurrent duplicate blocks on the uncommitted claim and, once the first commits, replays its stored response;
 * if the work fails everything rolls back, the key too, so errors are never replayed.
 * The route must document `status` with an application/json schema: the body is serialized by it, and stored as sent.
 * `work` must use only `trx`: duplicates waiting on the claim hold pool connections, so asking for another could wait
 * forever.
 */
export async function idempotent<T>(
  db: Db,
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  work: (trx: Transaction<Database>) => Promise<Outcome<T>>
): Promise<FastifyReply> {
  const serialize = reply.getSerializationFunction(String(status), 'application/json')
  const apiKey = request.apiKey
  if (serialize === undefined || apiKey === null) {
    throw new Error(
      `${request.routeOptions.url} must require a scope and document ${status} as application/json to be idempotent`
    )
  }
  const key = idempotencyKey(request)
  const hash = requestDigest(request)

  const response = await db.transaction().execute(async (trx): Promise<ResponseToSend> => {
    if (key !== undefined && !(await claim(trx, apiKey, key, hash))) return replay(trx, apiKey.name, key, hash)
    const { body, headers = {} } = await work(trx)
    const payload = serialize(body as Record<string, unknown>)
    if (key !== undefined) {
      await trx
        .updateTable('idempotency_keys')
        .set({ response_status: status, response_headers: JSON.stringify(headers), response_body: payload })
        .where('client', '=', apiKey.name)
        .where('key', '=', key)
        .execute()
    }
    await recordWrite(trx, request, status)
    return { status, headers, payload, replayed: false }
  })

  if (response.replayed) reply.header('idempotent-replayed', 'true')
  return reply
    .code(response.status)
    .headers(response.headers)
    .type('application/json; charset=utf-8')
    .send(response.payload)
}

/**
 * True if this transaction now holds the key; false if another committed it first (a claim in flight is waited for).
 */
async function claim(trx: Transaction<Database>, apiKey: ActiveKey, key: string, hash: Buffer): Promise<boolean> {
  await trx
    .deleteFrom('idempotency_keys')
    .where('client', '=', apiKey.name)
    .where('key', '=', key)
    .where('created_at', '<', keptSince)
    .execute()
  const claimed = await trx
    .insertInto('idempotency_keys')
    .values({ client: apiKey.name, api_key_id: apiKey.id, key, request_hash: hash })
    .onConflict(oc => oc.doNothing())
    .returning('key')
    .executeTakeFirst()
  return claimed !== undefined
}

async function replay(trx: Transaction<Database>, client: string, key: string, hash: Buffer): Promise<ResponseToSend> {
  const earlier = await trx
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'response_status', 'response_headers', 'response_body'])
    .where('client', '=', client)
    .where('key', '=', key)
    .executeTakeFirstOrThrow()
  if (!earlier.request_hash.equals(hash)) {
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
  // A committed claim always holds its response: both are written in the transaction that made it.
  return {
    status: earlier.response_status!,
    headers: earlier.response_headers!,
    payload: earlier.response_body!,
    replayed: true
  }
}

/** Forgets outcomes older than the 24 hours replays are promised for; returns how many. */
export async function purgeExpiredIdempotencyKeys(db: Db): Promise<number> {
  const { numDeletedRows } = await db
    .deleteFrom('idempotency_keys')
    .where('created_at', '<', keptSince)
    .executeTakeFirst()
  return Number(numDeletedRows)
}
