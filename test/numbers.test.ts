import t from 'tap'
import { testApp } from './helpers.ts'

// Ajv's own coercion read "Infinity", "1e309" and 400 digits as numbers and then skipped minimum and maximum for the
// infinite ones: a period ending in the year "Infinity" looped until the process died. Every number in a path, a
// query, a JSON body or a CSV cell is now finite and within its bounds, or the request is a 400 naming it.
const { app, bearer } = await testApp(t)
const EDGES = [
  'Infinity',
  '-Infinity',
  'NaN',
  '1e309',
  '9'.repeat(400),
  '-0',
  '0x7E4',
  ' 2020',
  '2020.0',
  '2e3',
  '+2020'
]

t.test('a path or query number that is not a plain decimal within bounds is a 400 naming the parameter', async t => {
  for (const edge of EDGES) {
    const year = await app.inject({
      url: `/v1/recommendation-periods/2/cost-shares/${encodeURIComponent(edge)}`,
      headers: bearer('read')
    })
    // Past 100 characters a path parameter is refused by the router itself, as too long.
    if (edge.length > 100) {
      t.equal(year.statusCode, 414, `year of ${edge.length} digits`)
    } else {
      t.equal(year.statusCode, 400, `year "${edge}"`)
      t.match(year.json().errors, [{ parameter: 'year' }])
    }
    const limit = await app.inject({
      url: `/v1/municipalities?limit=${encodeURIComponent(edge)}`,
      headers: bearer('read')
    })
    t.equal(limit.statusCode, 400, `limit "${edge}"`)
    t.match(limit.json().errors, [{ parameter: 'limit' }])
  }
  t.equal(
    (await app.inject({ url: '/v1/municipalities?limit=500', headers: bearer('read') })).statusCode,
    200,
    'a plain decimal within bounds is a number'
  )
})

t.test(
  "a JSON number or numeric string outside its field's type and bounds is a 400, never a loop or a 500",
  async t => {
    const period = {
      case_number: '26/01234',
      title: 'Prov',
      first_year: 2027,
      last_year: 2028,
      annual_budget: '1000.00',
      cost_model: 'weighted_total',
      rounding_unit: 'krona',
      rounding_mode: 'half_away_from_zero'
    }
    for (const last of [
      '"Infinity"',
      '"1e309"',
      '1e309',
      '1e400',
      '"2028"',
      '-0',
      '9007199254740993',
      '2101',
      'null'
    ]) {
      const response = await app.inject({
        method: 'POST',
        url: '/v1/recommendation-periods',
        headers: { ...bearer('admin'), 'content-type': 'application/json' },
        payload: JSON.stringify(period).replace('"last_year":2028', `"last_year":${last}`)
      })
      t.equal(response.statusCode, 400, `last_year ${last}`)
      t.match(response.json().errors, [{ pointer: '/last_year' }])
    }
  }
)
