import t from 'tap'
import { sql } from 'kysely'
import pg from 'pg'
import { commitTogether } from '../src/http/group-commit.ts'
import { emptyDatabase } from './helpers.ts'

// Issue 19, group commit: single writes queued behind a statement in flight share the next statement and its commit,
// and a write at fault fails alone. A table of its own stands for the decisions, so that which write shares which
// transaction is seen in the rows (each records the transaction that inserted it).
const { db } = await emptyDatabase(t)
await sql`CREATE TABLE probe (n integer PRIMARY KEY CHECK (n > 0), tx xid8 NOT NULL DEFAULT pg_current_xact_id())`.execute(
  db
)
const write = (n: number) => ({
  change: sql`INSERT INTO probe (n) VALUES (${n})`,
  recorded: sql`${n}::integer`
})
const transactions = async () =>
  (await sql<{ n: number; tx: string }>`SELECT n, tx::text FROM probe ORDER BY n`.execute(db)).rows

t.test('a write goes at once when nothing is in flight; those that queue behind it share one commit', async t => {
  await Promise.all([1, 2, 3, 4].map(n => commitTogether(db, write(n))))
  const rows = await transactions()
  t.same(
    rows.map(row => row.n),
    [1, 2, 3, 4]
  )
  t.not(rows[0]!.tx, rows[1]!.tx, 'the first went alone, without waiting for company')
  t.equal(new Set(rows.slice(1).map(row => row.tx)).size, 1, 'the three that waited behind it went in one commit')
})

t.test('a write at fault in a shared statement fails alone: the others are made again, each by itself', async t => {
  await sql`TRUNCATE probe`.execute(db)
  const results = await Promise.allSettled([10, 11, -12, 13].map(n => commitTogether(db, write(n))))
  t.same(
    results.map(result => result.status),
    ['fulfilled', 'fulfilled', 'rejected', 'fulfilled']
  )
  const refused = (results[2] as PromiseRejectedResult).reason
  t.ok(refused instanceof pg.DatabaseError && refused.code === '23514', 'the one at fault gets its own error')
  const rows = await transactions()
  t.same(
    rows.map(row => row.n),
    [10, 11, 13],
    'the others are committed, the faulty one not at all'
  )
  t.equal(new Set(rows.slice(1).map(row => row.tx)).size, 2, 'made again, each in its own commit')
})
