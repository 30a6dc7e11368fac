import { type RawBuilder, sql } from 'kysely'
import pg from 'pg'
import type { Db } from '../db/connection.ts'

/**
 * One single-statement write (write.ts, `WriteOptions.single`): its change (an insert) and the call that records it.
 */
export interface SingleWrite {
  change: RawBuilder<unknown>
  recorded: RawBuilder<unknown>
}

/** Writes one statement takes at most: its parameters (about 30 each) stay far below PostgreSQL's 65,535. */
const MOST_TOGETHER = 32

interface Waiting {
  write: SingleWrite
  done: PromiseWithResolvers<void>
}

interface Group {
  queue: Waiting[]
  inFlight: boolean
}

const groups = new WeakMap<Db, Group>()

const statementOf = (writes: SingleWrite[]) =>
  sql`WITH ${sql.join(writes.map((write, i) => sql`${sql.id(`change_${i}`)} AS (${write.change})`))}
    SELECT ${sql.join(writes.map(write => write.recorded))}`

/**
 * Commits a single write, together with those that arrive while another statement of writes is in flight: group
 * commit. Alone, a write is its own statement; under load, the writes that queued behind one statement go in the next,
 * so that they share its commit (one WAL flush, one NOTIFY of the data version) and its statement triggers, which cost
 * PostgreSQL more than the rows themselves. Nobody waits for company: a write goes as soon as no statement is in
 * flight. Every write keeps its own answer: when a statement of several fails as PostgreSQL reports (one write's
 * Idempotency-Key claimed, a constraint, a deadlock), nothing of it was committed and each write is made again by
 * itself, so that only the one at fault fails. Any other failure (the connection lost) is every write's, as it would
 * be alone, since whether the statement committed is not known.
 */
export function commitTogether(db: Db, write: SingleWrite): Promise<void> {
  let group = groups.get(db)
  if (group === undefined) {
    group = { queue: [], inFlight: false }
    groups.set(db, group)
  }
  const done = Promise.withResolvers<void>()
  group.queue.push({ write, done })
  if (!group.inFlight) void flush(db, group)
  return done.promise
}

async function flush(db: Db, group: Group) {
  group.inFlight = true
  while (group.queue.length > 0) {
    const together = group.queue.splice(0, MOST_TOGETHER)
    try {
      await statementOf(together.map(w => w.write)).execute(db)
      for (const { done } of together) done.resolve()
    } catch (error) {
      if (together.length === 1 || !(error instanceof pg.DatabaseError)) {
        for (const { done } of together) done.reject(error)
      } else {
        // Each by itself, at once: as they would have gone without company.
        for (const { write, done } of together)
          statementOf([write])
            .execute(db)
            .then(() => done.resolve(), done.reject)
      }
    }
  }
  group.inFlight = false
}
