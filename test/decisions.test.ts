import t from 'tap'
import { sql } from 'kysely'
import { build } from '../src/app.ts'
import { connect } from '../src/db/connection.ts'
import { testApp } from './helpers.ts'

const { app, db, bearer, url } = await testApp(t)
const registrar = bearer('decisions:write')

const post = (payload: object, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/v1/decisions', headers: { ...registrar, ...headers }, payload })
const list = (query: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'GET', url: `/v1/decisions?${query}`, headers: { ...bearer('read'), ...headers } })

const decision = (
  municipality_code: string,
  outcome: 'adopted' | 'declined',
  received_on: string,
  extra: object = {}
) => ({
  municipality_code,
  period_case_number: '18/00295',
  outcome,
  decided_on: received_on,
  decided_by: 'Kommunfullmäktige',
  received_on,
  ...extra
})

t.test('a registrar records a decision by SKR case number; the key that wrote it is kept', async t => {
  const response = await post(
    decision('0138', 'adopted', '2019-05-02', {
      decided_on: '2019-04-24',
      decided_by: 'Kommunstyrelsen',
      municipal_case_number: '2019/ÄON 0042',
      minute_paragraph: '§ 58'
    })
  )
  t.equal(response.statusCode, 201)
  const body = response.json()
  t.match(body, {
    period_case_number: '18/00295',
    municipality_code: '0138',
    municipality_name: 'Tyresö',
    county_code: '01',
    outcome: 'adopted',
    decided_on: '2019-04-24',
    received_on: '2019-05-02',
    municipal_case_number: '2019/ÄON 0042',
    minute_paragraph: '§ 58',
    first_year: 2020,
    requested_first_year: null,
    state: 'in_force',
    withdrawal: null
  })
  t.equal(response.headers.location, `/v1/decisions/${body.id}`)
  const row = await db
    .selectFrom('decisions')
    .innerJoin('api_keys', 'api_keys.id', 'decisions.recorded_by_api_key_id')
    .select('api_keys.name')
    .where('decisions.id', '=', body.id)
    .executeTakeFirstOrThrow()
  t.equal(row.name, 'decisions-write')
  t.same((await app.inject({ method: 'GET', url: `/v1/decisions/${body.id}`, headers: bearer('read') })).json(), body)
})

t.test("Tyresö's conditional 2016 decision is stored with its condition", async t => {
  const response = await post({
    municipality_code: '0138',
    period_case_number: '16/02966',
    outcome: 'adopted',
    decided_on: '2016-10-26',
    decided_by: 'Socialnämnden',
    minute_paragraph: '§ 1087',
    received_on: '2016-11-02',
    conditions:
      'Stödfunktionen finansieras med 16 200 kronor för år 2017 och 16 200 kronor för år 2018 under förutsättning ' +
      'att kommunerna gemensamt bidrar med minst 2,5 miljoner kronor.',
    minimum_total_commitment: '2500000',
    document_url: 'https://insynsverige.se/tyreso-social/sammantrade?date=2016-10-26'
  })
  t.equal(response.statusCode, 201)
  t.match(response.json(), {
    period_case_number: '16/02966',
    first_year: 2017,
    minimum_total_commitment: '2500000.00',
    municipal_case_number: null,
    conditions: /minst 2,5 miljoner kronor/
  })
})

t.test(
  'a municipality that declines in October 2019 and adopts on 2020-05-01 takes part from 2021; one adopting on ' +
    '2020-07-01 from 2022',
  async t => {
    t.equal((await post(decision('0114', 'declined', '2019-10-15'))).json().first_year, null)
    t.equal((await post(decision('0114', 'adopted', '2020-05-01'))).json().first_year, 2021)
    t.equal((await post(decision('0115', 'adopted', '2020-07-01'))).json().first_year, 2022)
    const history = (await list('municipality_code=0114&period_id=2')).json().items
    t.same(
      history.map((d: { outcome: string; state: string }) => [d.outcome, d.state]),
      [
        ['declined', 'superseded'],
        ['adopted', 'in_force']
      ]
    )
  }
)

t.test('an explicit first year the deadlines contradict is a 422 and nothing is recorded', async t => {
  const before = await db
    .selectFrom('decisions')
    .select(eb => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  const response = await post(decision('0117', 'adopted', '2020-05-01', { first_year: 2020 }))
  t.equal(response.statusCode, 422)
  t.same(response.json().errors, [
    {
      pointer: '/first_year',
      detail:
        'received on 2020-05-01, after the last day to join for 2020 (2019-12-15); the earliest possible first year ' +
        'is 2021'
    }
  ])
  const later = await post(decision('0117', 'adopted', '2019-05-01', { first_year: 2021 }))
  t.match(
    later.json(),
    { first_year: 2021, requested_first_year: 2021 },
    "a later first year than the deadlines allow is the municipality's choice"
  )
  const after = await db
    .selectFrom('decisions')
    .select(eb => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  t.equal(after.n, before.n + 1)
})

t.test('malformed decisions are a 400 listing every field; unknown fields are rejected', async t => {
  const response = await post({
    municipality_code: '138',
    period_id: 2,
    outcome: 'maybe',
    decided_on: '2019-02-30',
    received_on: '2019-03-01',
    extra: 1
  })
  t.equal(response.statusCode, 400)
  t.same(
    response
      .json()
      .errors.map((e: { pointer: string }) => e.pointer)
      .sort(),
    ['/decided_by', '/decided_on', '/extra', '/municipality_code', '/outcome']
  )
})

t.test(
  'a decision registered in error is withdrawn by a new record with a reason; the earlier decision is in force again',
  async t => {
    const declined = (await post(decision('0120', 'declined', '2019-09-01'))).json()
    const mistaken = (await post(decision('0120', 'adopted', '2019-10-01'))).json()
    const url = `/v1/decisions/${mistaken.id}/withdrawal`
    const withdrawn = await app.inject({
      method: 'POST',
      url,
      headers: registrar,
      payload: { reason: 'Registered for the wrong municipality.' }
    })
    t.equal(withdrawn.statusCode, 201)
    t.match(withdrawn.json(), {
      id: mistaken.id,
      state: 'withdrawn',
      withdrawal: { reason: 'Registered for the wrong municipality.' }
    })
    t.equal(
      (await app.inject({ method: 'GET', url: `/v1/decisions/${declined.id}`, headers: bearer('read') })).json().state,
      'in_force'
    )
    const twice = await app.inject({ method: 'POST', url, headers: registrar, payload: { reason: 'again' } })
    t.equal(twice.statusCode, 409)
    const missing = await app.inject({
      method: 'POST',
      url: '/v1/decisions/999999/withdrawal',
      headers: registrar,
      payload: { reason: 'x' }
    })
    t.equal(missing.statusCode, 404)
  }
)

t.test('decisions are append-only in the database itself', async t => {
  await t.rejects(sql`update decisions set outcome = 'declined'`.execute(db), /decisions is append-only/)
  await t.rejects(sql`delete from decisions`.execute(db), /append-only/)
  await t.rejects(sql`delete from decision_withdrawals`.execute(db), /append-only/)
})

t.test('the list filters by municipality, county, outcome, state and dates, pages, and answers CSV', async t => {
  const declines = (await list('period_id=2&outcome=declined')).json()
  t.same(
    declines.items.map((d: { municipality_code: string }) => d.municipality_code),
    ['0114', '0120']
  )
  t.equal((await list('county_code=01&state=in_force&period_id=2')).json().total_items, 5)
  t.equal((await list('received_from=2020-01-01&received_to=2020-06-30')).json().total_items, 1)
  const page = await list('limit=2&page=2')
  t.match(page.json(), { page: 2, limit: 2, total_items: 8, total_pages: 4 })
  t.match(page.headers.link, /rel="next"/)
  const csv = await list('municipality_code=0120&format=csv')
  t.match(csv.headers['content-type'], /^text\/csv/)
  const [header, , second] = csv.body.trim().split('\r\n')
  t.match(header, /^id,period_id,period_case_number,municipality_code,/)
  t.match(second, /,withdrawn,Registered for the wrong municipality\.,\d{4}-\d{2}-\d{2}T/)
})

t.test('updated_since returns what was recorded or withdrawn since, for incremental sync', async t => {
  const latest = (await list('limit=500'))
    .json()
    .items.reduce((max: string, d: { updated_at: string }) => (d.updated_at > max ? d.updated_at : max), '')
  const since = (await list(`updated_since=${encodeURIComponent(latest)}`)).json()
  t.ok(since.total_items >= 1)
  t.ok(since.items.every((d: { updated_at: string }) => d.updated_at >= latest))
  const fresh = (await post(decision('0125', 'adopted', '2019-06-01'))).json()
  const next = (await list(`updated_since=${encodeURIComponent(fresh.updated_at)}`)).json()
  t.same(
    next.items.map((d: { id: number }) => d.id),
    [fresh.id]
  )
})

t.test('recording a decision needs the decisions:write scope', async t => {
  const payload = decision('0126', 'adopted', '2019-06-01')
  t.equal((await app.inject({ method: 'POST', url: '/v1/decisions', payload })).statusCode, 401)
  t.equal(
    (await app.inject({ method: 'POST', url: '/v1/decisions', headers: bearer('admin'), payload })).statusCode,
    403
  )
})

t.test('the same decision fired 50 times at once with one Idempotency-Key is recorded once', async t => {
  const payload = decision('0127', 'adopted', '2019-06-03')
  const responses = await Promise.all(
    Array.from({ length: 50 }, () => post(payload, { 'idempotency-key': 'race-0127' }))
  )
  t.same([...new Set(responses.map(r => r.statusCode))], [201])
  t.equal(new Set(responses.map(r => r.body)).size, 1, 'every response carries the same decision')
  t.equal(
    responses.filter(r => r.headers['idempotent-replayed'] === undefined).length,
    1,
    'exactly one was not a replay'
  )
  const rows = await db.selectFrom('decisions').select('id').where('municipality_code', '=', '0127').execute()
  t.equal(rows.length, 1)
})

t.test('ids and pages beyond what the service can hold exactly are a 400, never a 500', async t => {
  for (const url of [
    '/v1/decisions/100000000000000000000',
    '/v1/decisions?period_id=1e30',
    '/v1/decisions?page=1e300'
  ]) {
    const response = await app.inject({ url, headers: bearer('read') })
    t.equal(response.statusCode, 400, url)
  }
})

// Issue 19: one POST was about 9 statements. The checks read their context in one, which also reserves the decision's
// id and time so that its answer is complete; the other inserts it, claims the key and records the audit and feed
// events (record_writes), and commits by itself, so no lock is held across a round trip to the service.
t.test('one decision, with its Idempotency-Key, checks and audit event, is two statements and one commit', async t => {
  const statements: string[] = []
  const counted = connect(url, {
    log: event => {
      if (event.level === 'query') statements.push(event.query.sql.trim())
    }
  })
  const app = await build({ db: counted })
  t.teardown(async () => {
    await app.close()
    await counted.destroy()
  })
  const payload = {
    municipality_code: '0180',
    period_case_number: '18/00295',
    outcome: 'adopted',
    decided_on: '2019-05-20',
    decided_by: 'Kommunstyrelsen',
    received_on: '2019-05-21'
  }
  const send = () =>
    app.inject({
      method: 'POST',
      url: '/v1/decisions',
      headers: { ...bearer('decisions:write'), 'idempotency-key': 'two-statements' },
      payload
    })
  t.equal((await send()).statusCode, 201)
  // The key's look-up comes before, and is issue 20's; the webhook worker's look for due endpoints runs beside.
  const work = statements.filter(s => !/from "api_keys"|"webhook_endpoints"/.test(s))
  t.equal(work.length, 2, `statements: ${work.map(s => s.split(/\s+/).slice(0, 3).join(' ')).join(' | ')}`)
  t.notOk(
    work.some(s => /^(begin|commit)/i.test(s)),
    'no transaction around them: the second commits by itself'
  )
  t.match(
    work[1],
    /^WITH "change_0" AS \(INSERT INTO "decisions" .* SELECT record_writes\(/s,
    'the insert and its record are one'
  )
  t.equal((await send()).headers['idempotent-replayed'], 'true', 'a retry replays')
})

// Issue 19, group commit (db/together.ts): decisions that arrive while one is reading its context or being committed go
// together in the next statement, yet each keeps its own answer, audit event and event of the feed, and a duplicate sent at once
// still replays the first.
t.test('decisions posted at once share statements and commits, each with its own answer and record', async t => {
  const statements: string[] = []
  const counted = connect(url, {
    log: event => {
      statements.push(event.query.sql.trim()) // refused ones too
    }
  })
  const app = await build({ db: counted })
  t.teardown(async () => {
    await app.close()
    await counted.destroy()
  })
  const codes = (
    await sql<{ code: string }>`SELECT code FROM municipalities ORDER BY code DESC LIMIT 24`.execute(db)
  ).rows.map(row => row.code)
  const recorded = async () =>
    (
      await sql<{ audited: number; announced: number }>`SELECT
        (SELECT count(*)::int FROM audit_events WHERE operation_id = 'recordDecision') AS audited,
        (SELECT count(*)::int FROM events WHERE type = 'decision.recorded') AS announced`.execute(db)
    ).rows[0]!
  const before = await recorded()
  // Each decision twice at once, with the same Idempotency-Key.
  // Among them one that breaks a rule (no such municipality): it is refused alone.
  const unknown = app.inject({
    method: 'POST',
    url: '/v1/decisions',
    headers: registrar,
    payload: decision('0000', 'adopted', '2019-05-20')
  })
  const responses = await Promise.all(
    codes.flatMap(code =>
      [1, 2].map(() =>
        app.inject({
          method: 'POST',
          url: '/v1/decisions',
          headers: { ...registrar, 'idempotency-key': `together-${code}` },
          payload: decision(code, 'adopted', '2019-05-20')
        })
      )
    )
  )
  t.same(
    responses.map(r => r.statusCode),
    responses.map(() => 201)
  )
  t.equal((await unknown).statusCode, 422, 'the one that breaks a rule is refused, the others recorded')
  const shared = statements.filter(s =>
    /^WITH "change_0" AS \(INSERT INTO "decisions" .* VALUES \([^)]*\), \(/s.test(s)
  )
  t.ok(shared.length > 0, 'at least one statement carried several decisions')
  const contexts = statements.filter(s => s.startsWith('SELECT * FROM decision_contexts'))
  t.ok(contexts.length < responses.length, `${responses.length} decisions read their context in ${contexts.length}`)
  for (const [i, code] of codes.entries()) {
    const [first, second] = [responses[2 * i]!, responses[2 * i + 1]!]
    t.equal(first.json().municipality_code, code, `${code}: its own answer`)
    t.equal(second.body, first.body, `${code}: the duplicate has the same answer`)
    t.equal(
      [first, second].filter(r => r.headers['idempotent-replayed'] === 'true').length,
      1,
      `${code}: one of the two is a replay`
    )
    const stored = await app.inject({ url: `/v1/decisions/${first.json().id}`, headers: bearer('read') })
    t.equal(stored.body, first.body, `${code}: the answer is the decision as stored`)
  }
  const after = await recorded()
  t.equal(after.audited - before.audited, codes.length, 'one audit event per decision recorded, none per replay')
  t.equal(after.announced - before.announced, codes.length, 'one event of the feed per decision recorded')
})

// The answer of a single decision is built before it is inserted (queries/decisions.ts, insertOne): it must be what is
// then stored, to the state and the amount's form.
t.test('the answer to a recorded decision is the decision as then stored, superseded or in force', async t => {
  const later = await post(decision('0162', 'adopted', '2019-06-10', { minimum_total_commitment: '2500' }))
  const earlier = await post(decision('0162', 'declined', '2019-06-03', { municipal_case_number: 'KS 2019/12' }))
  for (const [response, state] of [
    [later, 'in_force'],
    [earlier, 'superseded']
  ] as const) {
    t.equal(response.statusCode, 201)
    t.equal(response.json().state, state)
    const stored = await app.inject({ method: 'GET', url: response.headers.location!, headers: bearer('read') })
    t.same(response.json(), stored.json(), `${state}: the 201 is the GET`)
  }
  t.equal(later.json().minimum_total_commitment, '2500.00', 'the amount as stored, with its öre')
})
