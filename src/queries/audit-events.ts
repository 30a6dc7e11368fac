import type { Db } from '../db/connection.ts'
import type { AuditEvent, AuditFilter } from '../schemas/audit-events.ts'

export async function list(db: Db, filter: AuditFilter, page: { limit: number; offset: number }) {
  let query = db.selectFrom('audit_events as a').innerJoin('api_keys as k', 'k.id', 'a.api_key_id')
  if (filter.key_id !== undefined) query = query.where('a.api_key_id', '=', filter.key_id)
  if (filter.operation_id !== undefined) query = query.where('a.operation_id', '=', filter.operation_id)
  if (filter.from !== undefined) query = query.where('a.occurred_at', '>=', new Date(filter.from))
  if (filter.to !== undefined) query = query.where('a.occurred_at', '<', new Date(filter.to))
  const [rows, count] = await Promise.all([
    query
      .select([
        'a.id',
        'a.occurred_at',
        'a.api_key_id',
        'k.name as api_key_name',
        'k.municipality_code',
        'a.request_id',
        'a.operation_id',
        'a.method',
        'a.path',
        'a.status',
        'a.request_sha256'
      ])
      .orderBy('a.id')
      .limit(page.limit)
      .offset(page.offset)
      .execute(),
    query.select(eb => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  ])
  const items: AuditEvent[] = rows.map(({ occurred_at, request_sha256, ...row }) => ({
    ...row,
    occurred_at: occurred_at.toISOString(),
    request_sha256: request_sha256.toString('hex')
  }))
  return { items, total: Number(count.n) }
}
