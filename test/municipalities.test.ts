import t from 'tap'
import { isOrganisationNumber } from '../src/domain/organisation-numbers.ts'
import { testApp } from './helpers.ts'

const { app, bearer } = await testApp(t)
const read = bearer('read')

t.test('filtering by county lists exactly that county: Stockholms län has 26 municipalities', async t => {
  const response = await app.inject({ url: '/v1/municipalities?county=01&limit=100', headers: read })
  t.equal(response.statusCode, 200)
  const body = response.json()
  t.equal(body.total_items, 26)
  t.equal(body.items.length, 26)
  t.ok(body.items.every((m: { county_code: string }) => m.county_code === '01'))
  t.same(
    body.items.find((m: { code: string }) => m.code === '0138'),
    {
      code: '0138',
      name: 'Tyresö',
      county_code: '01',
      county_name: 'Stockholms län',
      organisation_number: '212000-0092'
    }
  )
})

t.test('every municipality has its organisation number, check digit valid: the buyer of its e-invoices', async t => {
  const response = await app.inject({ url: '/v1/municipalities?limit=500', headers: read })
  const items: Array<{ code: string; organisation_number: string | null }> = response.json().items
  t.equal(items.length, 290)
  t.ok(items.every(m => m.organisation_number !== null && isOrganisationNumber(m.organisation_number)))
  t.equal(new Set(items.map(m => m.organisation_number)).size, 290, 'no two share a number')
  // Independent sources (data/PROVENANCE.md): Stockholm, Göteborg, Malmö, Kungsbacka.
  const numberOf = new Map(items.map(m => [m.code, m.organisation_number]))
  t.same(
    ['0180', '1480', '1280', '1384'].map(code => numberOf.get(code)),
    ['212000-0142', '212000-1355', '212000-1124', '212000-1256']
  )
  const csv = await app.inject({ url: '/v1/municipalities?county=01&limit=100&format=csv', headers: read })
  t.match(csv.body, /\r\n0138,Tyresö,01,Stockholms län,212000-0092\r\n/)
})

t.test('the Luhn check digit of organisation numbers (SE-R-013)', async t => {
  t.ok(isOrganisationNumber('222000-0315'), "SKR's")
  t.ok(isOrganisationNumber('212000-0092'), "Tyresö's")
  t.notOk(isOrganisationNumber('212000-0093'), 'a wrong check digit')
  t.notOk(isOrganisationNumber('2120000092'), 'without the hyphen')
  t.notOk(isOrganisationNumber('212000-009'), 'nine digits')
})

t.test('a municipality is found by its 4-digit code, with its population figures', async t => {
  const response = await app.inject({ url: '/v1/municipalities/0138', headers: read })
  t.equal(response.statusCode, 200)
  const body = response.json()
  t.equal(body.name, 'Tyresö')
  t.same(
    body.population_figures.find((p: { reference_date: string }) => p.reference_date === '2018-12-31'),
    { reference_date: '2018-12-31', population: 48004 }
  )
  t.equal(body.population_figures.length, 8, 'year-end 2014–2019 and 2024, and 30 November 2018')
})

t.test('a code that is not 4 digits is a 400 problem naming the parameter', async t => {
  const response = await app.inject({ url: '/v1/municipalities/138', headers: read })
  t.equal(response.statusCode, 400)
  t.match(response.headers['content-type'], /^application\/problem\+json/)
  t.match(response.json(), {
    type: '/problems/validation-error',
    status: 400,
    instance: '/v1/municipalities/138',
    errors: [{ parameter: 'code' }]
  })
})

t.test('a well-formed code that no municipality has is a 404 problem', async t => {
  const response = await app.inject({ url: '/v1/municipalities/9999', headers: read })
  t.equal(response.statusCode, 404)
  t.match(response.json(), { type: '/problems/not-found', status: 404, detail: 'No municipality has code 9999.' })
})

t.test('name search ignores case and treats % and _ literally', async t => {
  const tyreso = await app.inject({ url: '/v1/municipalities?name=TYRE', headers: read })
  t.same(
    tyreso.json().items.map((m: { code: string }) => m.code),
    ['0138']
  )
  const wildcard = await app.inject({ url: '/v1/municipalities?name=%25', headers: read })
  t.equal(wildcard.json().total_items, 0)
})

t.test('pages are numbered from 1 and linked with RFC 8288 Link headers', async t => {
  const response = await app.inject({ url: '/v1/municipalities?county=01&limit=10&page=2', headers: read })
  const body = response.json()
  t.same([body.page, body.limit, body.total_items, body.total_pages, body.items.length], [2, 10, 26, 3, 10])
  t.equal(body.items[0].code, '0138') // the 11th of Stockholms län in code order (data/municipalities.csv)
  t.equal(
    response.headers.link,
    '</v1/municipalities?county=01&limit=10&page=1>; rel="first", </v1/municipalities?county=01&limit=10&page=1>; ' +
      'rel="prev", ' +
      '</v1/municipalities?county=01&limit=10&page=3>; rel="next", </v1/municipalities?county=01&limit=10&page=3>; ' +
      'rel="last"'
  )
  const all = await app.inject({ url: '/v1/municipalities?limit=500', headers: read })
  t.equal(all.json().items.length, 290)
})

t.test('every bad query parameter is reported at once; unknown parameters are rejected', async t => {
  const response = await app.inject({ url: '/v1/municipalities?limit=501&page=0&county=1&sort=name', headers: read })
  t.equal(response.statusCode, 400)
  const parameters = response
    .json()
    .errors.map((e: { parameter: string }) => e.parameter)
    .sort()
  t.same(parameters, ['county', 'limit', 'page', 'sort'])
})

t.test('lists answer text/csv by Accept header or by format=csv', async t => {
  const byAccept = await app.inject({
    url: '/v1/municipalities?county=01&limit=2',
    headers: { ...read, accept: 'text/csv' }
  })
  t.equal(byAccept.headers['content-type'], 'text/csv; charset=utf-8')
  t.equal(
    byAccept.body,
    'code,name,county_code,county_name,organisation_number\r\n0114,Upplands Väsby,01,Stockholms län,212000-0019\r\n' +
      '0115,Vallentuna,01,Stockholms län,212000-0027\r\n'
  )
  const byFormat = await app.inject({
    url: '/v1/municipalities?county=01&limit=2&format=csv',
    headers: { ...read, accept: 'application/json' }
  })
  t.equal(byFormat.body, byAccept.body)
  const jsonPreferred = await app.inject({
    url: '/v1/municipalities?limit=1',
    headers: { ...read, accept: 'text/csv;q=0.5, application/json' }
  })
  t.match(jsonPreferred.headers['content-type'], /^application\/json/)
})

t.test('population figures answer JSON and CSV', async t => {
  const json = await app.inject({ url: '/v1/municipalities/0138/population', headers: read })
  t.same(json.json().items[0], { reference_date: '2014-12-31', population: 45390 })
  const csv = await app.inject({ url: '/v1/municipalities/0138/population?format=csv', headers: read })
  t.equal(csv.body.split('\r\n')[0], 'municipality_code,reference_date,population')
  t.equal(csv.body.split('\r\n')[6], '0138,2018-12-31,48004')
  const missing = await app.inject({ url: '/v1/municipalities/9999/population', headers: read })
  t.equal(missing.statusCode, 404)
})

t.test('a repeated read with the ETag gets 304 and no body; a changed representation does not', async t => {
  const first = await app.inject({ url: '/v1/municipalities?county=01', headers: read })
  const etag = first.headers.etag as string
  t.match(etag, /^"[\w-]+"$/)
  const second = await app.inject({ url: '/v1/municipalities?county=01', headers: { ...read, 'if-none-match': etag } })
  t.equal(second.statusCode, 304)
  t.equal(second.body, '')
  const listed = await app.inject({
    url: '/v1/municipalities?county=01',
    headers: { ...read, 'if-none-match': `"other", W/${etag}` }
  })
  t.equal(listed.statusCode, 304, 'weak comparison inside a list of tags')
  const csv = await app.inject({
    url: '/v1/municipalities?county=01&format=csv',
    headers: { ...read, 'if-none-match': etag }
  })
  t.equal(csv.statusCode, 200, 'the CSV form has its own ETag')
  t.not(csv.headers.etag, etag)
})
