import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import { Webhook } from 'standardwebhooks'
import t from 'tap'
import { build } from '../src/app.ts'
import * as apiKeys from '../src/db/api-keys.ts'
import { connect } from '../src/db/connection.ts'
import { validateEveryResponse } from './contract.ts'
import { importNovember2019, SUBSTITUTES_ACCEPTED } from './fixtures.ts'
import { testApp } from './helpers.ts'

interface Received {
  headers: http.IncomingHttpHeaders
  body: string
}

/** A webhook receiver on loopback: it records every request and answers with what `answer` says. */
async function receiver(t: { teardown(fn: () => unknown): void }) {
  const received: Received[] = []
  const state = { answer: (_request: Received): number => 200 }
  const server = http.createServer((request, response) => {
    let body = ''
    request.setEncoding('utf8')
    request.on('data', chunk => {
      body += chunk
    })
    request.on('end', () => {
      const got = { headers: request.headers, body }
      received.push(got)
      response.writeHead(state.answer(got)).end()
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => new Promise(resolve => server.close(resolve)))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`
  return { url, received, state }
}

/** Waits (at most `seconds`) until `done` holds. */
async function until(done: () => boolean | Promise<boolean>, seconds = 20) {
  for (let waited = 0; waited < seconds * 20; waited++) {
    if (await done()) return true
    await sleep(50)
  }
  return false
}

/** A registrar's adoption by `code` of 18/00295, recorded through `app` (one instance or another). */
const recordDecision = (app: Awaited<ReturnType<typeof build>>, headers: Record<string, string>, code: string) =>
  app.inject({
    method: 'POST',
    url: '/v1/decisions',
    payload: {
      municipality_code: code,
      period_case_number: '18/00295',
      outcome: 'adopted',
      decided_on: '2019-04-24',
      decided_by: 'Kommunfullmäktige',
      received_on: '2019-05-02'
    },
    headers
  })

// A test that sends webhooks to its own receiver on loopback names the setting that allows it.
const LOOPBACK = { allowPrivateWebhookUrls: true }

const subscribe = async (
  context: Awaited<ReturnType<typeof testApp>>,
  url: string,
  event_types: string[] = ['*']
): Promise<{ id: number; secret: string }> => {
  const created = await context.app.inject({
    method: 'POST',
    url: '/v1/webhook-endpoints',
    headers: context.bearer('admin'),
    payload: { url, event_types, description: 'Ekonomisystemet' }
  })
  if (created.statusCode !== 201) throw new Error(created.body)
  return created.json()
}

t.test(
  'under the shipped settings, an endpoint on loopback, a private network or the metadata service is refused',
  async t => {
    const { app, bearer } = await testApp(t)
    for (const url of [
      'http://127.0.0.1:8080/hooks',
      'http://localhost/hooks',
      'http://10.0.0.7/hooks',
      'http://192.168.1.1/hooks',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]/hooks',
      'http://[::ffff:127.0.0.1]/hooks',
      'http://100.64.0.1/hooks',
      'ftp://example.se/hooks',
      'https://user:pass@example.se/hooks',
      'http://no-such-host.invalid/hooks'
    ]) {
      const created = await app.inject({
        method: 'POST',
        url: '/v1/webhook-endpoints',
        headers: bearer('admin'),
        payload: { url, event_types: ['*'] }
      })
      t.equal(created.statusCode, url.startsWith('ftp') ? 400 : 422, url)
      if (created.statusCode === 422) t.equal(created.json().errors[0].pointer, '/url')
    }
    t.equal((await app.inject({ url: '/v1/webhook-endpoints', headers: bearer('admin') })).json().items.length, 0)
  }
)

t.test('only admins manage endpoints, each client only its own; the secret is shown once', async t => {
  const context = await testApp(t, { settings: LOOPBACK })
  const { app, db, bearer } = context
  const { url } = await receiver(t)
  const created = await subscribe(context, url, ['decision.recorded', 'year.invoiced'])
  t.match(created.secret, /^whsec_[A-Za-z0-9+/]{32}$/)
  const read = await app.inject({ url: `/v1/webhook-endpoints/${created.id}`, headers: bearer('admin') })
  t.equal(read.statusCode, 200)
  t.notOk('secret' in read.json(), 'not shown again')
  t.match(read.json(), { url, event_types: ['decision.recorded', 'year.invoiced'], status: 'enabled' })
  t.equal(
    (await app.inject({ url: '/v1/webhook-endpoints', headers: bearer('finance:write') })).statusCode,
    403,
    'finance cannot'
  )
  const otherAdmin = { authorization: `Bearer ${await apiKeys.create(db, 'other-admin', ['admin'])}` }
  t.same((await app.inject({ url: '/v1/webhook-endpoints', headers: otherAdmin })).json().items, [])
  for (const [method, path] of [
    ['GET', ''],
    ['GET', '/deliveries'],
    ['DELETE', '']
  ] as const)
    t.equal(
      (await app.inject({ method, url: `/v1/webhook-endpoints/${created.id}${path}`, headers: otherAdmin })).statusCode,
      404,
      `another client's ${method} ${path || 'endpoint'}`
    )
  const deleted = await app.inject({
    method: 'DELETE',
    url: `/v1/webhook-endpoints/${created.id}`,
    headers: bearer('admin')
  })
  t.equal(deleted.statusCode, 204)
  t.equal((await app.inject({ url: `/v1/webhook-endpoints/${created.id}`, headers: bearer('admin') })).statusCode, 404)
  const audited = await db.selectFrom('audit_events').select(['operation_id', 'method', 'status']).execute()
  t.same(audited, [
    { operation_id: 'createWebhookEndpoint', method: 'POST', status: 201 },
    { operation_id: 'deleteWebhookEndpoint', method: 'DELETE', status: 204 }
  ])
  t.same(
    await db.selectFrom('events').selectAll().execute(),
    [],
    'configuration is no event: its answer holds a secret'
  )
})

t.test(
  "a registrar's and finance's writes all arrive, once each, in the feed's order, signed with the endpoint's secret",
  async t => {
    const context = await testApp(t, { settings: LOOPBACK })
    const { app, db, bearer } = context
    const hook = await receiver(t)
    const { secret } = await subscribe(context, hook.url)
    const invoicesOnly = await receiver(t)
    await subscribe(context, invoicesOnly.url, ['year.invoiced', 'invoice.paid'])

    await importNovember2019(context)
    const period = (
      await db
        .selectFrom('recommendation_periods')
        .select('id')
        .where('case_number', '=', '18/00295')
        .executeTakeFirstOrThrow()
    ).id
    const post = (url: string, payload: object, scope: Parameters<typeof bearer>[0]) =>
      app.inject({ method: 'POST', url, payload, headers: bearer(scope) })
    const late = await post(
      '/v1/decisions',
      {
        municipality_code: '0125',
        period_id: period,
        outcome: 'adopted',
        decided_on: '2020-04-20',
        decided_by: 'Kommunstyrelsen',
        received_on: '2020-05-04'
      },
      'decisions:write'
    )
    t.equal(late.statusCode, 201)
    t.equal(
      (await post(`/v1/decisions/${late.json().id}/withdrawal`, { reason: 'Fel ärende.' }, 'decisions:write'))
        .statusCode,
      201
    )
    const invoiced = await post(
      `/v1/recommendation-periods/${period}/invoiced-years`,
      { year: 2020, invoice_date: '2020-02-15', substitute_population: SUBSTITUTES_ACCEPTED },
      'finance:write'
    )
    t.equal(invoiced.statusCode, 201)
    const invoice = await db.selectFrom('invoices').select('id').orderBy('id').executeTakeFirstOrThrow()
    t.equal(
      (await post(`/v1/invoices/${invoice.id}/payment`, { paid_on: '2020-03-01' }, 'finance:write')).statusCode,
      201
    )

    const feed = (await app.inject({ url: '/v1/events?limit=1000', headers: bearer('read') })).json().items as Array<{
      id: number
      type: string
    }>
    t.same(
      feed.map(event => event.type),
      [
        'population_figures.imported',
        'decisions.imported',
        'decision.recorded',
        'decision.withdrawn',
        'year.invoiced',
        'invoice.paid'
      ]
    )
    t.ok(await until(() => hook.received.length >= feed.length), 'every event arrives')
    t.ok(await until(() => invoicesOnly.received.length >= 2), 'and the kinds subscribed to, to the other')
    await sleep(300)
    const webhook = new Webhook(secret)
    const arrived = hook.received.map(got => {
      // Throws unless the signature is the secret's over this id, timestamp and body, and the timestamp is recent.
      const event = webhook.verify(got.body, got.headers as Record<string, string>) as { id: number; type: string }
      t.equal(got.headers['webhook-id'], `evt_${event.id}`)
      t.equal(got.headers['content-type'], 'application/json')
      return event
    })
    t.same(
      arrived.map(event => event.id),
      feed.map(event => event.id),
      'each once, in order'
    )
    const feedBodies = (await app.inject({ url: '/v1/events?limit=1000', headers: bearer('read') })).json().items
    t.same(arrived, feedBodies, 'the body is the event as the feed gives it')
    t.same(
      invoicesOnly.received.map(got => JSON.parse(got.body).type),
      ['year.invoiced', 'invoice.paid']
    )
    t.throws(
      () =>
        new Webhook(`whsec_${Buffer.alloc(24).toString('base64')}`).verify(
          hook.received[0]!.body,
          hook.received[0]!.headers as Record<string, string>
        ),
      'another secret does not verify'
    )
  }
)

t.test(
  'a receiver that is down for a while gets everything once it is back, in order; the log shows each attempt',
  async t => {
    const context = await testApp(t, { settings: LOOPBACK })
    const { app, bearer } = context
    const hook = await receiver(t)
    let refusals = 0
    hook.state.answer = () => (refusals++ < 2 ? 503 : 200)
    const endpoint = await subscribe(context, hook.url)
    for (const code of ['0114', '0115', '0117'])
      t.equal((await recordDecision(app, bearer('decisions:write'), code)).statusCode, 201)
    const failing = await app.inject({ url: `/v1/webhook-endpoints/${endpoint.id}`, headers: bearer('admin') })
    t.equal(failing.json().status, 'enabled')
    // Two refusals: retried after about 2 and then 4 seconds.
    t.ok(await until(() => hook.received.length >= 5, 20), 'all three arrive')
    await sleep(300)
    const ids = hook.received.map(got => JSON.parse(got.body).id)
    const feed = (await app.inject({ url: '/v1/events', headers: bearer('read') })).json().items
    t.same(
      ids,
      [feed[0].id, feed[0].id, ...feed.map((event: { id: number }) => event.id)],
      'the first event was retried, and held back the later ones until it was taken; then all in order'
    )
    t.same(
      hook.received.map(got => got.headers['webhook-id']),
      ids.map(id => `evt_${id}`),
      'a retry carries the same webhook-id'
    )
    const log = (
      await app.inject({ url: `/v1/webhook-endpoints/${endpoint.id}/deliveries`, headers: bearer('admin') })
    ).json()
    t.equal(log.total_items, 5)
    t.same(
      log.items
        .map((d: { attempt: number; response_status: number; delivered: boolean }) => [
          d.attempt,
          d.response_status,
          d.delivered
        ])
        .reverse(),
      [
        [1, 503, false],
        [2, 503, false],
        [3, 200, true],
        [1, 200, true],
        [1, 200, true]
      ]
    )
    const recovered = (
      await app.inject({ url: `/v1/webhook-endpoints/${endpoint.id}`, headers: bearer('admin') })
    ).json()
    t.match(recovered, { status: 'enabled', failing_since: null, delivered_through: ids.at(-1) })
  }
)

t.test('two instances never deliver the same event to an endpoint at once: each arrives exactly once', async t => {
  const context = await testApp(t, { settings: LOOPBACK })
  const { app, db, bearer } = context
  const second = await build({ db, settings: LOOPBACK })
  validateEveryResponse(second)
  t.teardown(() => second.close())
  await second.ready()
  const hooks = [await receiver(t), await receiver(t), await receiver(t)]
  for (const hook of hooks) await subscribe(context, hook.url)
  const codes = (await db.selectFrom('municipalities').select('code').orderBy('code').limit(40).execute()).map(
    m => m.code
  )
  await Promise.all(codes.map((code, i) => recordDecision(i % 2 === 0 ? app : second, bearer('decisions:write'), code)))
  for (const hook of hooks) t.ok(await until(() => hook.received.length >= 40), 'all 40 arrive')
  await sleep(1500)
  for (const hook of hooks) {
    const ids = hook.received.map(got => got.headers['webhook-id'])
    t.equal(ids.length, 40, 'none twice')
    t.equal(new Set(ids).size, 40)
  }
  const { attempts } = await db
    .selectFrom('webhook_deliveries')
    .select(eb => eb.fn.countAll<number>().as('attempts'))
    .executeTakeFirstOrThrow()
  t.equal(Number(attempts), 120, 'one attempt per event and endpoint in the log')
})

t.test(
  'an endpoint that has failed for three days is disabled with the reason, sent nothing more, and resumes in order once reactivated',
  async t => {
    const context = await testApp(t, { settings: LOOPBACK })
    const { app, db, bearer } = context
    const hook = await receiver(t)
    hook.state.answer = () => 500
    const endpoint = await subscribe(context, hook.url)
    const record = (code: string) => recordDecision(app, bearer('decisions:write'), code)
    await record('0114')
    t.ok(await until(() => hook.received.length >= 1))
    // As if it had been failing since three days and a minute ago, and its retry were due now.
    await sql`UPDATE webhook_endpoints SET failing_since = now() - interval '3 days 1 minute', next_attempt_at = now()`.execute(
      db
    )
    t.ok(await until(() => hook.received.length >= 2))
    const disabled = await until(async () => {
      const read = await app.inject({ url: `/v1/webhook-endpoints/${endpoint.id}`, headers: bearer('admin') })
      return read.json().status === 'disabled'
    })
    t.ok(disabled, 'disabled')
    const read = (await app.inject({ url: `/v1/webhook-endpoints/${endpoint.id}`, headers: bearer('admin') })).json()
    t.match(read.disabled_reason, /^Every delivery has failed since .*; the last: answered 500$/)
    await record('0115')
    await sleep(2500)
    t.equal(hook.received.length, 2, 'nothing is sent to a disabled endpoint')

    hook.state.answer = () => 200
    const reactivation = `/v1/webhook-endpoints/${endpoint.id}/reactivation`
    const enabled = await app.inject({ method: 'POST', url: reactivation, headers: bearer('admin') })
    t.equal(enabled.statusCode, 200)
    t.match(enabled.json(), { status: 'enabled', disabled_reason: null, failing_since: null })
    t.ok(await until(() => hook.received.length >= 4), 'the held event, then the one since')
    const feed = (await app.inject({ url: '/v1/events', headers: bearer('read') })).json().items
    t.same(
      hook.received.slice(2).map(got => JSON.parse(got.body).id),
      feed.map((event: { id: number }) => event.id),
      'in order, from where they stopped'
    )
    t.equal((await app.inject({ method: 'POST', url: reactivation, headers: bearer('admin') })).statusCode, 409)
  }
)

t.test('a deleted endpoint is sent nothing more, and is gone with its delivery log', async t => {
  const context = await testApp(t, { settings: LOOPBACK })
  const { app, bearer } = context
  const hook = await receiver(t)
  const endpoint = await subscribe(context, hook.url)
  const record = (code: string) => recordDecision(app, bearer('decisions:write'), code)
  await record('0114')
  t.ok(await until(() => hook.received.length === 1))
  const deleted = await app.inject({
    method: 'DELETE',
    url: `/v1/webhook-endpoints/${endpoint.id}`,
    headers: bearer('admin')
  })
  t.equal(deleted.statusCode, 204)
  await record('0115')
  await sleep(2500)
  t.equal(hook.received.length, 1, 'nothing after the deletion')
  const log = await app.inject({ url: `/v1/webhook-endpoints/${endpoint.id}/deliveries`, headers: bearer('admin') })
  t.equal(log.statusCode, 404, 'its log is gone for its owner too')
})

t.test('with more endpoints than are served at once, each gets every event; idle, the worker asks little', async t => {
  const context = await testApp(t, { settings: LOOPBACK })
  const { url, bearer } = context
  // A second instance over a pool whose statements are counted: its worker's, once the first has delivered.
  let asked = 0
  const counted = connect(url, {
    log: event => {
      if (event.query.sql.includes('"webhook_endpoints"')) asked++
    }
  })
  t.teardown(() => counted.destroy())
  const second = await build({ db: counted, settings: LOOPBACK })
  validateEveryResponse(second)
  t.teardown(() => second.close())
  const hooks = await Promise.all(Array.from({ length: 9 }, () => receiver(t)))
  for (const hook of hooks) await subscribe(context, hook.url)
  for (const code of ['0114', '0115']) await recordDecision(context.app, bearer('decisions:write'), code)
  await second.ready()
  t.ok(await until(() => hooks.every(hook => hook.received.length === 2)), 'nine endpoints, two events each')
  await sleep(500)
  asked = 0
  await sleep(3000)
  // A round a second (four in three seconds at most): each endpoint leased and released, and each of the four lanes
  // finding no more due. Without a pause between rounds it would be thousands.
  t.ok(asked <= 4 * (2 * 9 + 4), `${asked} statements on webhook_endpoints in 3 idle seconds`)
  t.same(
    hooks.map(hook => hook.received.length),
    Array(9).fill(2),
    'still once each'
  )
})

// A statement per delivered event cost as much as the write it announced: delivered attempts are recorded ten at a
// time (webhooks/worker.ts), and the log still holds each with its own number, time and answer.
t.test('a backlog is delivered in order and its attempts recorded in a few statements for many', async t => {
  const context = await testApp(t, { settings: LOOPBACK })
  const { app, db, url, bearer } = context
  const hook = await receiver(t)
  hook.state.answer = () => 503
  const endpoint = await subscribe(context, hook.url)
  const codes = (await db.selectFrom('municipalities').select('code').orderBy('code').limit(25).execute()).map(
    m => m.code
  )
  for (const code of codes) await recordDecision(app, bearer('decisions:write'), code)
  t.ok(await until(() => hook.received.length >= 1), 'the first attempt fails')
  await app.close() // its worker would deliver the backlog too
  let logged = 0
  const counted = connect(url, {
    log: event => {
      if (/^WITH "?held"? AS .*INSERT INTO webhook_deliveries/s.test(event.query.sql)) logged++
    }
  })
  t.teardown(() => counted.destroy())
  const second = await build({ db: counted, settings: LOOPBACK })
  t.teardown(() => second.close())
  hook.state.answer = () => 200
  await sql`UPDATE webhook_endpoints SET next_attempt_at = now()`.execute(db)
  await second.ready()
  t.ok(await until(() => hook.received.length >= 26), 'the backlog arrives')
  await sleep(500)
  const ids = hook.received.slice(1).map(got => Number(JSON.parse(got.body).id))
  t.same(
    ids,
    [...ids].sort((a, b) => a - b),
    'in feed order'
  )
  t.equal(new Set(ids).size, 25, 'each once')
  t.ok(logged >= 3 && logged <= 4, `${logged} statements recorded 25 deliveries`)
  const log = await db
    .selectFrom('webhook_deliveries')
    .select(['event_id', 'attempt', 'delivered', 'response_status'])
    .where('endpoint_id', '=', endpoint.id)
    .orderBy('id')
    .execute()
  t.same(
    log.map(row => [row.attempt, row.delivered, row.response_status]),
    [[1, false, 503], [2, true, 200], ...Array(24).fill([1, true, 200])],
    'every attempt, numbered per event'
  )
  const read = (await second.inject({ url: `/v1/webhook-endpoints/${endpoint.id}`, headers: bearer('admin') })).json()
  t.match(read, { status: 'enabled', failing_since: null, delivered_through: ids.at(-1) })
})
