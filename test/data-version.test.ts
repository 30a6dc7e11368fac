import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import t from 'tap'
import { build } from '../src/app.ts'
import * as apiKeys from '../src/db/api-keys.ts'
import { HEARTBEAT_MS, LISTENER_APPLICATION_NAME } from '../src/db/changes.ts'
import { connect } from '../src/db/connection.ts'
import { loadReferenceData } from '../src/db/reference-data.ts'
import { validateEveryResponse } from './contract.ts'
import { periodIdOf } from './fixtures.ts'
import { emptyDatabase, heard, testApp } from './helpers.ts'

// Rules (README, "Caching"): answers are served from memory between changes, and never once a change is committed
// and heard of: a write on one instance is seen by the next read on another as soon as it hears of it, an
// instance's own write by its own next read, and a change made behind the service's back (reference data, manual
// SQL) too. A revoked key is refused by every instance once it hears. After a lost connection nothing cached is
// trusted.
const first = await testApp(t)
const { db, url, bearer } = first
// Statements the instances run, counted through the pool's query log; the transaction's begin and commit apart. The
// webhook worker's look for due endpoints runs beside every request, once a second and on each change: not counted.
let statements = 0
const sent: string[] = []
const counted = connect(url, {
  log: event => {
    if (event.query.sql.includes('"webhook_endpoints"')) return
    statements++
    sent.push(event.query.sql)
  }
})
t.teardown(() => counted.destroy())
// Two instances in one process: each one's start (compiling its schemas) blocks the other's event loop, which load
// shedding would take for load, so it is off here (maxEventLoopDelayMs: 0); nothing else differs from the shipped one.
const instance = async () => {
  const app = await build({ db: counted, settings: { maxEventLoopDelayMs: 0 } })
  validateEveryResponse(app)
  t.teardown(() => app.close())
  await app.ready()
  return app
}
const [a, b] = [await instance(), await instance()]
const periodId = await periodIdOf(db, '18/00295')
const uptakeUrl = `/v1/recommendation-periods/${periodId}/uptake?as_of=2019-12-31`
const adopted = async (app: typeof a) =>
  (await app.inject({ url: uptakeUrl, headers: bearer('read') })).json().municipalities.adopted as number
const decide = (app: typeof a, code: string) =>
  app.inject({
    method: 'POST',
    url: '/v1/decisions',
    headers: bearer('decisions:write'),
    payload: {
      municipality_code: code,
      period_case_number: '18/00295',
      outcome: 'adopted',
      decided_on: '2019-05-02',
      decided_by: 'Kommunfullmäktige',
      received_on: '2019-05-02'
    }
  })

/** An adoption inserted by SQL, as by hand: no API write, so only the database's notification can tell. */
async function recordByHand(code: string) {
  const registrar = await db
    .selectFrom('api_keys')
    .select('id')
    .where('name', '=', 'decisions-write')
    .executeTakeFirstOrThrow()
  await db
    .insertInto('decisions')
    .values({
      period_id: periodId,
      municipality_code: code,
      outcome: 'adopted',
      decided_on: '2019-05-02',
      decided_by: 'Kommunfullmäktige',
      received_on: '2019-05-02',
      first_year: 2020,
      recorded_by_api_key_id: registrar.id
    })
    .execute()
}

t.test('every table a read answers from advances the data version; API keys announce themselves', async t => {
  const { rows } = await sql<{ table: string; triggers: string[] }>`
    SELECT c.relname AS table, coalesce(array_agg(g.tgname::text) FILTER (WHERE g.tgname IS NOT NULL), '{}') AS triggers
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_trigger g ON g.tgrelid = c.oid AND g.tgname IN ('data_changed', 'api_keys_changed')
    WHERE n.nspname = 'public' AND c.relkind = 'r'
    GROUP BY c.relname ORDER BY c.relname`.execute(db)
  // Stored answers and the migrator's bookkeeping are not data; everything else is.
  // The feed's events are written only with a change that advances the version, and the feed is never answered from
  // memory; the webhook tables hold delivery state, read by admins from the database each time. The reference data's
  // version changes only with reference data, whose own statements advance the data version.
  const notData = [
    'idempotency_keys',
    'reference_data_version',
    'kysely_migration',
    'kysely_migration_lock',
    'events',
    'webhook_endpoints',
    'webhook_deliveries'
  ]
  for (const { table, triggers } of rows) {
    const expected = table === 'api_keys' ? ['api_keys_changed'] : notData.includes(table) ? [] : ['data_changed']
    t.same(triggers, expected, table)
  }
  t.ok(rows.length > 20, 'every table was looked at')
})

t.test('a repeated read is answered from memory: with If-None-Match a 304 that touches no database', async t => {
  const cold = await a.inject({ url: uptakeUrl, headers: bearer('read') })
  t.equal(cold.statusCode, 200)
  statements = 0
  const warm = await a.inject({ url: uptakeUrl, headers: bearer('read') })
  t.equal(warm.body, cold.body, 'the same bytes')
  t.equal(warm.headers.etag, cold.headers.etag)
  const polled = await a.inject({ url: uptakeUrl, headers: { ...bearer('read'), 'if-none-match': cold.headers.etag } })
  t.equal(polled.statusCode, 304)
  t.equal(statements, 0, 'neither the 200 nor the 304 asked the database, nor did the key look-up')
})

t.test("an instance's own write is seen by its own next read, before any notification", async t => {
  // This instance listens on another database, so it hears nothing of this one's changes: only its own writes can
  // tell it that its cached answers are stale.
  const elsewhere = await emptyDatabase(t)
  const deaf = await build({ db: counted, listenTo: elsewhere.url, settings: { maxEventLoopDelayMs: 0 } })
  validateEveryResponse(deaf)
  t.teardown(() => deaf.close())
  await deaf.ready()
  const before = await adopted(deaf)
  t.equal(await adopted(deaf), before, 'cached')
  t.equal((await decide(deaf, '0114')).statusCode, 201)
  t.equal(await adopted(deaf), before + 1, 'its next read shows it')
})

t.test(
  'the first read after a decision costs one statement: its decisions, the period and municipalities kept',
  async t => {
    t.equal((await decide(a, '0125')).statusCode, 201)
    sent.length = 0
    await adopted(a)
    t.equal(sent.length, 1, `one statement and no transaction: ${sent.join(' | ').slice(0, 200)}`)
    t.match(
      sent[0],
      /latest_decisions/,
      'the decisions, with the version that proves the kept parts are of its snapshot'
    )
  }
)

t.test('a write on one instance is seen by a read on another once the notification arrives', async t => {
  const before = await adopted(b)
  t.equal(await adopted(b), before, 'cached on the second instance')
  const notified = heard(b, 'data')
  t.equal((await decide(a, '0115')).statusCode, 201)
  const acknowledged = performance.now()
  await notified
  t.comment(`heard ${(performance.now() - acknowledged).toFixed(1)} ms after the write was acknowledged`)
  t.equal(await adopted(b), before + 1, 'the next read shows it')
})

t.test('changes behind the service: manual SQL and a reference-data load are heard and invalidate', async t => {
  const before = await adopted(a)
  const manual = heard(a, 'data')
  await recordByHand('0117')
  await manual
  t.equal(await adopted(a), before + 1, 'a row inserted by hand')

  const populationUrl = `/v1/recommendation-periods/${periodId}/uptake?as_of=2019-12-31&county=01`
  const population = async () =>
    (await a.inject({ url: populationUrl, headers: bearer('read') })).json().population.total as number
  const total = await population()
  const corrected = heard(a, 'data')
  await sql`UPDATE population_figures SET population = population + 1000 WHERE municipality_code = '0114'`.execute(db)
  await corrected
  t.equal(await population(), total + 1000, 'a population correction by hand')
  const removed = heard(a, 'data')
  await sql`DELETE FROM population_figures WHERE municipality_code = '0114'`.execute(db)
  await removed
  const reloaded = heard(a, 'data')
  await loadReferenceData(db)
  await reloaded
  t.equal(await population(), total, 'the reference-data load put the shipped figures back')
})

t.test('a revoked key is refused by every instance once it hears of the revocation', async t => {
  const token = await apiKeys.create(db, 'revoked-on-one', ['read'])
  const ask = (app: typeof a) => app.inject({ url: '/v1/counties', headers: { authorization: `Bearer ${token}` } })
  t.equal((await ask(a)).statusCode, 200)
  t.equal((await ask(b)).statusCode, 200)
  await sleep(50) // both instances now hold the key in memory
  t.equal((await ask(b)).statusCode, 200, 'from memory')
  t.equal(await apiKeys.revoke(db, 'revoked-on-one'), true)
  const revoked = performance.now()
  let refusedAfter: number | undefined
  for (let tries = 0; tries < 1000 && refusedAfter === undefined; tries++) {
    if ((await ask(b)).statusCode === 401) refusedAfter = performance.now() - revoked
    else await sleep(1)
  }
  t.ok(refusedAfter !== undefined, 'refused within a second at most')
  t.comment(`refused ${refusedAfter?.toFixed(1)} ms after the revocation committed`)
  t.equal((await ask(a)).statusCode, 401, 'and by the other instance')
})

t.test('after a lost connection nothing cached is trusted: a change made meanwhile is seen', async t => {
  const before = await adopted(a)
  t.equal(await adopted(a), before, 'cached')
  const lost = heard(a, 'all')
  await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
    WHERE datname = current_database() AND application_name = ${LISTENER_APPLICATION_NAME}`.execute(db)
  await lost
  t.equal(a.changes.listening, false, 'the loss is noticed')
  // A change while nobody listens: its notification is lost for good.
  await recordByHand('0120')
  t.equal(await adopted(a), before + 1, 'while not listening, reads are computed afresh')
  for (let tries = 0; tries < 300 && !a.changes.listening; tries++) await sleep(10)
  t.equal(a.changes.listening, true, 'listening again')
  t.equal(await adopted(a), before + 1)
})

t.test('a connection that goes silent, without closing, is taken for lost within two heartbeats', async t => {
  // A relay between the listener and the database that, when told, stops passing bytes but keeps both sockets open:
  // what a firewall that forgets a connection does. TCP would take minutes to notice; the heartbeat must not.
  const database = new URL(url)
  let silent = false
  const sockets: Socket[] = []
  const relay = createServer(inbound => {
    const outbound = createConnection(Number(database.port || 5432), database.hostname)
    inbound.on('data', data => silent || outbound.write(data))
    outbound.on('data', data => silent || inbound.write(data))
    for (const [socket, other] of [
      [inbound, outbound],
      [outbound, inbound]
    ]) {
      socket!.on('error', () => {})
      socket!.on('close', () => other!.destroy())
    }
    sockets.push(inbound, outbound)
  })
  await new Promise<void>(resolve => relay.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    for (const socket of sockets) socket.destroy()
    relay.close()
  })
  const relayed = new URL(url)
  relayed.host = `127.0.0.1:${(relay.address() as AddressInfo).port}`
  const app = await build({ db: counted, listenTo: relayed.toString(), settings: { maxEventLoopDelayMs: 0 } })
  validateEveryResponse(app)
  t.teardown(() => app.close())
  await app.ready()
  t.equal(app.changes.listening, true)

  const lost = heard(app, 'all')
  silent = true
  const deadline = sleep(3 * HEARTBEAT_MS).then(() => 'still listening')
  t.equal(await Promise.race([lost.then(() => 'lost'), deadline]), 'lost', 'the silence is taken for a loss')
  t.equal(app.changes.listening, false, 'and nothing is served from memory meanwhile')

  silent = false // the next connection goes through a relay that passes bytes again
  for (let tries = 0; tries < 1000 && !app.changes.listening; tries++) await sleep(10)
  t.equal(app.changes.listening, true, 'listening again')
})
