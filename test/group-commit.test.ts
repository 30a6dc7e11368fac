import t from 'tap'
import { sql } from 'kysely'
import type pg from 'pg'
import * as apiKeys from '../src/db/api-keys.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { commitTogether } from '../src/http/group-commit.ts'
import { emptyDatabase } from './helpers.ts'

// Issue 19, group commit: single writes queued behind a statement in flight share the next statement and its commit
// (one insert per table, one call recording them all), and a write at fault fails alone. A table of its own stands for
// the decisions, so that which write shares which transaction is seen in the rows (each records the one inserting it).
const { db } = await emptyDatabase(t)
await migrateToLatest(db)
await apiKeys.create(db, 'probe', ['decisions:write'])
const key = await db.selectFrom('api_keys').select(['id', 'client']).executeTakeFirstOrThrow()
await sql`CREATE TABLE probe (n integer PRIMARY KEY CHECK (n > 0), tx xid8 NOT NULL DEFAULT pg_current_xact_id())`.execute(
  db
)
const write = (n: number, idempotencyKey: string | null = null) => ({
  change: { into: 'probe', row: { n } },
  record: {
    client: key.client,
    apiKeyId: key.id,
    key: idempotencyKey,
    requestSha256: Buffer.alloc(32, n),
    status: 201,
    headers: { location: `/probe/${n}` },
    payload: JSON.stringify({ n }),
    requestId: `request-${n}`,
    operationId: 'createDecision',
    method: 'POST',
    path: '/probe',
    eventType: 'decision.recorded',
    resourceUrl: `/probe/${n}`
  }
})
const transactions = async () =>
  (await sql<{ n: number; tx: string }>`SELECT n, tx::text FROM probe ORDER BY n`.execute(db)).rows
/** Each write's audit event and feed event, with the transactions they were committed in. */
const recorded = async () =>
  (
    await sql<{ request_id: string; data: { n: number }; event_tx: string }>`
      SELECT a.request_id, e.data, e.transaction_id::text AS event_tx
      FROM audit_events a JOIN events e ON e.audit_event_id = a.id ORDER BY e.id`.execute(db)
  ).rows
const settled = (results: PromiseSettledResult<unknown>[]) =>
  results.map(result => (result.status === 'fulfilled' ? 'committed' : (result.reason as pg.DatabaseError).code))

t.test('a write goes at once when nothing is in flight; those that queue behind it share one commit', async t => {
  await Promise.all([1, 2, 3, 4].map(n => commitTogether(db, write(n))))
  const rows = await transactions()
  t.same(
    rows.map(row => row.n),
    [1, 2, 3, 4]
  )
  t.not(rows[0]!.tx, rows[1]!.tx, 'the first went alone, without waiting for company')
  t.equal(new Set(rows.slice(1).map(row => row.tx)).size, 1, 'the three that waited behind it went in one commit')
  const records = await recorded()
  t.same(
    records.map(r => [r.request_id, r.data.n]),
    [1, 2, 3, 4].map(n => [`request-${n}`, n]),
    'each write has its own audit event and feed event, naming each other, in the order written'
  )
  t.same(
    records.map(r => r.event_tx),
    rows.map(row => row.tx),
    "each write's record is committed with its change"
  )
})

t.test('a write at fault in a shared statement fails alone: the others are made again, each by itself', async t => {
  await sql`TRUNCATE probe`.execute(db)
  const results = await Promise.allSettled([10, 11, -12, 13].map(n => commitTogether(db, write(n))))
  t.same(settled(results), ['committed', 'committed', '23514', 'committed'], 'the one at fault gets its own error')
  const rows = await transactions()
  t.same(
    rows.map(row => row.n),
    [10, 11, 13],
    'the others are committed, the faulty one not at all'
  )
  t.equal(new Set(rows.slice(1).map(row => row.tx)).size, 2, 'made again, each in its own commit')
  t.notOk(
    (await recorded()).some(r => r.request_id === 'request--12'),
    'nothing of the refused write is recorded'
  )
})

t.test('an Idempotency-Key claimed before, or twice in one group, fails only the later write (JF001)', async t => {
  await sql`TRUNCATE probe`.execute(db)
  await commitTogether(db, write(20, 'taken'))
  // 21 goes alone; 22-25 share the next statement, which claims "taken" again and "twice" twice.
  const results = await Promise.allSettled([
    commitTogether(db, write(21, 'fresh')),
    commitTogether(db, write(22, 'taken')),
    commitTogether(db, write(23, 'twice')),
    commitTogether(db, write(24, 'twice')),
    commitTogether(db, write(25))
  ])
  // Made again each by itself, the two writes of "twice" race: whichever claims it first is committed.
  const [fresh, taken, ...twice] = settled(results)
  t.same([fresh, taken, twice[2]], ['committed', 'JF001', 'committed'], 'the key claimed before fails, the rest commit')
  t.same(twice.slice(0, 2).sort(), ['JF001', 'committed'], 'of the two with one key, one is committed')
  const first = twice[0] === 'committed' ? 23 : 24
  t.same(
    (await transactions()).map(row => row.n),
    [20, 21, first, 25],
    'a write whose key was taken leaves no change'
  )
  const claims = await db.selectFrom('idempotency_keys').select(['key', 'response_body']).orderBy('key').execute()
  t.same(
    claims.map(c => [c.key, c.response_body]),
    [
      ['fresh', '{"n":21}'],
      ['taken', '{"n":20}'],
      ['twice', `{"n":${first}}`]
    ],
    "each key holds its first write's answer"
  )
})
