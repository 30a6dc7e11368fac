import fc from 'fast-check'
import t from 'tap'
import { closestFigure } from '../src/domain/population-figures.ts'
import { municipalitiesAt } from '../src/queries/uptake.ts'
import { SUBSTITUTES_ACCEPTED } from './fixtures.ts'
import { testApp } from './helpers.ts'

// The seeds' own figures on a fresh start, with no imports: what a newcomer sees after `npm start`.
const { app, db, bearer } = await testApp(t)
const get = (url: string) => app.inject({ method: 'GET', url, headers: bearer('read') })
const post = (url: string, payload: object, scope: Parameters<typeof bearer>[0]) =>
  app.inject({ method: 'POST', url, headers: bearer(scope), payload })
const periodIdOf = async (caseNumber: string) =>
  (await get(`/v1/recommendation-periods?case_number=${caseNumber}`)).json().items[0].id as number
const system = await periodIdOf('18/00295')
const support = await periodIdOf('16/02966')

interface Share {
  municipality_code: string
  population: number | null
  population_date: string | null
  population_basis: string | null
  weight: string | null
  share_exact_amount: string | null
  share_amount: string | null
}
const shareOf = (body: { shares: Share[] }, code: string) => body.shares.find(s => s.municipality_code === code)!
const ore = (amount: string) => BigInt(amount.replace('.', ''))

t.test(
  "seed 002: Tyresö's 2020 share is 48,009 × 1.95 = 93,617.55 on the rule's date; every other share says it uses " +
    '31 December 2018 instead',
  async t => {
    const body = (await get(`/v1/recommendation-periods/${system}/cost-shares/2020`)).json()
    t.match(shareOf(body, '0138'), {
      population: 48009,
      population_date: '2018-11-30',
      population_basis: 'reference_date',
      share_exact_amount: '93617.55',
      share_amount: '93618.00'
    })
    const others = body.shares.filter((s: Share) => s.municipality_code !== '0138')
    t.equal(others.length, 289)
    t.same(
      [...new Set(others.map((s: Share) => `${s.population_date} ${s.population_basis}`))],
      ['2018-12-31 substitute'],
      'the closest figure in time (one month after), not 31 December 2017 (eleven months before)'
    )
    t.same(body.totals.population_date, '2018-11-30')
    t.same(body.totals.population_figures_used, [
      { reference_date: '2018-12-31', municipalities: 289, substitute: true },
      { reference_date: '2018-11-30', municipalities: 1, substitute: false }
    ])
    const csv = await app.inject({
      url: `/v1/recommendation-periods/${system}/cost-shares/2020?format=csv`,
      headers: bearer('read')
    })
    const [header, ...rows] = csv.body.trim().split('\r\n')
    const column = (name: string) => header!.split(',').indexOf(name)
    const tyreso = rows.find(r => r.startsWith('0138,'))!.split(',')
    t.equal(tyreso[column('population_basis')], 'reference_date')
    t.equal(tyreso[column('share_amount')], '93618.00')
    t.equal(rows.find(r => r.startsWith('0180,'))!.split(',')[column('population_basis')], 'substitute')
    const summary = await app.inject({
      url: `/v1/recommendation-periods/${system}/cost-shares?format=csv`,
      headers: bearer('read')
    })
    const [summaryHeader, first] = summary.body.trim().split('\r\n')
    const summaryColumn = (name: string) => summaryHeader!.split(',').indexOf(name)
    t.equal(first!.split(',')[summaryColumn('population_substitutes')], '289')
    t.equal(first!.split(',')[summaryColumn('population_substitute_dates')], '2018-12-31')
  }
)

t.test(
  "16/02966 is split by the membership fee's principle (population of 31 December 2014, × 0.9 above 200,000): " +
    'Tyresö pays 16,160.65 of 3,400,000.00, and the shares sum to the budget exactly',
  async t => {
    t.match((await get(`/v1/recommendation-periods/${support}`)).json(), {
      weight_basis: 'membership_fee',
      population_reference_date: '2014-12-31',
      rounding_unit: 'ore'
    })
    for (const year of [2017, 2018]) {
      const body = (await get(`/v1/recommendation-periods/${support}/cost-shares/${year}`)).json()
      t.match(shareOf(body, '0138'), {
        population: 45390,
        population_date: '2014-12-31',
        population_basis: 'reference_date',
        weight: '45390',
        share_exact_amount: /^16160\.6456/,
        share_amount: '16160.65'
      })
      // Stockholm (0180) had 911,989 inhabitants on 31 December 2014: above 200,000, so 10 % off.
      t.match(shareOf(body, '0180'), { population: 911989, weight: '820790.10' })
      t.equal(
        body.shares.reduce((sum: bigint, s: Share) => sum + ore(s.share_amount!), 0n),
        340_000_000n,
        `${year}: the shares sum to 3,400,000.00`
      )
      t.match(body.totals, { budget: '3400000.00', if_all_participated: '3400000.00', missing_basis: [] })
    }
  }
)

t.test(
  "Tyresö's 2016 condition (at least 2,500,000 SEK jointly) is judged against the year's collected total",
  async t => {
    const adopt = (code: string, extra: object = {}) => ({
      municipality_code: code,
      period_case_number: '16/02966',
      outcome: 'adopted',
      decided_on: '2016-10-26',
      decided_by: 'Kommunstyrelsen',
      received_on: '2016-11-02',
      ...extra
    })
    const tyreso = await post(
      '/v1/decisions',
      adopt('0138', { decided_by: 'Socialnämnden', minimum_total_commitment: '2500000' }),
      'decisions:write'
    )
    t.equal(tyreso.statusCode, 201, tyreso.body)
    const conditionOf = async () =>
      shareOf((await get(`/v1/recommendation-periods/${support}/cost-shares/2017`)).json(), '0138') as Share & {
        condition: { committed_total: string; met: boolean }
      }
    t.match((await conditionOf()).condition, { committed_total: '16160.65', met: false })
    // Every other municipality joins too: together they owe the whole 3,400,000.00.
    const codes = (await db.selectFrom('municipalities').select('code').where('code', '<>', '0138').execute()).map(
      m => m.code
    )
    const imported = await post(
      '/v1/decision-imports',
      codes.map(code => adopt(code)),
      'decisions:write'
    )
    t.equal(imported.statusCode, 201, imported.body)
    const { condition } = await conditionOf()
    t.equal(condition.committed_total, '3400000.00')
    t.equal(condition.met, true)

    // Invoiced, each membership-fee invoice records the population its weight was computed from.
    const invoiced = await post(
      `/v1/recommendation-periods/${support}/invoiced-years`,
      { year: 2017, invoice_date: '2017-02-15' },
      'finance:write'
    )
    t.equal(invoiced.statusCode, 201, invoiced.body)
    t.match(invoiced.json(), { invoice_count: 290, invoiced: '3400000.00', substitute_population: null })
    const [tyresoInvoice] = (await get(`/v1/invoices?period_id=${support}&year=2017&municipality_code=0138`)).json()
      .items
    t.match(tyresoInvoice, {
      amount: '16160.65',
      weight: '45390',
      population: 45390,
      population_date: '2014-12-31',
      population_basis: 'reference_date',
      rate_per_inhabitant: null
    })
  }
)

t.test('an update of a period that leaves weight_basis out keeps the membership-fee weights', async t => {
  const read = await get(`/v1/recommendation-periods/${support}`)
  const { id: _, version: _v, created_at: _c, updated_at: _u, weight_basis: _w, years, ...fields } = read.json()
  const updated = await app.inject({
    method: 'PUT',
    url: `/v1/recommendation-periods/${support}`,
    headers: { ...bearer('admin'), 'if-match': read.headers.etag as string },
    payload: {
      ...fields,
      notes: 'Updated by a client that predates weight_basis.',
      years: years.map((y: { year: number; join_deadline: string | null; index_adjustment: string }) => ({
        year: y.year,
        join_deadline: y.join_deadline,
        index_adjustment: y.index_adjustment
      }))
    }
  })
  t.equal(updated.statusCode, 200, updated.body)
  t.match(updated.json(), { weight_basis: 'membership_fee', version: read.json().version + 1 })
})

t.test('imported weights replace the membership-fee weights only as a whole, and the period then says so', async t => {
  const before = (await get(`/v1/recommendation-periods/${support}`)).json()
  const importWeights = (csv: string) =>
    app.inject({
      method: 'POST',
      url: `/v1/recommendation-periods/${support}/cost-weights`,
      headers: { ...bearer('admin'), 'content-type': 'text/csv' },
      payload: `municipality_code,weight\r\n${csv}`
    })
  const partial = await importWeights('0138,1\r\n0180,3\r\n')
  t.equal(partial.statusCode, 422)
  t.match(partial.json().errors, [{ pointer: '', detail: /^288 municipalities have no weight in it \(0114, / }])
  t.same((await get(`/v1/recommendation-periods/${support}`)).json(), before, 'nothing was written')

  const codes = (await db.selectFrom('municipalities').select('code').orderBy('code').execute()).map(m => m.code)
  const whole = await importWeights(codes.map(code => `${code},${code === '0138' ? 2 : 1}\r\n`).join(''))
  t.equal(whole.statusCode, 200, whole.body)
  t.match((await get(`/v1/recommendation-periods/${support}`)).json(), {
    weight_basis: 'imported',
    version: before.version + 1
  })
  const body = (await get(`/v1/recommendation-periods/${support}/cost-shares/2018`)).json()
  // 2 of 291 weight units of 3,400,000.
  t.match(shareOf(body, '0138'), {
    weight: '2',
    share_exact_amount: /^23367\.6975/,
    population: null,
    population_basis: null
  })
  t.same(body.totals.population_figures_used, [], 'imported weights rest on no population figure')
})

t.test(
  "invoicing a year on substitute figures needs finance's explicit decision, which the invoiced year records",
  async t => {
    const adoptFor2020 = (code: string) => ({
      municipality_code: code,
      period_case_number: '18/00295',
      outcome: 'adopted',
      decided_on: '2019-03-12',
      decided_by: 'Kommunstyrelsen',
      received_on: '2019-03-20'
    })
    for (const code of ['0138', '0180'])
      t.equal((await post('/v1/decisions', adoptFor2020(code), 'decisions:write')).statusCode, 201)
    const refused = await post(
      `/v1/recommendation-periods/${system}/invoiced-years`,
      { year: 2020, invoice_date: '2020-02-15' },
      'finance:write'
    )
    t.equal(refused.statusCode, 422)
    t.match(refused.json().errors, [
      { pointer: '/substitute_population', detail: /^1 share rests on a substitute population figure.*\(0180\)/ }
    ])
    t.equal((await get(`/v1/recommendation-periods/${system}/invoiced-years`)).json().items.length, 0)

    const invoiced = await post(
      `/v1/recommendation-periods/${system}/invoiced-years`,
      { year: 2020, invoice_date: '2020-02-15', substitute_population: SUBSTITUTES_ACCEPTED },
      'finance:write'
    )
    t.equal(invoiced.statusCode, 201, invoiced.body)
    t.match(invoiced.json(), { invoice_count: 2, substitute_population: SUBSTITUTES_ACCEPTED })
    const invoices = (await get(`/v1/invoices?period_id=${system}&year=2020`)).json().items
    t.match(
      invoices.map((i: { municipality_code: string }) => i),
      [
        {
          municipality_code: '0138',
          population_date: '2018-11-30',
          population_basis: 'reference_date',
          amount: '93618.00'
        },
        { municipality_code: '0180', population_date: '2018-12-31', population_basis: 'substitute' }
      ]
    )
  }
)

t.test('the figure closest in time stands in, the earlier of two as close', async t => {
  const figures = ['2017-12-31', '2018-12-01', '2018-12-29'].map(reference_date => ({ reference_date }))
  t.equal(closestFigure(figures, '2018-11-30')?.reference_date, '2018-12-01')
  t.equal(closestFigure(figures, '2018-12-15')?.reference_date, '2018-12-01', '14 days either side: the earlier')
  t.equal(closestFigure(figures, '2018-12-29')?.reference_date, '2018-12-29', "the rule's own date first")
  t.equal(closestFigure([], '2018-11-30'), undefined)
})

t.test('the SQL picks the figure the domain rule picks: the closest in time, the earlier of two as close', async t => {
  const day = fc
    .integer({ min: 0, max: 3000 })
    .map(n => new Date(Date.UTC(2015, 0, 1) + n * 86_400_000).toISOString().slice(0, 10))
  await fc.assert(
    fc.asyncProperty(fc.uniqueArray(day, { minLength: 1, maxLength: 6 }), day, async (dates, asked) => {
      await db.deleteFrom('population_figures').where('municipality_code', '=', '0114').execute()
      const figures = dates.map((reference_date, i) => ({ reference_date, population: 1000 + i }))
      await db
        .insertInto('population_figures')
        .values(figures.map(f => ({ ...f, municipality_code: '0114', updated_by_api_key_id: null })))
        .execute()
      const {
        municipalities: [upplandsVasby]
      } = await municipalitiesAt(db, asked, '01')
      t.equal(upplandsVasby!.population_date, closestFigure(figures, asked)!.reference_date, `${asked} of ${dates}`)
    }),
    {
      numRuns: 25,
      examples: [
        [['2018-12-01', '2018-12-29'], '2018-12-15'],
        [['2017-12-31', '2018-12-31'], '2018-11-30']
      ]
    }
  )
})
