import t from 'tap'
import { testApp } from './helpers.ts'

const { app, db, bearer } = await testApp(t)
const registrar = bearer('decisions:write')
const importDecisions = (payload: unknown, headers: Record<string, string> = {}) =>
  app.inject({
    method: 'POST',
    url: '/v1/decision-imports',
    headers: { ...registrar, ...headers },
    payload: payload as string
  })
const count = async () =>
  (
    await db
      .selectFrom('decisions')
      .select(eb => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
  ).n

const row = (municipality_code: string, outcome: string, received_on: string) => ({
  municipality_code,
  period_case_number: '18/00295',
  outcome,
  decided_on: received_on,
  decided_by: 'Kommunstyrelsen',
  received_on
})

t.test('a JSON import records every row in one transaction and returns the ids in row order', async t => {
  const response = await importDecisions([
    row('0114', 'declined', '2019-10-15'),
    row('0114', 'adopted', '2020-05-01'),
    row('0115', 'adopted', '2019-06-01')
  ])
  t.equal(response.statusCode, 201)
  const body = response.json()
  t.match(body, { received: 3, created: 3 })
  const firstYears = await db
    .selectFrom('decisions')
    .select(['id', 'first_year'])
    .where('id', 'in', body.decision_ids)
    .orderBy('id')
    .execute()
  t.same(
    firstYears.map(d => d.first_year),
    [null, 2021, 2020]
  )
})

t.test('a CSV import is read by its header row; empty cells are absent fields', async t => {
  const csv =
    'municipality_code,period_id,outcome,decided_on,decided_by,received_on,first_year,conditions\r\n' +
    '0117,2,adopted,2019-05-01,Kommunfullmäktige,2019-05-03,2021,\r\n' +
    '0120,2,declined,2019-05-01,"Kommunstyrelsen, arbetsutskottet",2019-05-03,,\r\n'
  const response = await importDecisions(csv, { 'content-type': 'text/csv' })
  t.equal(response.statusCode, 201)
  const stored = await db
    .selectFrom('decisions')
    .select(['municipality_code', 'first_year', 'requested_first_year', 'decided_by'])
    .where('id', 'in', response.json().decision_ids)
    .orderBy('id')
    .execute()
  t.same(stored, [
    { municipality_code: '0117', first_year: 2021, requested_first_year: 2021, decided_by: 'Kommunfullmäktige' },
    {
      municipality_code: '0120',
      first_year: null,
      requested_first_year: null,
      decided_by: 'Kommunstyrelsen, arbetsutskottet'
    }
  ])
})

t.test('an import with bad rows reports every one with its row number and records nothing', async t => {
  const before = await count()
  const csv = [
    'municipality_code,period_case_number,outcome,decided_on,decided_by,received_on',
    '0125,18/00295,adopted,2019-05-01,KS,2019-05-02', // good, but must not be recorded
    '125,18/00295,adopted,2019-05-01,KS,2019-05-02', // code not 4 digits
    '0126,18/00295,perhaps,2019-05-01,KS,2019-05-02', // no such outcome
    '9999,18/00295,adopted,2019-05-01,KS,2019-05-02', // no such municipality
    '0127,18/99999,adopted,2019-05-01,KS,2019-05-02', // no such period
    '0128,18/00295,adopted,2019-06-01,KS,2019-05-02' // decided after it was received
  ].join('\n')
  const response = await importDecisions(csv, { 'content-type': 'text/csv' })
  t.equal(response.statusCode, 400)
  const body = response.json()
  t.equal(body.detail, '5 row(s) cannot be imported; nothing was written.')
  t.same(
    body.errors.map((e: { row: number; pointer: string }) => [e.row, e.pointer]),
    [
      [2, '/1/municipality_code'],
      [3, '/2/outcome'],
      [4, '/3/municipality_code'],
      [5, '/4/period_case_number'],
      [6, '/5/decided_on']
    ]
  )
  t.equal(await count(), before)
})

t.test('rows that are well-formed but break the rules are a 422', async t => {
  const before = await count()
  const response = await importDecisions([row('0125', 'adopted', '2019-05-02'), row('0126', 'adopted', '2030-01-01')])
  t.equal(response.statusCode, 422)
  t.match(response.json(), { type: '/problems/unprocessable', errors: [{ row: 2, pointer: '/1/received_on' }] })
  t.equal(await count(), before)
})

t.test('a retried import with the same Idempotency-Key records nothing twice', async t => {
  const payload = [row('0127', 'adopted', '2019-05-02')]
  const first = await importDecisions(payload, { 'idempotency-key': 'backfill-2019-05' })
  const retry = await importDecisions(payload, { 'idempotency-key': 'backfill-2019-05' })
  t.equal(retry.statusCode, 201)
  t.equal(retry.headers['idempotent-replayed'], 'true')
  t.equal(retry.body, first.body)
  t.equal((await db.selectFrom('decisions').select('id').where('municipality_code', '=', '0127').execute()).length, 1)
})

t.test('an empty list or a non-list is a 400', async t => {
  t.equal((await importDecisions([])).statusCode, 400)
  t.match((await importDecisions({ municipality_code: '0114' })).json(), {
    status: 400,
    detail: 'The body must be a list of 1 or more decisions, within the limits documented.'
  })
})

t.test('an import of the largest size allowed, 5,000 rows with every field, is recorded whole', async t => {
  const codes = (await db.selectFrom('municipalities').select('code').orderBy('code').execute()).map(m => m.code)
  const rows = Array.from({ length: 5000 }, (_, index) => ({
    ...row(codes[index % codes.length]!, 'adopted', '2019-09-01'),
    decided_by: 'Kommunstyrelsens arbetsutskott',
    municipal_case_number: `2019/KS ${String(index).padStart(4, '0')}`,
    minute_paragraph: `§ ${index}`,
    conditions: 'Under förutsättning att kommunerna gemensamt bidrar med minst 2,5 miljoner kronor per år.',
    minimum_total_commitment: '2500000.00',
    document_url: `https://example.kommun.se/protokoll/2019/ks/${index}.pdf`,
    first_year: 2021
  }))
  const before = await count()
  const response = await importDecisions(rows)
  t.equal(response.statusCode, 201)
  t.equal(response.json().created, 5000)
  t.equal(await count(), before + 5000)
  t.equal((await importDecisions([...rows, rows[0]])).statusCode, 400, 'one row more is refused')
})

// The findings of an attack on main (issue of 2026-12-01): a 3.8 MiB body of empty rows froze the service for a minute
// and ran it out of memory; 100,000 empty rows answered 44.8 MB listing 600,001 errors. Now rows are counted before
// any is read or checked, and a problem lists at most 100 errors with their count.
t.test(
  'the work a list body can cause is bounded before it is done: rows counted unread, errors capped at 100',
  async t => {
    const before = await count()
    const emptyRows = (n: number) => `[${Array(n).fill('{}').join(',')}]`
    const json = { 'content-type': 'application/json' }
    for (const rows of [1_300_000, 100_000, 5001]) {
      const refused = await importDecisions(emptyRows(rows), json)
      t.equal(refused.statusCode, 400, `${rows} rows are refused`)
      t.ok(refused.body.length < 1024, `the answer is ${refused.body.length} bytes`)
      t.match(refused.json(), {
        errors: [{ pointer: '', detail: `must NOT have more than 5000 items (has ${rows})` }],
        error_count: 1
      })
    }
    const csvRows = await importDecisions(`municipality_code,x\r\n${Array(200_000).fill(',x').join('\r\n')}`, {
      'content-type': 'text/csv'
    })
    t.equal(csvRows.statusCode, 400, '200,000 CSV rows are refused while parsing')
    t.match(csvRows.json(), { errors: [{ pointer: '', detail: 'must NOT have more than 5000 items (has more)' }] })

    const atLimit = await importDecisions(emptyRows(5000), json)
    t.equal(atLimit.statusCode, 400)
    const problem = atLimit.json()
    t.equal(problem.errors.length, 100, 'the first 100 errors are listed')
    t.equal(problem.error_count, 5000 * 5, 'and all are counted: five required fields missing in each of 5,000 rows')
    t.ok(atLimit.body.length < 64 * 1024, `the answer is ${atLimit.body.length} bytes`)
    t.equal(await count(), before, 'nothing was written')
  }
)

t.test('null as the body, as a row or beside a good row is a 400 naming the row, never a 500', async t => {
  const before = await count()
  for (const payload of ['null', '[null]', '[1, "x", true]']) {
    const response = await importDecisions(payload, { 'content-type': 'application/json' })
    t.equal(response.statusCode, 400, `${payload} is a 400`)
  }
  const mixed = await importDecisions(`[null, ${JSON.stringify(row('0125', 'adopted', '2019-05-02'))}]`, {
    'content-type': 'application/json'
  })
  t.equal(mixed.statusCode, 400)
  t.same(
    mixed.json().errors,
    [{ pointer: '/0', row: 1, detail: 'must be object' }],
    'only the null row is at fault; the good row was checked and passed'
  )
  t.equal(await count(), before, 'nothing was written')
})
