/**
 * A typed client for the joint financing API: paths, parameters, bodies and answers are checked against
 * openapi/openapi.json at compile time, through the types `npm run client` generates into schema.d.ts.
 */
import createClient from 'openapi-fetch'
import type { paths } from './schema.d.ts'

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
