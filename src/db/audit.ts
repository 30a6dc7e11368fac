import { createHash } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import type { Transaction } from 'kysely'
import type { Database } from './schema.ts'

/** SHA-256 of what a request asked for: method, URL and body, with object keys in a fixed order. */
export function requestDigest(request: FastifyRequest): Buffer {
  const sortedKeys = (_key: string, value: unknown) =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value
  return createHash('sha256')
    .update(JSON.stringify([request.method, request.url, request.body], sortedKeys))
    .digest()
}

/**
 * Records a successful write in the audit trail, inside the write's own transaction: who (the key), when, what
 * (operation, path, status and the request's digest) and the request id that finds it in the logs.
 */
export async function recordWrite(trx: Transaction<Database>, request: FastifyRequest, status: number): Promise<void> {
  await trx
    .insertInto('audit_events')
    .values({
      api_key_id: request.apiKey!.id,
      request_id: request.id,
      operation_id: String((request.routeOptions.schema as { operationId?: string } | undefined)?.operationId),
      method: request.method as 'POST' | 'PUT',
      path: request.url,
      status,
      request_sha256: requestDigest(request)
    })
    .execute()
}
