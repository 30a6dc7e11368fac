import pg from 'pg'
import type { Db } from './connection.ts'

/** Items one statement takes at most: its parameters stay far below PostgreSQL's 65,535. */
const MOST_TOGETHER = 32

interface Waiting<In, Out> {
  item: In
  done: PromiseWithResolvers<Out>
}

/**
 * Makes `many` (one statement for several items, answering each in order) serve items one at a time, together: an
 * item goes at once when no statement of them is in flight on its database, and those that arrive while one is go
 * together in the next. Nobody waits for company, and under load many share one round trip, one plan and, for a
 * write, one commit (one WAL flush, one NOTIFY of the data version). When a statement of several fails as PostgreSQL
 * reports (a constraint, an Idempotency-Key claimed, a deadlock), nothing of it took effect and each item is run again
 * by itself, so that only the one at fault fails; any other failure (the connection lost) is every item's, as it would
 * be alone, since whether a write committed is not known.
 */
export function together<In, Out>(many: (db: Db, items: In[]) => Promise<Out[]>): (db: Db, item: In) => Promise<Out> {
  const queues = new WeakMap<Db, { waiting: Waiting<In, Out>[]; inFlight: boolean }>()
  const flush = async (db: Db, queue: { waiting: Waiting<In, Out>[]; inFlight: boolean }) => {
    queue.inFlight = true
    while (queue.waiting.length > 0) {
      const batch = queue.waiting.splice(0, MOST_TOGETHER)
      try {
        const answers = await many(
          db,
          batch.map(w => w.item)
        )
        for (const [i, { done }] of batch.entries()) done.resolve(answers[i]!)
      } catch (error) {
        if (batch.length === 1 || !(error instanceof pg.DatabaseError)) {
          for (const { done } of batch) done.reject(error)
        } else {
          // Each by itself, at once: as they would have gone without company.
          for (const { item, done } of batch) many(db, [item]).then(([answer]) => done.resolve(answer!), done.reject)
        }
      }
    }
    queue.inFlight = false
  }
  return (db, item) => {
    let queue = queues.get(db)
    if (queue === undefined) {
      queue = { waiting: [], inFlight: false }
      queues.set(db, queue)
    }
    const done = Promise.withResolvers<Out>()
    queue.waiting.push({ item, done })
    if (!queue.inFlight) void flush(db, queue)
    return done.promise
  }
}
