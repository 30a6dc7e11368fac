import t from 'tap'
import { loadReferenceData } from '../src/db/reference-data.ts'
import { testApp } from './helpers.ts'

const { app, db, bearer } = await testApp(t)
const admin = bearer('admin')

const get = (url: string) => app.inject({ method: 'GET', url, headers: bearer('read') })
const periodId = async (caseNumber: string) =>
  (await get(`/v1/recommendation-periods?case_number=${caseNumber}`)).json().items[0].id as number

const newPeriod = {
  case_number: '23/01234',
  title: 'Rekommendation om fortsatt gemensam finansiering',
  first_year: 2024,
  last_year: 2025,
  annual_budget: '20000000.00',
  cost_model: 'per_inhabitant',
  rate_per_inhabitant: '1.99',
  population_reference_date: '2022-11-30',
  years: [{ year: 2025, index_adjustment: '1.023' }],
  budget_lines: [{ kind: 'quality_registers', description: 'Kvalitetsregister', annual_amount: '8000000.00' }]
}

t.test('both periods of the seeds are shipped, with what the seeds say and unknowns left empty', async t => {
  const response = await get('/v1/recommendation-periods')
  t.equal(response.statusCode, 200)
  const [support, system] = response.json().items
  t.match(support, {
    case_number: '16/02966',
    board_decision_date: '2016-06-10',
    first_year: 2017,
    last_year: 2018,
    annual_budget: '3400000.00',
    cost_model: 'weighted_total',
    rate_per_inhabitant: null,
    population_reference_date: '2014-12-31',
    weight_basis: 'membership_fee',
    rounding_unit: 'ore',
    years: [
      { year: 2017, join_deadline: null, last_day_to_join: '2016-12-31', index_adjustment: '1' },
      { year: 2018, join_deadline: null }
    ],
    budget_lines: [{ kind: 'support_function', annual_amount: '3400000.00' }]
  })
  t.match(system, {
    case_number: '18/00295',
    board_decision_date: null,
    first_year: 2020,
    last_year: 2023,
    annual_budget: '19500000.00',
    cost_model: 'per_inhabitant',
    rate_per_inhabitant: '1.95',
    population_reference_date: '2018-11-30',
    rounding_unit: 'krona',
    rounding_mode: 'half_away_from_zero'
  })
  t.same(
    system.years.map((y: { year: number; join_deadline: string | null; last_day_to_join: string }) => [
      y.year,
      y.join_deadline,
      y.last_day_to_join
    ]),
    [
      [2020, '2019-12-15', '2019-12-15'],
      [2021, '2020-06-15', '2020-06-15'],
      [2022, null, '2021-12-31'],
      [2023, null, '2022-12-31']
    ]
  )
  t.same(
    system.budget_lines.map((l: { kind: string; annual_amount: string | null }) => [l.kind, l.annual_amount]),
    [
      ['coordination', null],
      ['quality_registers', null],
      ['user_surveys_and_follow_up', null]
    ],
    'the seeds do not say how the budget divides'
  )
})

t.test('an admin creates a period; its case number is unique', async t => {
  const created = await app.inject({
    method: 'POST',
    url: '/v1/recommendation-periods',
    headers: admin,
    payload: newPeriod
  })
  t.equal(created.statusCode, 201)
  const body = created.json()
  t.equal(created.headers.location, `/v1/recommendation-periods/${body.id}`)
  t.equal(created.headers.etag, `"period-${body.id}-v1"`)
  t.same(
    body.years.map((y: { year: number; index_adjustment: string }) => [y.year, y.index_adjustment]),
    [
      [2024, '1'],
      [2025, '1.023']
    ]
  )
  const again = await app.inject({
    method: 'POST',
    url: '/v1/recommendation-periods',
    headers: admin,
    payload: newPeriod
  })
  t.equal(again.statusCode, 409)
  t.match(again.json(), {
    type: '/problems/conflict',
    detail: 'A recommendation period with case number 23/01234 exists already.'
  })
  const reader = await app.inject({
    method: 'POST',
    url: '/v1/recommendation-periods',
    headers: bearer('read'),
    payload: { ...newPeriod, case_number: '23/09999' }
  })
  t.equal(reader.statusCode, 403)
})

t.test('a period that breaks its rules is a 422 listing every rule, and nothing is written', async t => {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/recommendation-periods',
    headers: admin,
    payload: {
      ...newPeriod,
      case_number: '23/05555',
      cost_model: 'weighted_total',
      years: [{ year: 2030 }],
      budget_lines: [{ kind: 'coordination', description: 'x', annual_amount: '20000000.01' }]
    }
  })
  t.equal(response.statusCode, 422)
  t.same(
    response.json().errors.map((e: { pointer: string }) => e.pointer),
    ['/rate_per_inhabitant', '/years/0/year', '/budget_lines']
  )
  t.equal((await get('/v1/recommendation-periods?case_number=23/05555')).json().total_items, 0)
})

t.test('an update needs the current ETag in If-Match', async t => {
  const id = await periodId('23/01234')
  const url = `/v1/recommendation-periods/${id}`
  const read = await get(url)
  t.equal(read.headers.etag, `"period-${id}-v1"`)
  const notModified = await app.inject({
    method: 'GET',
    url,
    headers: { ...bearer('read'), 'if-none-match': read.headers.etag }
  })
  t.equal(notModified.statusCode, 304)

  const changed = { ...newPeriod, annual_budget: '21000000.00' }
  const without = await app.inject({ method: 'PUT', url, headers: admin, payload: changed })
  t.equal(without.statusCode, 428)
  const stale = await app.inject({
    method: 'PUT',
    url,
    headers: { ...admin, 'if-match': '"period-1-v0"' },
    payload: changed
  })
  t.equal(stale.statusCode, 412)
  const updated = await app.inject({
    method: 'PUT',
    url,
    headers: { ...admin, 'if-match': read.headers.etag as string },
    payload: changed
  })
  t.equal(updated.statusCode, 200)
  t.equal(updated.headers.etag, `"period-${id}-v2"`)
  t.match(updated.json(), { annual_budget: '21000000.00', version: 2 })
  const lost = await app.inject({
    method: 'PUT',
    url,
    headers: { ...admin, 'if-match': read.headers.etag as string },
    payload: newPeriod
  })
  t.equal(lost.statusCode, 412, "the first writer's change is not overwritten unseen")
  t.equal((await get(url)).json().annual_budget, '21000000.00')
  const anyVersion = await app.inject({ method: 'PUT', url, headers: { ...admin, 'if-match': '*' }, payload: changed })
  t.equal(anyVersion.headers.etag, `"period-${id}-v3"`, 'If-Match: * accepts whatever version is current')
})

t.test('a period cannot lose a year in which municipalities take part', async t => {
  const id = await periodId('23/01234')
  const adopt = await app.inject({
    method: 'POST',
    url: '/v1/decisions',
    headers: bearer('decisions:write'),
    payload: {
      municipality_code: '0138',
      period_id: id,
      outcome: 'adopted',
      decided_on: '2024-03-01',
      decided_by: 'Kommunstyrelsen',
      received_on: '2024-03-05'
    }
  })
  t.equal(adopt.statusCode, 201)
  t.equal(adopt.json().first_year, 2025)
  const url = `/v1/recommendation-periods/${id}`
  const etag = (await get(url)).headers.etag as string
  const response = await app.inject({
    method: 'PUT',
    url,
    headers: { ...admin, 'if-match': etag },
    payload: { ...newPeriod, last_year: 2024, years: [] }
  })
  t.equal(response.statusCode, 422)
  t.equal(response.json().detail, 'Municipalities take part from 2025: those years must stay in the period.')
})

t.test("reloading the reference data never undoes an admin's change to a shipped period", async t => {
  const id = await periodId('18/00295')
  const url = `/v1/recommendation-periods/${id}`
  const shipped = (await get(url)).json()
  const { id: _id, version: _version, created_at: _created, updated_at: _updated, ...input } = shipped
  const years = shipped.years.map(
    ({
      year,
      index_adjustment,
      join_deadline
    }: {
      year: number
      index_adjustment: string
      join_deadline: string | null
    }) => ({ year, index_adjustment, join_deadline })
  )
  const budget_lines = shipped.budget_lines.map((line: { kind: string }) =>
    line.kind === 'quality_registers' ? { ...line, annual_amount: '9000000.00' } : line
  )
  const updated = await app.inject({
    method: 'PUT',
    url,
    headers: { ...admin, 'if-match': '*' },
    payload: { ...input, years, budget_lines }
  })
  t.equal(updated.statusCode, 200)
  t.same(await loadReferenceData(db), {
    counties: 0,
    municipalities: 0,
    populationFigures: 0,
    recommendationPeriods: 0,
    qualityRegisters: 0
  })
  t.match((await get(url)).json(), {
    version: 2,
    budget_lines: [{ kind: 'coordination' }, { kind: 'quality_registers', annual_amount: '9000000.00' }]
  })
})

t.test('an unknown period is a 404', async t => {
  const response = await get('/v1/recommendation-periods/999')
  t.equal(response.statusCode, 404)
  t.equal(response.json().detail, 'No recommendation period has id 999.')
})
