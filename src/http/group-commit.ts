import { type RawBuilder, sql } from 'kysely'
import { together } from '../db/together.ts'

/**
 * One single-statement write (write.ts, `WriteOptions.single`): its change (an insert) and the call that records it.
 */
export interface SingleWrite {
  change: RawBuilder<unknown>
  recorded: RawBuilder<unknown>
}

/**
 * Commits a single write, together with those that arrive while another statement of writes is in flight: group
 * commit (db/together.ts), as durable as each alone. Besides the commit they share its statement triggers, which cost
 * PostgreSQL more than the rows themselves. Every write keeps its own answer and record.
 */
export const commitTogether = together(async (db, writes: SingleWrite[]) => {
  await sql`WITH ${sql.join(writes.map((write, i) => sql`${sql.id(`change_${i}`)} AS (${write.change})`))}
    SELECT ${sql.join(writes.map(write => write.recorded))}`.execute(db)
  return writes.map(() => undefined)
})
