import { sql } from 'kysely'

/** How long an Idempotency-Key's outcome is kept and replayed. */
export const KEPT = '24 hours'

/** What the record of one write holds (write.ts): who, which request, its answer, the event it announces. */
export interface WriteRecord {
  client: string
  apiKeyId: number
  /** The Idempotency-Key, when one was sent: its claim stores the answer. */
  key: string | null
  requestSha256: Buffer
  status: number
  headers: Record<string, string>
  payload: string
  requestId: string
  operationId: string
  method: string
  path: string
  eventType: string | null
  resourceUrl: string
}

/**
 * The call that records writes (migrations/0016_record_writes_together.sql): for each, the audit event (who, when,
 * what, and the request id that finds it in the logs), the feed's event (the answer as the resource's new state) and,
 * with an Idempotency-Key, the key's claim with its outcome. It raises JF001 when a key's first request committed
 * before this one.
 */
export function recordWrites(records: WriteRecord[]) {
  const each = <T>(field: (record: WriteRecord) => T) => records.map(field)
  return sql<null>`record_writes(${each(r => r.client)}::uuid[], ${each(r => r.apiKeyId)}::bigint[],
    ${each(r => r.key)}::text[], ${each(r => r.requestSha256)}::bytea[], ${each(r => r.status)}::integer[],
    ${each(r => JSON.stringify(r.headers))}::jsonb[], ${each(r => r.payload)}::text[], ${each(r => r.requestId)}::text[],
    ${each(r => r.operationId)}::text[], ${each(r => r.method)}::text[], ${each(r => r.path)}::text[],
    ${each(r => r.eventType)}::text[], ${each(r => r.resourceUrl)}::text[], ${KEPT}::interval)`
}
