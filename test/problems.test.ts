import t from 'tap'
import { injectOutsideTheContract } from './contract.ts'
import { testApp } from './helpers.ts'

const { app, bearer } = await testApp(t)
// A route that fails the way a bug or a lost database would, to see what leaves the service.
app.get('/v1/test-failure', async () => {
  throw new Error('connection to 10.0.0.7 refused; password=secret')
})

t.test('an unknown route is a problem 404', async t => {
  const response = await injectOutsideTheContract(app, { url: '/v1/no-such-resource?x=1' })
  t.equal(response.statusCode, 404)
  t.match(response.headers['content-type'], /^application\/problem\+json/)
  t.same(Object.keys(response.json()).sort(), ['detail', 'instance', 'request_id', 'status', 'title', 'type'])
  t.match(response.json(), {
    status: 404,
    instance: '/v1/no-such-resource?x=1',
    detail: 'No resource at GET /v1/no-such-resource'
  })
})

t.test('a 5xx says nothing of the internals but gives a request id to quote', async t => {
  const response = await injectOutsideTheContract(app, {
    url: '/v1/test-failure',
    headers: { 'x-request-id': 'trace-42' }
  })
  t.equal(response.statusCode, 500)
  t.same(response.json(), {
    type: '/problems/internal-error',
    title: 'Internal error',
    status: 500,
    detail: 'An unexpected error occurred. Quote the request id to support.',
    instance: '/v1/test-failure',
    request_id: 'trace-42'
  })
  t.notMatch(response.body, /10\.0\.0\.7|secret|Error/)
  t.equal(response.headers['x-request-id'], 'trace-42')
})

t.test('a body that is not JSON is a 400 problem', async t => {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/population-figures',
    headers: { ...bearer('admin'), 'content-type': 'application/json' },
    payload: '{'
  })
  t.equal(response.statusCode, 400)
  t.match(response.json(), { type: '/problems/validation-error', status: 400 })
})

t.test('an oversized body is a 413 problem', async t => {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/population-figures',
    headers: { ...bearer('admin'), 'content-type': 'text/csv' },
    payload: `municipality_code,reference_date,population\n${'0114,2018-11-30,1\n'.repeat(70_000)}`
  })
  t.equal(response.statusCode, 413)
  t.equal(response.json().status, 413)
})

t.test('problems in every part of a request are listed together: path, query, headers and body', async t => {
  const read = await app.inject({
    url: '/v1/recommendation-periods/0/uptake?as_of=2019-13-01&county=1',
    headers: bearer('read')
  })
  t.same(read.json().errors, [
    { parameter: 'id', detail: 'must be >= 1' },
    { parameter: 'as_of', detail: 'must match format "date"' },
    { parameter: 'county', detail: 'must match pattern "^[0-9]{2}$"' }
  ])
  const response = await app.inject({
    method: 'POST',
    url: '/v1/decisions/0/withdrawal',
    headers: { ...bearer('decisions:write'), 'idempotency-key': ' ' },
    payload: { reason: '' }
  })
  t.equal(response.statusCode, 400)
  const body = response.json()
  t.same(body.errors, [
    { parameter: 'id', detail: 'must be >= 1' },
    { parameter: 'idempotency-key', detail: 'must match pattern "^[\\x21-\\x7E]{1,255}$"' },
    { pointer: '/reason', detail: 'must NOT have fewer than 1 characters' }
  ])
  t.equal(
    body.detail,
    '3 field(s) failed validation: id must be >= 1; idempotency-key must match pattern "^[\\x21-\\x7E]{1,255}$"; ' +
      '/reason must NOT have fewer than 1 characters'
  )
})

t.test(
  'free text with control characters (NUL, which PostgreSQL cannot store) is a 400 naming each field, not a 500',
  async t => {
    const response = await app.inject({
      method: 'PUT',
      url: '/v1/quality-registers/senior-alert',
      headers: { ...bearer('admin'), 'if-match': '*' },
      payload: {
        name: 'Senior\u0000alert',
        short_name: 'Senior alert',
        organisation: 'Region\u0007Jönköping',
        notes: 'Tab\tand\nline breaks are fine'
      }
    })
    t.equal(response.statusCode, 400)
    t.same(
      response
        .json()
        .errors.map((e: { pointer: string }) => e.pointer)
        .sort(),
      ['/name', '/organisation']
    )
  }
)

t.test(
  'a body nested deeper than any this API takes is refused unread with a 400, however deep (no stack overflow, no 500)',
  async t => {
    for (const depth of [33, 10_000, 100_000]) {
      const response = await app.inject({
        method: 'POST',
        url: '/v1/population-figures',
        headers: { ...bearer('admin'), 'content-type': 'application/json' },
        payload: '['.repeat(depth) + ']'.repeat(depth)
      })
      t.equal(response.statusCode, 400, `${depth} levels`)
      t.match(response.json().detail, 'more than 32 levels deep')
    }
    const shallow = await app.inject({
      method: 'POST',
      url: '/v1/population-figures',
      headers: { ...bearer('admin'), 'content-type': 'application/json' },
      payload: '[{"note": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}]'
    })
    t.notMatch(shallow.json().detail, 'levels deep', 'brackets inside strings do not count')
  }
)

t.test('a JSON object with more than 1000 fields is refused before it is parsed or validated', async t => {
  const fields = Array.from({ length: 300_000 }, (_, i) => `"f${i}":1`).join(',')
  const response = await app.inject({
    method: 'POST',
    url: '/v1/decision-imports',
    headers: { ...bearer('decisions:write'), 'content-type': 'application/json' },
    payload: `[{${fields}}]`
  })
  t.equal(response.statusCode, 400)
  t.match(response.json(), { detail: 'An object in the body has more than 1000 fields.' })
})
