import t from 'tap'
import { testApp } from './helpers.ts'

const { app, db, bearer } = await testApp(t)
const admin = bearer('admin')

const figure = (municipality_code: string) =>
  db
    .selectFrom('population_figures')
    .select(['population', 'updated_by_api_key_id'])
    .where('municipality_code', '=', municipality_code)
    .where('reference_date', '=', '2018-11-30')
    .executeTakeFirst()

t.test('a JSON import adds new figures and corrects existing ones, recording the key that wrote them', async t => {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/population-figures',
    headers: admin,
    payload: [
      { municipality_code: '0138', reference_date: '2018-11-30', population: 48010 },
      { municipality_code: '0138', reference_date: '2020-06-30', population: 48500 }
    ]
  })
  t.equal(response.statusCode, 200)
  t.match(response.json(), {
    received: 2,
    inserted: 1,
    updated: 1,
    warnings: []
  })
  const adminKey = await db.selectFrom('api_keys').select('id').where('name', '=', 'admin').executeTakeFirstOrThrow()
  t.same(await figure('0138'), { population: 48010, updated_by_api_key_id: adminKey.id })
})

t.test('a CSV import is read by its header row and validated like JSON', async t => {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/population-figures',
    headers: { ...admin, 'content-type': 'text/csv' },
    payload: 'municipality_code,reference_date,population\r\n0180,2018-11-30,962000\r\n"1480",2018-11-30,571000\r\n'
  })
  t.same(response.json(), { received: 2, inserted: 2, updated: 0, warnings: [] })
  t.equal((await figure('1480'))?.population, 571000)
})

t.test('an import with bad rows reports every one with its row number and writes nothing', async t => {
  const csv = [
    'municipality_code,reference_date,population',
    '0114,2018-11-30,45000', // good, but must not be written
    '138,2018-11-30,1', // code not 4 digits
    '0115,2018-02-30,2', // no such date
    '9999,2018-11-30,3', // no such municipality
    '0117,2018-11-30,-4', // negative
    '0114,2018-11-30,5' // repeats row 1
  ].join('\n')
  const response = await app.inject({
    method: 'POST',
    url: '/v1/population-figures',
    headers: { ...admin, 'content-type': 'text/csv' },
    payload: csv
  })
  t.equal(response.statusCode, 400)
  const body = response.json()
  t.equal(body.detail, '5 row(s) cannot be imported; nothing was written.')
  t.same(
    body.errors.map((e: { row: number; pointer: string }) => [e.row, e.pointer]),
    [
      [2, '/1/municipality_code'],
      [3, '/2/reference_date'],
      [4, '/3/municipality_code'],
      [5, '/4/population'],
      [6, '/5/reference_date']
    ]
  )
  t.equal(await figure('0114'), undefined, 'the good row was not written')
})

t.test('rows that are well-formed but break domain rules are a 422', async t => {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/population-figures',
    headers: admin,
    payload: [
      { municipality_code: '0114', reference_date: '2018-11-30', population: 1 },
      { municipality_code: '9999', reference_date: '2018-11-30', population: 1 }
    ]
  })
  t.equal(response.statusCode, 422)
  t.match(response.json(), {
    type: '/problems/unprocessable',
    errors: [{ row: 2, pointer: '/1/municipality_code', detail: 'no municipality has code 9999' }]
  })
  t.equal(await figure('0114'), undefined)
})

t.test('unknown fields are rejected, not dropped', async t => {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/population-figures',
    headers: admin,
    payload: [{ municipality_code: '0114', reference_date: '2018-11-30', population: 1, source: 'SCB' }]
  })
  t.equal(response.statusCode, 400)
  t.same(response.json().errors, [{ pointer: '/0/source', row: 1, detail: 'is not a known field' }])
})

t.test('an empty list, a non-list, malformed JSON and a foreign media type are problems', async t => {
  const empty = await app.inject({ method: 'POST', url: '/v1/population-figures', headers: admin, payload: [] })
  t.equal(empty.statusCode, 400)
  const object = await app.inject({
    method: 'POST',
    url: '/v1/population-figures',
    headers: admin,
    payload: { municipality_code: '0114' }
  })
  t.equal(object.statusCode, 400)
  t.match(object.json(), {
    detail: 'The body must be a list of 1 or more population figures, within the limits documented.'
  })
  const malformed = await app.inject({
    method: 'POST',
    url: '/v1/population-figures',
    headers: { ...admin, 'content-type': 'application/json' },
    payload: '[{"municipality_code":'
  })
  t.equal(malformed.statusCode, 400)
  t.match(malformed.headers['content-type'], /^application\/problem\+json/)
  const text = await app.inject({
    method: 'POST',
    url: '/v1/population-figures',
    headers: { ...admin, 'content-type': 'text/plain' },
    payload: 'x'
  })
  t.equal(text.statusCode, 415)
  t.equal(text.json().status, 415)
  const badCsv = await app.inject({
    method: 'POST',
    url: '/v1/population-figures',
    headers: { ...admin, 'content-type': 'text/csv' },
    payload: 'a,b\n1,2,3\n'
  })
  t.equal(badCsv.statusCode, 400)
  t.match(badCsv.json().detail, /^The CSV body cannot be read/)
})

t.test('importing needs the admin scope', async t => {
  const payload = [{ municipality_code: '0114', reference_date: '2018-11-30', population: 1 }]
  const anonymous = await app.inject({ method: 'POST', url: '/v1/population-figures', payload })
  t.equal(anonymous.statusCode, 401)
  const reader = await app.inject({ method: 'POST', url: '/v1/population-figures', headers: bearer('read'), payload })
  t.equal(reader.statusCode, 403)
  t.equal(await figure('0114'), undefined)
})

t.test('a list longer than the import takes is refused unread, as JSON and as CSV; null rows are 400s', async t => {
  const tooMany = await app.inject({
    method: 'POST',
    url: '/v1/population-figures',
    headers: { ...admin, 'content-type': 'application/json' },
    payload: `[${Array(300_000).fill('{}').join(',')}]`
  })
  t.equal(tooMany.statusCode, 400)
  t.match(tooMany.json(), { errors: [{ pointer: '', detail: 'must NOT have more than 10000 items (has 300000)' }] })
  const csv = await app.inject({
    method: 'POST',
    url: '/v1/population-figures',
    headers: { ...admin, 'content-type': 'text/csv' },
    payload: `municipality_code\r\n${Array(10_001).fill('0114').join('\r\n')}`
  })
  t.equal(csv.statusCode, 400)
  t.match(csv.json(), { errors: [{ detail: 'must NOT have more than 10000 items (has more)' }] })
  for (const payload of ['null', '[null]']) {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/population-figures',
      headers: { ...admin, 'content-type': 'application/json' },
      payload
    })
    t.equal(response.statusCode, 400, `${payload} is a 400`)
  }
})

t.test('numbers in a CSV cell are plain decimals: Infinity, 1e309, hex and 400 digits are not numbers', async t => {
  for (const population of ['Infinity', '-Infinity', '1e309', '0x10', '9'.repeat(400), 'NaN', '1.0e3']) {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/population-figures',
      headers: { ...admin, 'content-type': 'text/csv' },
      payload: `municipality_code,reference_date,population\r\n0114,2018-11-30,"${population}"\r\n`
    })
    t.equal(response.statusCode, 400, `"${population}" is refused`)
    t.match(response.json().errors, [{ pointer: '/0/population', row: 1 }])
  }
  t.equal(await figure('0114'), undefined)
})

t.test(
  "a 30 November import of all 290 municipalities whose figures do not sum to Sweden's total that day is warned of",
  async t => {
    const yearEnd = await db
      .selectFrom('population_figures')
      .select(['municipality_code', 'population'])
      .where('reference_date', '=', '2018-12-31')
      .orderBy('municipality_code')
      .execute()
    const importOf = (rows: Array<{ municipality_code: string; population: number }>) =>
      app.inject({
        method: 'POST',
        url: '/v1/population-figures',
        headers: admin,
        payload: rows.map(row => ({ ...row, reference_date: '2018-11-30' }))
      })
    // Year-end figures labelled 30 November: 10,230,185, not that day's 10,225,481.
    const relabelled = await importOf(yearEnd)
    t.equal(relabelled.statusCode, 200)
    t.same(relabelled.json().warnings, [
      {
        reference_date: '2018-11-30',
        detail:
          "the 290 figures of 2018-11-30 sum to 10230185, not Sweden's total on that day, 10225481 (SCB): check that " +
          'the file holds that date'
      }
    ])
    const summingUp = yearEnd.map(row =>
      row.municipality_code === '0180' ? { ...row, population: row.population - 4704 } : row
    )
    t.same((await importOf(summingUp)).json().warnings, [], "figures that sum to Sweden's total raise no warning")
  }
)
