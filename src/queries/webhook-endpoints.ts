import { sql, type Selectable } from 'kysely'
import type { Db } from '../db/connection.ts'
import type { WebhookEndpointsTable } from '../db/schema.ts'
import { problem } from '../plugins/problems.ts'
import type { WebhookDelivery, WebhookEndpoint } from '../schemas/webhook-endpoints.ts'
import type { Attempt } from '../webhooks/send.ts'
import type { FeedEvent, Position } from './events.ts'

/** An instance holds an endpoint this long per lease: well past a delivery's timeout, short after a crash. */
const LEASE = sql`interval '60 seconds'`

type Row = Selectable<WebhookEndpointsTable>

/** What the delivery log says of an attempt, as recorded and as read. */
const DELIVERY_FIELDS = [
  'event_id',
  'event_type',
  'attempt',
  'attempted_at',
  'duration_ms',
  'response_status',
  'error',
  'delivered'
] as const

const toEndpoint = (row: Row): WebhookEndpoint => ({
  id: row.id,
  url: row.url,
  event_types: row.event_types as WebhookEndpoint['event_types'],
  description: row.description,
  created_at: row.created_at.toISOString(),
  status: row.disabled_at === null ? 'enabled' : 'disabled',
  disabled_at: row.disabled_at?.toISOString() ?? null,
  disabled_reason: row.disabled_reason,
  failing_since: row.failing_since?.toISOString() ?? null,
  delivered_through: row.after_event_id === 0 ? null : row.after_event_id
})

/** A new endpoint, placed in the feed where it stands now: it hears of the events committed from then on. */
export async function insert(
  db: Db,
  input: { url: string; event_types: string[]; description?: string },
  secret: string,
  key: { id: number; client: string }
) {
  const row = await db
    .insertInto('webhook_endpoints')
    .values({
      client: key.client,
      url: input.url,
      event_types: input.event_types,
      description: input.description ?? null,
      secret,
      created_by: key.id,
      after_transaction_id: sql<string>`pg_snapshot_xmin(pg_current_snapshot())`
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return toEndpoint(row)
}

const ofClient = (db: Db, client: string) =>
  db.selectFrom('webhook_endpoints').selectAll().where('client', '=', client).where('deleted_at', 'is', null)

export async function countOf(db: Db, client: string): Promise<number> {
  const { n } = await db
    .selectFrom('webhook_endpoints')
    .select(eb => eb.fn.countAll<number>().as('n'))
    .where('client', '=', client)
    .where('deleted_at', 'is', null)
    .executeTakeFirstOrThrow()
  return Number(n)
}

export async function all(db: Db, client: string) {
  return (await ofClient(db, client).orderBy('id').execute()).map(toEndpoint)
}

/** The client's endpoint, or a 404: another client's endpoints do not exist for it. */
export async function findOrFail(db: Db, client: string, id: number) {
  const row = await ofClient(db, client).where('id', '=', id).executeTakeFirst()
  if (row === undefined) throw problem(404, `You have no webhook endpoint with id ${id}.`)
  return toEndpoint(row)
}

export async function remove(db: Db, client: string, id: number) {
  const { numUpdatedRows } = await db
    .updateTable('webhook_endpoints')
    .set({ deleted_at: sql`now()` })
    .where('client', '=', client)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst()
  if (numUpdatedRows === 0n) throw problem(404, `You have no webhook endpoint with id ${id}.`)
}

/**
 * Enables a disabled endpoint again, from where its deliveries stopped (the feed keeps 30 days): its failures are
 * forgotten and it is due at once. Undefined when the client has no such endpoint, or it is not disabled.
 */
export async function reactivate(db: Db, client: string, id: number) {
  const row = await db
    .updateTable('webhook_endpoints')
    .set({
      disabled_at: null,
      disabled_reason: null,
      failed_attempts: 0,
      failing_since: null,
      next_attempt_at: sql<Date>`now()`
    })
    .where('client', '=', client)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .where('disabled_at', 'is not', null)
    .returningAll()
    .executeTakeFirst()
  return row && toEndpoint(row)
}

export async function deliveries(db: Db, endpointId: number, page: { limit: number; offset: number }) {
  const query = db.selectFrom('webhook_deliveries').where('endpoint_id', '=', endpointId)
  const [rows, count] = await Promise.all([
    query
      .select(['id', ...DELIVERY_FIELDS])
      .orderBy('id', 'desc')
      .limit(page.limit)
      .offset(page.offset)
      .execute(),
    query.select(eb => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  ])
  const items: WebhookDelivery[] = rows.map(row => ({ ...row, attempted_at: row.attempted_at.toISOString() }))
  return { items, total: Number(count.n) }
}

/** What the delivery worker holds of an endpoint it leased. */
export interface Leased {
  id: number
  url: string
  secret: string
  event_types: string[]
  position: Position
  failed_attempts: number
  failing_since: Date | null
}

/**
 * Leases the endpoint due longest (but those `except`), for this instance alone: SKIP LOCKED passes over one another
 * instance is leasing at this moment, and an unexpired lease over one it is delivering to. A short transaction of its
 * own, so no transaction stays open while a receiver is waited for (it would hold back the feed's horizon).
 */
export async function lease(db: Db, owner: string, except: readonly number[]): Promise<Leased | undefined> {
  const row = await db
    .updateTable('webhook_endpoints')
    .set({ lease_owner: owner, leased_until: sql`now() + ${LEASE}` })
    .where('id', '=', qb =>
      qb
        .selectFrom('webhook_endpoints')
        .select('id')
        .where('deleted_at', 'is', null)
        .where('disabled_at', 'is', null)
        .where('next_attempt_at', '<=', sql<Date>`now()`)
        .$if(except.length > 0, qb => qb.where('id', 'not in', except))
        .where(eb => eb.or([eb('leased_until', 'is', null), eb('leased_until', '<', sql<Date>`now()`)]))
        .orderBy('next_attempt_at')
        .limit(1)
        .forUpdate()
        .skipLocked()
    )
    .returning([
      'id',
      'url',
      'secret',
      'event_types',
      'after_transaction_id',
      'after_event_id',
      'failed_attempts',
      'failing_since'
    ])
    .executeTakeFirst()
  if (row === undefined) return undefined
  const { after_transaction_id, after_event_id, ...endpoint } = row
  return { ...endpoint, position: { transaction_id: after_transaction_id, id: after_event_id } }
}

/**
 * Gives the lease back with nothing left to send, keeping the position (past events of kinds it does not want): due
 * again from now, behind those that have waited longer.
 */
export async function release(db: Db, endpoint: Leased, owner: string) {
  await db
    .updateTable('webhook_endpoints')
    .set({
      lease_owner: null,
      leased_until: null,
      next_attempt_at: sql<Date>`now()`,
      after_transaction_id: endpoint.position.transaction_id,
      after_event_id: endpoint.position.id
    })
    .where('id', '=', endpoint.id)
    .where('lease_owner', '=', owner)
    .execute()
}

/** One attempt to send one event, for the delivery log. */
export interface Sent {
  event: FeedEvent
  attempt: Attempt
}

/**
 * Records attempts in the delivery log together with what they mean for the endpoint, in one statement: the cursor
 * moves past the last delivered event and the failures are forgotten; when the last attempt failed (`failure`), the
 * endpoint waits until `retryAt` (or is disabled, with `disabledReason`) and is released. Only while this instance's
 * lease holds and the endpoint is neither deleted nor disabled: false otherwise, and then nothing more is to be sent in
 * this turn (another instance may have taken it over after a stall, and records its own attempts).
 */
export async function recordAttempts(
  db: Db,
  owner: string,
  endpoint: Leased,
  sent: readonly Sent[],
  failure?: { retryAt: Date; disabledReason: string | null }
): Promise<boolean> {
  const through = sent.findLast(({ attempt }) => attempt.delivered)?.event
  const changes = {
    ...(through !== undefined && {
      after_transaction_id: through.transaction_id,
      after_event_id: through.id,
      failed_attempts: 0,
      failing_since: null
    }),
    ...(failure === undefined
      ? { leased_until: sql<Date>`now() + ${LEASE}` }
      : {
          failed_attempts: (through === undefined ? endpoint.failed_attempts : 0) + 1,
          failing_since: through === undefined ? sql<Date>`coalesce(failing_since, now())` : sql<Date>`now()`,
          next_attempt_at: failure.retryAt,
          lease_owner: null,
          leased_until: null,
          ...(failure.disabledReason !== null && {
            disabled_at: sql<Date>`now()`,
            disabled_reason: failure.disabledReason
          })
        })
  }
  const held = db
    .updateTable('webhook_endpoints')
    .set(changes)
    .where('id', '=', endpoint.id)
    .where('lease_owner', '=', owner)
    .where('leased_until', '>', sql<Date>`now()`)
    .where('deleted_at', 'is', null)
    .where('disabled_at', 'is', null)
    .returning('id')
  const column = <T>(of: (one: Sent) => T) => sent.map(of)
  const { rows } = await sql<{ held: number }>`WITH held AS (${held}), logged AS (
      INSERT INTO webhook_deliveries (endpoint_id, ${sql.join(DELIVERY_FIELDS.map(field => sql.ref(field)))})
      SELECT held.id, a.event_id, a.event_type,
        -- Counted from the log, not from the failures: those start again at 0 when an endpoint is reactivated.
        (SELECT count(*) + 1 FROM webhook_deliveries d WHERE d.endpoint_id = held.id AND d.event_id = a.event_id),
        a.attempted_at, a.duration_ms, a.response_status, a.error, a.delivered
      FROM held, unnest(${column(s => s.event.id)}::bigint[], ${column(s => s.event.type)}::text[],
        ${column(s => s.attempt.attemptedAt)}::timestamptz[],
        ${column(s => s.attempt.durationMs)}::integer[], ${column(s => s.attempt.status)}::integer[],
        ${column(s => s.attempt.error)}::text[], ${column(s => s.attempt.delivered)}::boolean[]
      ) AS a (event_id, event_type, attempted_at, duration_ms, response_status, error, delivered)
      ON CONFLICT DO NOTHING)
    SELECT count(*)::integer AS held FROM held`.execute(db)
  return rows[0]!.held > 0
}

/** Forgets delivery attempts older than the feed keeps its events. */
export async function pruneDeliveries(db: Db, keptDays: number): Promise<number> {
  const { numDeletedRows } = await db
    .deleteFrom('webhook_deliveries')
    .where('attempted_at', '<', sql<Date>`now() - make_interval(days => ${keptDays})`)
    .executeTakeFirst()
  return Number(numDeletedRows)
}
