import { sql } from 'kysely'
import type { Db } from '../db/connection.ts'

/** Events are kept 30 days at least: they go once they are 35 days old. */
export const KEPT_DAYS = 30
const PRUNED_AFTER_DAYS = 35

/** A place in the feed: after the event of this transaction and id (0, 0 before the first). */
export interface Position {
  transaction_id: string
  id: number
}

export const START: Position = { transaction_id: '0', id: 0 }

export interface FeedEvent extends Position {
  type: string
  occurred_at: Date
  resource_url: string
  /** The resource as its write answered it: JSON text, passed on as it is. */
  data: string
}

/** Where the event with this id stands in the feed; undefined when it is not (or no longer) there. */
export async function positionOf(db: Db, id: number): Promise<Position | undefined> {
  return db.selectFrom('events').select(['transaction_id', 'id']).where('id', '=', id).executeTakeFirst()
}

/**
 * The committed events after a position, in feed order: only those of transactions older than every transaction still
 * running, so that no event can commit later at a place a reader has passed (see migrations/0010). One statement, so
 * the horizon and the rows are of one snapshot.
 */
export async function after(db: Db, position: Position, limit: number) {
  return db
    .selectFrom('events')
    .select(['transaction_id', 'id', 'type', 'occurred_at', 'resource_url', sql<string>`data::text`.as('data')])
    .where(sql<boolean>`transaction_id < pg_snapshot_xmin(pg_current_snapshot())`)
    .where(sql<boolean>`(transaction_id, id) > (${position.transaction_id}::xid8, ${position.id}::bigint)`)
    .orderBy('transaction_id')
    .orderBy('id')
    .limit(limit)
    .execute() as Promise<FeedEvent[]>
}

/** An event as JSON, the same in the feed and in a webhook's body; its data's bytes are the write's own. */
export const eventJson = (event: FeedEvent) =>
  `{"id":${event.id},"type":${JSON.stringify(event.type)},"timestamp":"${event.occurred_at.toISOString()}",` +
  `"resource_url":${JSON.stringify(event.resource_url)},"data":${event.data}}`

/** Forgets events older than the feed keeps; returns how many went. */
export async function prune(db: Db): Promise<number> {
  const { numDeletedRows } = await db
    .deleteFrom('events')
    .where('occurred_at', '<', sql<Date>`now() - make_interval(days => ${PRUNED_AFTER_DAYS})`)
    .executeTakeFirst()
  return Number(numDeletedRows)
}
