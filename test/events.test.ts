import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import t from 'tap'
import * as apiKeys from '../src/db/api-keys.ts'
import * as events from '../src/queries/events.ts'
import { testApp } from './helpers.ts'

const context = await testApp(t)
const { app, db, url, bearer } = context
const feed = async (query = '', headers: Record<string, string> = bearer('read')) =>
  app.inject({ url: `/v1/events${query}`, headers })
const decision = {
  municipality_code: '0138',
  period_case_number: '18/00295',
  outcome: 'adopted',
  decided_on: '2019-04-24',
  decided_by: 'Kommunfullmäktige',
  received_on: '2019-05-02'
}

t.test('every write is an event carrying the resource as the write answered it, and its URL', async t => {
  const recorded = await app.inject({
    method: 'POST',
    url: '/v1/decisions',
    payload: decision,
    headers: { ...bearer('decisions:write'), 'idempotency-key': 'events-1' }
  })
  t.equal(recorded.statusCode, 201)
  const id = recorded.json().id
  const withdrawn = await app.inject({
    method: 'POST',
    url: `/v1/decisions/${id}/withdrawal`,
    payload: { reason: 'Fel kommun.' },
    headers: bearer('decisions:write')
  })
  t.equal(withdrawn.statusCode, 201)
  // A replay wrote nothing, so it is no event.
  const replay = await app.inject({
    method: 'POST',
    url: '/v1/decisions',
    payload: decision,
    headers: { ...bearer('decisions:write'), 'idempotency-key': 'events-1' }
  })
  t.equal(replay.headers['idempotent-replayed'], 'true')

  const answer = await feed()
  t.equal(answer.statusCode, 200)
  const { items, has_more } = answer.json()
  t.equal(has_more, false)
  t.same(
    items.map((event: { type: string; resource_url: string }) => [event.type, event.resource_url]),
    [
      ['decision.recorded', `/v1/decisions/${id}`],
      ['decision.withdrawn', `/v1/decisions/${id}`]
    ]
  )
  t.same(items[0].data, recorded.json(), 'the recorded decision, as the POST answered it')
  t.same(items[1].data, withdrawn.json(), 'the decision after its withdrawal')
  t.ok(Math.abs(Date.parse(items[0].timestamp) - Date.now()) < 60_000, 'when: now')
  const audited = await db
    .selectFrom('events as e')
    .innerJoin('audit_events as a', 'a.id', 'e.audit_event_id')
    .select(['a.operation_id'])
    .orderBy('e.id')
    .execute()
  t.same(
    audited.map(row => row.operation_id),
    ['recordDecision', 'withdrawDecision'],
    'each event names its audit event'
  )
})

t.test('the feed reads on after a cursor, a page at a time, and as CSV', async t => {
  for (const code of ['0114', '0115', '0117']) {
    const written = await app.inject({
      method: 'POST',
      url: '/v1/decisions',
      payload: { ...decision, municipality_code: code },
      headers: bearer('decisions:write')
    })
    t.equal(written.statusCode, 201)
  }
  const all = (await feed()).json().items as Array<{ id: number }>
  t.equal(all.length, 5)
  const first = await feed('?limit=2')
  t.equal(first.json().has_more, true)
  t.same(
    first.json().items.map((e: { id: number }) => e.id),
    all.slice(0, 2).map(e => e.id)
  )
  t.equal(first.headers.link, `</v1/events?after=${all[1]!.id}&limit=2>; rel="next"`)
  const rest = await feed(`?after=${all[1]!.id}&limit=10`)
  t.same(
    rest.json().items.map((e: { id: number }) => e.id),
    all.slice(2).map(e => e.id)
  )
  t.equal(rest.json().has_more, false)
  t.same((await feed(`?after=${all[4]!.id}`)).json(), { items: [], has_more: false }, 'nothing after the last')

  const csv = await feed('?limit=1&format=csv')
  t.equal(csv.headers['content-type'], 'text/csv; charset=utf-8')
  const [header, row] = csv.body.split('\r\n')
  t.equal(header, 'id,type,timestamp,resource_url,data')
  t.match(row, new RegExp(`^${all[0]!.id},decision\\.recorded,[^,]+,/v1/decisions/\\d+,"\\{""id"":`))
})

t.test('a municipality key reads the feed, as it reads the records it describes; no key, no feed', async t => {
  const token = await apiKeys.create(db, 'tyreso-reader', ['read'], '0138')
  t.equal((await feed('', { authorization: `Bearer ${token}` })).statusCode, 200)
  t.equal((await feed('', {})).statusCode, 401)
})

/** An event as a write makes it, with the data of the first decision recorded above, inserted by hand. */
const insertEvent = async (client: pg.Client, age = '0 days') => {
  const { rows } = await client.query(
    `INSERT INTO events (type, resource_url, data, audit_event_id, occurred_at)
      SELECT type, resource_url, data, audit_event_id, now() - $1::interval FROM events
      WHERE type = 'decision.recorded' ORDER BY id LIMIT 1 RETURNING id`,
    [age]
  )
  return Number(rows[0].id)
}
const connected = async (t: { teardown(fn: () => unknown): void }) => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  t.teardown(() => client.end())
  return client
}

t.test('a cursor older than the feed keeps (30 days) is 410 Gone; younger events cannot be removed', async t => {
  const client = await connected(t)
  const old = await insertEvent(client, '40 days')
  const recent = await insertEvent(client, '29 days')
  await t.rejects(db.deleteFrom('events').where('id', '=', recent).execute(), /kept as they were for 30 days/)
  t.equal(await events.prune(db), 1, 'the 40 days old event is pruned')
  const gone = await feed(`?after=${old}`)
  t.equal(gone.statusCode, 410)
  t.match(gone.json().detail, /not in the feed: older than it keeps \(30 days\)/)
  t.equal((await feed('?after=999999')).statusCode, 410, 'nor is an id the feed never gave')
  t.equal((await feed(`?after=${recent}`)).statusCode, 200, 'a 29 days old cursor reads on')
})

// The classic way to lose events: ids are taken before commit, so a slow writer can commit a smaller id after a
// reader has read past it. The feed shows an event only once every transaction begun before it has ended.
t.test('a cursor never skips an event that a slow writer commits after a fast one', async t => {
  const start = (await feed()).json().items.at(-1).id as number

  const slow = await connected(t)
  const fast = await connected(t)
  await slow.query('BEGIN')
  const slowId = await insertEvent(slow)
  const fastId = await insertEvent(fast)
  t.ok(slowId < fastId, 'the slow writer took the smaller id')
  // What a reader by id would now take, and so pass the slow writer's id for good:
  const byId = await db.selectFrom('events').select('id').where('id', '>', start).execute()
  t.same(
    byId.map(row => row.id),
    [fastId],
    'by id alone, the fast event is readable and the slow one not yet'
  )
  t.same((await feed(`?after=${start}`)).json().items, [], 'the feed waits for the slow writer')
  await slow.query('COMMIT')
  t.same(
    (await feed(`?after=${start}`)).json().items.map((e: { id: number }) => e.id),
    [slowId, fastId],
    'then gives both, the slow one first: it began first'
  )
})

t.test(
  'many slow and fast writers, some rolling back, and a reader polling throughout: nothing lost, nothing twice',
  async t => {
    let cursor = (await feed()).json().items.at(-1).id as number
    const seen: number[] = []
    const committed: number[] = []
    let writing = true
    const reader = (async () => {
      for (let polls = 0; polls < 100_000; polls++) {
        const { items, has_more } = (await feed(`?after=${cursor}&limit=7`)).json()
        for (const event of items) seen.push(event.id)
        if (items.length > 0) cursor = items.at(-1).id
        if (!writing && !has_more && items.length === 0) return
        if (!has_more) await sleep(2)
      }
    })()
    const writer = async (n: number) => {
      const client = await connected(t)
      for (let i = 0; i < 8; i++) {
        await client.query('BEGIN')
        // Some take their transaction id long before their event's id, as a write that reads and checks first does.
        if ((n + i) % 3 === 0) await client.query('SELECT pg_current_xact_id()')
        await sleep((n * 7 + i * 13) % 40)
        const id = await insertEvent(client)
        await sleep((n * 11 + i * 5) % 30)
        if ((n + i) % 5 === 4) await client.query('ROLLBACK')
        else {
          await client.query('COMMIT')
          committed.push(id)
        }
      }
    }
    await Promise.all(Array.from({ length: 10 }, (_, n) => writer(n)))
    writing = false
    await reader
    t.equal(committed.length, 64)
    t.equal(new Set(seen).size, seen.length, 'no event twice')
    t.same(
      [...seen].sort((a, b) => a - b),
      [...committed].sort((a, b) => a - b),
      'every committed event, none rolled back'
    )
    const order = await events.after(db, events.START, 10_000)
    const feedOrder = order.map(e => e.id).filter(id => committed.includes(id))
    t.same(seen, feedOrder, "in the feed's order")
  }
)
