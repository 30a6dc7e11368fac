/**
 * A typed client for the joint financing API: paths, parameters, bodies and answers are checked against
 * openapi/openapi.json at compile time, through the types `npm run client` generates into schema.d.ts.
 */
import createClient from 'openapi-fetch'
import { Webhook } from 'standardwebhooks'
import type { components, paths } from './schema.d.ts'

export type { components, operations, paths } from './schema.d.ts'

/**
 * A client that sends one API key with every request. CSV is text both ways: the `.csv` twins of the lists, reports
 * and imports are typed as strings by the generator, a string body is sent as it is (as text/csv to a `.csv` path),
 * and a CSV answer is read with `parseAs: 'text'`.
 */
export function createApiClient(baseUrl: string, token?: string) {
  const client = createClient<paths>({
    baseUrl,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    bodySerializer: (body: unknown) => (typeof body === 'string' ? body : JSON.stringify(body))
  })
  client.use({
    onRequest({ request, schemaPath }) {
      if (schemaPath.endsWith('.csv') && request.method !== 'GET') request.headers.set('content-type', 'text/csv')
      return request
    }
  })
  return client
}

/**
 * The JSON form of an answer that the contract also offers as CSV (lists and figures): its type is the union of
 * both, and this narrows it to the JSON object (asking for CSV is a `format: 'csv'` or `parseAs: 'text'` away).
 */
export function json<T>(data: T | undefined): Exclude<T, string> {
  if (data === undefined || typeof data === 'string') throw new TypeError('expected a JSON answer')
  return data as Exclude<T, string>
}

/** An event of the feed (`GET /v1/events`) and of a webhook delivery: one of its kinds, told apart by `type`. */
export type Event = components['schemas']['Event']

/**
 * A webhook delivery's event, once its `webhook-signature` is the endpoint secret's HMAC over its `webhook-id`,
 * `webhook-timestamp` and body, and the timestamp within five minutes of now, as Standard Webhooks specifies (its
 * reference library checks); throws otherwise. Pass the body exactly as it arrived, before any JSON parsing.
 */
export function verifyWebhook(
  secret: string,
  body: string,
  headers: Headers | Record<string, string | string[] | undefined>
): Event {
  const received =
    headers instanceof Headers
      ? Object.fromEntries(headers)
      : Object.fromEntries(
          Object.entries(headers).filter((entry): entry is [string, string] => typeof entry[1] === 'string')
        )
  return new Webhook(secret).verify(body, received) as Event
}
