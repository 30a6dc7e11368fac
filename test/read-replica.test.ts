import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import t from 'tap'
import { build } from '../src/app.ts'
import * as apiKeys from '../src/db/api-keys.ts'
import { LISTENER_APPLICATION_NAME } from '../src/db/changes.ts'
import { connect } from '../src/db/connection.ts'
import { prepareDatabase } from '../src/db/prepare.ts'
import { validateEveryResponse } from './contract.ts'
import { heard } from './helpers.ts'
import { primaryWithStandby } from './replica.ts'

// A real primary and a hot standby streaming from it (test/replica.ts): pausing replay on the standby makes a
// replica that lags, so what an answer shows tells where it was read, and whether the cache kept a stale one.
const cluster = await primaryWithStandby(t)
const db = connect(cluster.primaryUrl)
const reportDb = connect(cluster.standbyUrl)
t.teardown(() => Promise.all([db.destroy(), reportDb.destroy()]))
await prepareDatabase(db)
const keys = {
  read: await apiKeys.create(db, 'reader', ['read']),
  write: await apiKeys.create(db, 'registrar', ['decisions:write'])
}
// The service must not start against a replica that has not got the schema yet.
await cluster.caughtUp()
const app = await build({ db, reportDb })
validateEveryResponse(app)
t.teardown(() => app.close())
await app.ready()

const read = { authorization: `Bearer ${keys.read}` }
const periodId = (await app.inject({ url: '/v1/recommendation-periods?case_number=18/00295', headers: read })).json()
  .items[0].id
const decisionOf = (municipality_code: string) => ({
  municipality_code,
  period_case_number: '18/00295',
  outcome: 'adopted',
  decided_on: '2019-04-24',
  decided_by: 'Kommunfullmäktige',
  received_on: '2019-05-02'
})
const post = (municipality: string) =>
  app.inject({
    method: 'POST',
    url: '/v1/decisions',
    headers: { authorization: `Bearer ${keys.write}` },
    payload: decisionOf(municipality)
  })
/** A reader of the uptake as of a date: its status, ETag and count of adoptions. */
function uptakeAsOf(asOf: string) {
  const url = `/v1/recommendation-periods/${periodId}/uptake?as_of=${asOf}`
  return async (headers: Record<string, string> = {}) => {
    const response = await app.inject({ url, headers: { ...read, ...headers } })
    const adopted: number | undefined = response.statusCode === 200 ? response.json().municipalities.adopted : undefined
    return { status: response.statusCode, etag: response.headers.etag, adopted }
  }
}
/** Runs `work` with replay paused on the standby: a replica lagging behind whatever `work` writes. */
async function whileLagging<T>(work: () => Promise<T>): Promise<T> {
  await cluster.pauseReplay()
  try {
    return await work()
  } finally {
    await cluster.resumeReplay()
  }
}

t.test('reports are read from the replica, everything else from the primary', async t => {
  // Rule: with a read replica configured, the report reads (uptake, participation, cost shares) come from it, while
  // writes, API keys and the records themselves stay on the primary. With replay paused, the standby lacks the
  // decision: a record that is there was read from the primary, a report that lacks it from the replica.
  const uptake = uptakeAsOf('2019-12-31')
  await whileLagging(async () => {
    const posted = await post('0138')
    t.equal(posted.statusCode, 201, 'the key is checked and the write lands on the primary')
    const record = await app.inject({ url: `/v1/decisions/${posted.json().id}`, headers: read })
    t.equal(record.statusCode, 200, 'the record is read from the primary at once')
    t.equal(record.json().municipality_code, '0138')
    t.equal((await uptake()).adopted, 0, 'the uptake is read from the replica, which has not replayed the decision')
  })
  await cluster.caughtUp()
  t.equal((await uptake()).adopted, 1, 'once replayed, the uptake shows it')
  const participation = (
    await app.inject({ url: `/v1/recommendation-periods/${periodId}/participation?as_of=2019-12-31`, headers: read })
  ).json()
  t.equal(participation.municipalities.find((m: { code: string }) => m.code === '0138').status, 'adopted')
  const shares = (
    await app.inject({ url: `/v1/recommendation-periods/${periodId}/cost-shares/2020`, headers: read })
  ).json()
  t.equal(shares.shares.filter((s: { participating: boolean }) => s.participating).length, 1, 'cost shares too')
})

t.test('a lagging replica never poisons the cache', async t => {
  // Rule: an answer read from a replica is kept only once the replica has replayed the last change this instance
  // heard of (plugins/read-cache.ts). Reports may lag the primary by the replication delay, but no longer: once
  // the replica has caught up, the next read shows the change, however often it was asked for while it lagged.
  // A URL of its own, which no earlier test's read can have been kept under: the baseline is the caught-up replica's.
  const uptake = uptakeAsOf('2020-01-31')
  await cluster.caughtUp()
  const before = (await uptake()).adopted!
  const stale = await whileLagging(async () => {
    const told = heard(app, 'data')
    t.equal((await post('0114')).statusCode, 201)
    await told // the instance knows of the change: from now on, what it reads is kept if the replica has replayed it
    const stale = await uptake()
    t.same(stale, { status: 200, etag: stale.etag, adopted: before }, 'the lagging replica does not have it yet')
    t.match(stale.etag, /^"[^"]+"$/, 'and its answer is tagged')
    for (let i = 0; i < 3; i++)
      t.same(await uptake(), stale, 'asked again while the replica lags: the same old figure (reports may lag)')
    return stale
  })
  await cluster.caughtUp()

  const fresh = await uptake()
  t.equal(fresh.adopted, before + 1, 'the very next read, once the replica has replayed, shows the decision')
  t.not(fresh.etag, stale.etag, 'a new representation, with a new ETag')
  const revalidated = await uptake({ 'if-none-match': stale.etag! })
  t.equal(revalidated.status, 200, 'a client holding the stale answer gets the fresh one, not a 304')
  t.equal(revalidated.adopted, before + 1)
  t.equal(revalidated.etag, fresh.etag)
  t.equal((await uptake({ 'if-none-match': fresh.etag! })).status, 304, 'and one holding the fresh answer a 304')
})

t.test('after a lost connection, a lagging replica cannot poison the cache either', async t => {
  // Rule: a change committed while the instance was not listening is never heard, so the last change it did hear no
  // longer tells whether the replica is current (db/changes.ts): nothing read from the replica is kept until a
  // change is heard again.
  const uptake = uptakeAsOf('2020-02-29')
  await cluster.caughtUp()
  const before = (await uptake()).adopted!
  await whileLagging(async () => {
    const lost = heard(app, 'all')
    await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ${LISTENER_APPLICATION_NAME}`.execute(
      db
    )
    await lost
    // Made behind the service's back while it does not listen: its notification is lost for good.
    const registrar = await db
      .selectFrom('api_keys')
      .select('id')
      .where('name', '=', 'registrar')
      .executeTakeFirstOrThrow()
    const { period_case_number: _, ...decision } = decisionOf('0160')
    await db
      .insertInto('decisions')
      .values({
        ...decision,
        outcome: 'adopted',
        period_id: periodId,
        first_year: 2020,
        recorded_by_api_key_id: registrar.id
      })
      .execute()
    for (let tries = 0; tries < 300 && !app.changes.listening; tries++) await sleep(10)
    t.equal(app.changes.listening, true, 'listening again')
    t.equal((await uptake()).adopted, before, 'the lagging replica does not have it')
  })
  await cluster.caughtUp()
  t.equal((await uptake()).adopted, before + 1, 'once the replica has replayed, the next read shows it')
})

t.test(
  "an invoice's open difference agrees with its own row while the replica has not replayed its invoicing",
  async t => {
    // Rule: an invoice's difference is its share (from the cost shares, read from the replica) less what the invoice
    // itself shows as invoiced (reports/cost-shares.ts, withOpenDifferences), so the two figures of one row agree even
    // while the replica's cost shares do not show the invoicing at all.
    const finance = { authorization: `Bearer ${await apiKeys.create(db, 'finance', ['finance:write'])}` }
    await cluster.caughtUp()
    const sharesUrl = `/v1/recommendation-periods/${periodId}/cost-shares/2020`
    await whileLagging(async () => {
      const invoiced = await app.inject({
        method: 'POST',
        url: `/v1/recommendation-periods/${periodId}/invoiced-years`,
        headers: finance,
        payload: {
          year: 2020,
          invoice_date: '2020-02-15',
          substitute_population: { decided_by: 'Ekonomichef', reason: 'Befolkningen den 31 december 2018.' }
        }
      })
      t.equal(invoiced.statusCode, 201, invoiced.body)
      const shares = (await app.inject({ url: sharesUrl, headers: read })).json()
      t.equal(shares.invoicing, null, 'the lagging replica has not replayed the invoicing')
      const invoices = (await app.inject({ url: `/v1/invoices?period_id=${periodId}&year=2020`, headers: read })).json()
      t.same(
        invoices.items.map((i: { municipality_code: string; difference: string; settlement: string }) => [
          i.municipality_code,
          i.difference,
          i.settlement
        ]),
        [
          ['0114', '0.00', 'none'],
          ['0138', '0.00', 'none'],
          ['0160', '0.00', 'none']
        ],
        'each invoice with nothing open, as the primary has it'
      )
    })
    await cluster.caughtUp()
    const shares = (await app.inject({ url: sharesUrl, headers: read })).json()
    t.equal(shares.invoicing.invoice_count, 3, 'once replayed, the cost shares show the invoices too')
  }
)

t.test('readiness needs both databases', async t => {
  // Rule: an instance whose replica does not answer is not ready, so the load balancer sends it no reads.
  t.equal((await app.inject({ url: '/health/ready' })).statusCode, 200)
  const unreachable = connect('postgres://postgres@127.0.0.1:1/replica')
  const withoutReplica = await build({ db, reportDb: unreachable })
  validateEveryResponse(withoutReplica)
  t.teardown(async () => {
    await withoutReplica.close()
    await unreachable.destroy()
  })
  t.equal(
    (await withoutReplica.inject({ url: '/health/ready' })).statusCode,
    503,
    'a replica that does not answer makes the instance not ready'
  )
})
