import t from 'tap'
import { todayInSweden } from '../src/clock.ts'
import { importNovember2019 } from './fixtures.ts'
import { testApp } from './helpers.ts'

const context = await testApp(t)
const { app, db, bearer } = context
const reader = bearer('read')
const get = (url: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'GET', url, headers: { ...reader, ...headers } })

const picture = await importNovember2019(context)
const periodId = (await get('/v1/recommendation-periods?case_number=18/00295')).json().items[0].id as number
const base = `/v1/recommendation-periods/${periodId}`

t.test('uptake in November 2019: 260 adopted, 21 declined, 9 without an answer, 89.7 % of municipalities', async t => {
  const response = await get(`${base}/uptake?as_of=2019-11-30`)
  t.equal(response.statusCode, 200)
  const body = response.json()
  t.same(body.municipalities, {
    total: 290,
    adopted: 260,
    declined: 21,
    no_answer: 9,
    adopted_percent: 89.7,
    declined_percent: 7.2,
    no_answer_percent: 3.1
  })
  t.equal(
    body.by_county.reduce(
      (sum: number, c: { municipalities: { adopted: number } }) => sum + c.municipalities.adopted,
      0
    ),
    260
  )
  t.match(body.by_county[0], {
    county_code: '01',
    county_name: 'Stockholms län',
    municipalities: { total: 26, adopted: 26 }
  })
})

t.test(
  "population shares use the period's reference date, else the figure closest in time, and say it is a substitute",
  async t => {
    const body = (await get(`${base}/uptake?as_of=2019-11-30`)).json()
    t.equal(body.population_date, '2018-11-30')
    t.same(body.population_figures_used, [
      { reference_date: '2018-12-31', municipalities: 289, substitute: true },
      { reference_date: '2018-11-30', municipalities: 1, substitute: false }
    ])
    // SCB's 2018 year-end total (one month after the rule's date, not 2017's, eleven months before it) with
    // Tyresö's 30 November 2018 figure in place of its own.
    t.equal(body.population.total, 10_230_185 - 48_004 + 48_009)
    const adopted = await db
      .selectFrom('population_figures')
      .select(eb => eb.fn.sum<string>('population').as('n'))
      .where(
        'municipality_code',
        'in',
        picture.adopters.filter(code => code !== '0138')
      )
      .where('reference_date', '=', '2018-12-31')
      .executeTakeFirstOrThrow()
    t.equal(body.population.adopted, Number(adopted.n) + 48_009)
    t.equal(body.population.adopted + body.population.declined + body.population.no_answer, body.population.total)
  }
)

t.test('uptake filtered by county counts that county only', async t => {
  const body = (await get(`${base}/uptake?as_of=2019-11-30&county=25`)).json()
  t.equal(body.by_county.length, 1)
  t.same(body.municipalities, body.by_county[0].municipalities)
})

t.test('uptake as CSV: one row for the country, then one per county', async t => {
  const response = await get(`${base}/uptake?as_of=2019-11-30`, { accept: 'text/csv' })
  t.match(response.headers['content-type'], /^text\/csv/)
  const lines = response.body.trim().split('\r\n')
  t.equal(lines.length, 1 + 1 + 21)
  t.match(lines[0], /^scope,county_code,county_name,municipalities_total,municipalities_adopted,/)
  t.match(lines[1], /^country,,,290,260,21,9,89\.7,7\.2,3\.1,/)
})

t.test('polling uptake with If-None-Match costs a 304 until a decision changes the picture', async t => {
  const url = `${base}/uptake?as_of=2019-12-31`
  const first = await get(url)
  const etag = first.headers.etag as string
  t.equal((await get(url, { 'if-none-match': etag })).statusCode, 304)
  const silent = picture.silent[0]!
  await app.inject({
    method: 'POST',
    url: '/v1/decisions',
    headers: bearer('decisions:write'),
    payload: {
      municipality_code: silent,
      period_id: periodId,
      outcome: 'adopted',
      decided_on: '2019-12-10',
      decided_by: 'Kommunstyrelsen',
      received_on: '2019-12-12'
    }
  })
  const changed = await get(url, { 'if-none-match': etag })
  t.equal(changed.statusCode, 200)
  t.equal(changed.json().municipalities.adopted, 261)
  t.equal(
    (await get(`${base}/uptake?as_of=2019-11-30`)).json().municipalities.adopted,
    260,
    'the November picture is unchanged'
  )
})

t.test('as_of defaults to today in Sweden', async t => {
  t.equal((await get(`${base}/uptake`)).json().as_of, todayInSweden())
})

t.test("participation lists every municipality's status and who takes part in each year", async t => {
  const body = (await get(`${base}/participation?as_of=2019-11-30`)).json()
  t.equal(body.municipalities.length, 290)
  t.match(
    body.municipalities.find((m: { code: string }) => m.code === '0138'),
    {
      name: 'Tyresö',
      status: 'adopted',
      first_year: 2020,
      received_on: '2019-05-02',
      participating_years: [2020, 2021, 2022, 2023]
    }
  )
  t.match(
    body.municipalities.find((m: { code: string }) => m.code === picture.decliners[0]),
    { status: 'declined', first_year: null, participating_years: [] }
  )
  t.match(
    body.municipalities.find((m: { code: string }) => m.code === picture.silent[1]),
    { status: 'no_answer', decision_id: null, participating_years: [] }
  )
  t.same(
    body.years.map((y: { year: number; participant_count: number }) => [y.year, y.participant_count]),
    [
      [2020, 260],
      [2021, 260],
      [2022, 260],
      [2023, 260]
    ]
  )
  const later = (await get(`${base}/participation?as_of=2020-12-31`)).json()
  t.same(
    later.years.map((y: { participant_count: number }) => y.participant_count),
    [261, 261, 261, 261],
    'the December adoption came before the 15 December deadline'
  )
  const csv = await get(`${base}/participation?as_of=2019-11-30&format=csv`)
  t.match(csv.body, /\r\n0138,Tyresö,01,adopted,2020,\d+,2019-05-02,2020 2021 2022 2023\r\n/)
})

t.test('the timeline shows cumulative uptake day by day up to the as-of date', async t => {
  const body = (await get(`${base}/uptake/timeline?as_of=2019-11-30`)).json()
  t.equal(body.municipality_count, 290)
  t.same(body.points.at(-1), { date: '2019-11-25', adopted: 260, declined: 21, no_answer: 9 })
  t.same(body.points[0], { date: '2019-03-01', adopted: 1, declined: 1, no_answer: 288 })
  const csv = await get(`${base}/uptake/timeline?as_of=2019-11-30&format=csv`)
  t.match(csv.body, /^date,adopted,declined,no_answer\r\n2019-03-01,1,1,288\r\n/)
})

t.test('an unknown period is a 404 and a bad as_of a 400', async t => {
  t.equal((await get('/v1/recommendation-periods/999/uptake')).statusCode, 404)
  t.match((await get(`${base}/uptake?as_of=2019-13-01`)).json(), { status: 400, errors: [{ parameter: 'as_of' }] })
})
