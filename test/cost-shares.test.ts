import { sql } from 'kysely'
import t from 'tap'
import * as apiKeys from '../src/db/api-keys.ts'
import { importNovember2019, SUBSTITUTES_ACCEPTED } from './fixtures.ts'
import { testApp } from './helpers.ts'

const context = await testApp(t)
const { app, db, bearer } = context
const get = (url: string) => app.inject({ method: 'GET', url, headers: bearer('read') })
const post = (url: string, payload: object, scope: Parameters<typeof bearer>[0] = 'finance:write') =>
  app.inject({ method: 'POST', url, headers: bearer(scope), payload })

const picture = await importNovember2019(context)
const periodIdOf = async (caseNumber: string) =>
  (await get(`/v1/recommendation-periods?case_number=${caseNumber}`)).json().items[0].id as number
const system = await periodIdOf('18/00295')
const support = await periodIdOf('16/02966')
// Seed 002: elderly care 40 %, disability services 30 % (one committee), individual and family care 30 % (another).
const tyresoAreas = [
  { area: 'Äldreomsorg', committee: 'Äldre- och omsorgsnämnden', percent: '40' },
  { area: 'Omsorg om personer med funktionsnedsättning', committee: 'Äldre- och omsorgsnämnden', percent: '30' },
  { area: 'Individ- och familjeomsorg', committee: 'Arbetsmarknads- och socialnämnden', percent: '30' }
]
type Share = {
  municipality_code: string
  amount: string
  exact_amount: string
  participating: boolean
  [field: string]: unknown
}
const shareOf = (body: { shares: Share[] }, code: string) => body.shares.find(s => s.municipality_code === code)!

t.test('seed: Tyresö owes 48,009 × 1.95 = 93,617.55 SEK for 2020, invoiced as 93,618', async t => {
  const response = await get(`/v1/recommendation-periods/${system}/cost-shares/2020`)
  t.equal(response.statusCode, 200)
  const body = response.json()
  t.match(shareOf(body, '0138'), {
    participating: true,
    population: 48009,
    population_date: '2018-11-30',
    weight: null,
    exact_amount: '93617.55',
    amount: '93618.00',
    invoice: null,
    difference: null
  })
  t.match(body, {
    cost_model: 'per_inhabitant',
    rate_per_inhabitant: '1.95',
    rounding_unit: 'krona',
    index_adjustment: '1',
    invoicing: null
  })
  t.equal(body.shares.length, 290)
})

t.test(
  "non-participants owe nothing, and the year's totals reconcile to the öre with SQL's own arithmetic",
  async t => {
    const body = (await get(`/v1/recommendation-periods/${system}/cost-shares/2020`)).json()
    for (const code of [...picture.decliners, ...picture.silent])
      t.match(shareOf(body, code), { participating: false, amount: '0.00', exact_amount: '0.00', decision_id: null })
    // PostgreSQL's numeric round() rounds halves away from zero, like the period: an independent computation of the
    // same total.
    const expected = await sql<{ collected: string; everyone: string }>`
    SELECT sum(round(f.population * 1.95)) FILTER (WHERE m.code = ANY(${picture.adopters}))::numeric(14, 2) AS collected,
           sum(round(f.population * 1.95))::numeric(14, 2) AS everyone
    FROM municipalities m
    CROSS JOIN LATERAL (SELECT population FROM population_figures WHERE municipality_code = m.code AND reference_date IN ('2018-11-30', '2018-12-31') ORDER BY reference_date LIMIT 1) f`.execute(
      db
    )
    t.match(body.totals, {
      budget: '19500000.00',
      collected: expected.rows[0]!.collected,
      if_all_participated: expected.rows[0]!.everyone,
      payer_count: 260,
      municipality_count: 290,
      missing_basis: []
    })
    const sumOf = (field: 'amount' | 'exact_amount') =>
      body.shares.reduce((sum: number, s: Share) => sum + Math.round(Number(s[field]) * 100), 0)
    t.equal(sumOf('amount'), Math.round(Number(body.totals.collected) * 100))
    t.equal(Math.round(Number(body.totals.gap_to_budget) * 100), 1_950_000_000 - sumOf('amount'))
  }
)

t.test("the summary gives every year's totals; the CSV has a row per municipality", async t => {
  const summary = (await get(`/v1/recommendation-periods/${system}/cost-shares`)).json()
  t.same(
    summary.years.map((y: { year: number; totals: { payer_count: number } }) => [y.year, y.totals.payer_count]),
    [
      [2020, 260],
      [2021, 260],
      [2022, 260],
      [2023, 260]
    ]
  )
  const csv = await get(`/v1/recommendation-periods/${system}/cost-shares/2020?format=csv`)
  t.equal(csv.headers['content-type'], 'text/csv; charset=utf-8')
  const lines = csv.body.trim().split('\r\n')
  t.equal(lines.length, 291)
  t.match(
    lines.find(l => l.startsWith('0138,')),
    /^0138,Tyresö,01,true,\d+,48009,2018-11-30,reference_date,,93617\.55,93618\.00,93617\.55,93618\.00,/
  )
  t.equal((await get(`/v1/recommendation-periods/${system}/cost-shares/2019`)).statusCode, 404)
})

t.test(
  "seed: Tyresö's 40/30/30 split gives its committees 65,533 and 28,085: together the invoiced 93,618",
  async t => {
    const recorded = await post(
      '/v1/municipalities/0138/cost-allocations',
      { period_id: system, areas: tyresoAreas },
      'allocations:write'
    )
    t.equal(recorded.statusCode, 201, recorded.body)
    t.match(recorded.json(), {
      municipality_code: '0138',
      period_id: system,
      version: 1,
      areas: [{ area: 'Äldreomsorg', percent: '40.00' }]
    })
    const body = (await get(`/v1/municipalities/0138/cost-shares?period_id=${system}`)).json()
    t.equal(body.items.length, 4)
    t.match(body.items[0], { year: 2020, amount: '93618.00', allocation: { version: 1, amount: '93618.00' } })
    t.same(
      body.items[0].allocation.areas.map((a: { amount: string }) => a.amount),
      ['37447.00', '28086.00', '28085.00']
    )
    t.same(body.items[0].allocation.committees, [
      { committee: 'Äldre- och omsorgsnämnden', percent: '70.00', amount: '65533.00' },
      { committee: 'Arbetsmarknads- och socialnämnden', percent: '30.00', amount: '28085.00' }
    ])
  }
)

t.test('a key issued to a municipality records its own allocation only', async t => {
  const tyresoKey = { authorization: `Bearer ${await apiKeys.create(db, 'tyreso', ['allocations:write'], '0138')}` }
  const record = (code: string) =>
    app.inject({
      method: 'POST',
      url: `/v1/municipalities/${code}/cost-allocations`,
      headers: tyresoKey,
      payload: { period_id: system, areas: tyresoAreas }
    })
  const other = await record('0114')
  t.equal(other.statusCode, 403)
  t.match(other.json().detail, /acts for municipality 0138 only/)
  t.equal((await record('0138')).statusCode, 201)
  t.equal(
    (await get('/v1/municipalities/0138/cost-allocations')).json().items[0].version,
    2,
    'a new version; the first is kept'
  )
})

t.test('a split that does not add up to 100 % is refused with every problem; the database refuses one too', async t => {
  const response = await post(
    '/v1/municipalities/0138/cost-allocations',
    {
      period_id: system,
      areas: [
        { area: 'A', percent: '60' },
        { area: 'A', percent: '30' }
      ]
    },
    'allocations:write'
  )
  t.equal(response.statusCode, 422)
  t.same(
    response.json().errors.map((e: { pointer: string }) => e.pointer),
    ['/areas', '/areas/1/area']
  )
  t.equal(
    (
      await post(
        '/v1/municipalities/0138/cost-allocations',
        { period_id: system, areas: [{ area: 'A', percent: '100' }] },
        'read'
      )
    ).statusCode,
    403
  )
  t.equal(
    (
      await post(
        '/v1/municipalities/9999/cost-allocations',
        { period_id: system, areas: [{ area: 'A', percent: '100' }] },
        'allocations:write'
      )
    ).statusCode,
    404
  )
  await t.rejects(
    db.transaction().execute(async trx => {
      const { id } = await trx
        .insertInto('cost_allocations')
        .values({ municipality_code: '0114', period_id: system, version: 1, recorded_by_api_key_id: 1 })
        .returning('id')
        .executeTakeFirstOrThrow()
      await trx
        .insertInto('cost_allocation_areas')
        .values({ allocation_id: id, position: 0, area: 'A', committee: null, percent: '99' })
        .execute()
    }),
    /do not add up to 100 %/
  )
})

t.test(
  'invoicing a year freezes its shares: an invoice per participant, never changed; a correction shows as a ' +
    'difference to settle',
  async t => {
    const locked = await post(`/v1/recommendation-periods/${system}/invoiced-years`, {
      year: 2020,
      invoice_date: '2020-02-15',
      substitute_population: SUBSTITUTES_ACCEPTED
    })
    t.equal(locked.statusCode, 201, locked.body)
    const before = (await get(`/v1/recommendation-periods/${system}/cost-shares/2020`)).json()
    t.match(locked.json(), {
      year: 2020,
      invoice_date: '2020-02-15',
      invoice_count: 260,
      invoiced: before.totals.collected
    })
    t.equal(locked.headers.location, `/v1/recommendation-periods/${system}/invoiced-years/2020`)
    t.match(shareOf(before, '0138'), {
      invoice: { reference: '18/00295-2020-0138', invoice_date: '2020-02-15', amount: '93618.00', paid_on: null },
      difference: '0.00',
      settlement: 'none'
    })
    t.match(before.invoicing, {
      invoice_count: 260,
      invoiced: before.totals.collected,
      paid: '0.00',
      difference_to_settle: '0.00'
    })

    t.equal(
      (
        await post(`/v1/recommendation-periods/${system}/invoiced-years`, {
          year: 2020,
          invoice_date: '2020-03-01',
          substitute_population: SUBSTITUTES_ACCEPTED
        })
      ).statusCode,
      409,
      'a year is invoiced once'
    )

    // SCB corrects Tyresö's figure: the invoice stays, the share moves, the difference is a debit.
    await post(
      '/v1/population-figures',
      [{ municipality_code: '0138', reference_date: '2018-11-30', population: 48100 }],
      'admin'
    )
    const after = (await get(`/v1/recommendation-periods/${system}/cost-shares/2020`)).json()
    t.match(shareOf(after, '0138'), {
      amount: '93795.00',
      invoice: { amount: '93618.00' },
      difference: '177.00',
      settlement: 'debit'
    })
    t.equal(after.invoicing.difference_to_settle, '177.00')
    t.equal(after.invoicing.invoiced, before.invoicing.invoiced)
    const tyreso2020 = (await get(`/v1/municipalities/0138/cost-shares?period_id=${system}`)).json().items[0]
    t.match(
      tyreso2020,
      {
        amount: '93795.00',
        allocation: { amount: '93618.00', committees: [{ amount: '65533.00' }, { amount: '28085.00' }] }
      },
      'the committees split the invoiced amount'
    )
    // A late-registered decline withdrawing an adopter's participation would be a credit: withdraw one adoption.
    const adopter = shareOf(after, picture.adopters[0]!)
    await post(
      `/v1/decisions/${adopter.decision_id}/withdrawal`,
      { reason: 'Registrerat på fel kommun' },
      'decisions:write'
    )
    const withdrawn = shareOf(
      (await get(`/v1/recommendation-periods/${system}/cost-shares/2020`)).json(),
      picture.adopters[0]!
    )
    t.match(withdrawn, {
      participating: false,
      amount: '0.00',
      settlement: 'credit',
      difference: `-${(adopter.invoice as { amount: string }).amount}`
    })

    const invoice = (await get('/v1/invoices?municipality_code=0138&year=2020')).json().items[0]
    t.match(invoice, {
      reference: '18/00295-2020-0138',
      amount: '93618.00',
      exact_amount: '93617.55',
      population: 48009,
      rate_per_inhabitant: '1.95',
      status: 'unpaid',
      payment: null
    })
    await t.rejects(
      sql`UPDATE invoices SET amount = 1 WHERE id = ${invoice.id}`.execute(db),
      /append-only/,
      'the database refuses to change an invoice'
    )
    await t.rejects(sql`DELETE FROM invoiced_years`.execute(db), /append-only/)
  }
)

t.test(
  'two finance systems invoicing the same year at once: one wins, the other gets 409, no invoice twice',
  async t => {
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        post(`/v1/recommendation-periods/${system}/invoiced-years`, {
          year: 2021,
          invoice_date: '2021-02-15',
          substitute_population: SUBSTITUTES_ACCEPTED
        })
      )
    )
    t.same(responses.map(r => r.statusCode).sort(), [201, ...Array(9).fill(409)])
    const count = await db
      .selectFrom('invoices')
      .select(eb => eb.fn.countAll<number>().as('n'))
      .where('period_id', '=', system)
      .where('year', '=', 2021)
      .executeTakeFirstOrThrow()
    const year = (await get(`/v1/recommendation-periods/${system}/cost-shares/2021`)).json()
    t.equal(Number(count.n), year.totals.payer_count)
    t.equal(year.totals.payer_count, 259, 'the adoption withdrawn above no longer takes part')
  }
)

t.test('a retried invoicing request with its Idempotency-Key replays the first answer instead of a 409', async t => {
  const send = () =>
    app.inject({
      method: 'POST',
      url: `/v1/recommendation-periods/${system}/invoiced-years`,
      headers: { ...bearer('finance:write'), 'idempotency-key': 'lock-2022' },
      payload: { year: 2022, invoice_date: '2022-02-15', substitute_population: SUBSTITUTES_ACCEPTED }
    })
  const first = await send()
  const retry = await send()
  t.equal(first.statusCode, 201)
  t.equal(retry.statusCode, 201)
  t.equal(retry.headers['idempotent-replayed'], 'true')
  t.equal(retry.body, first.body)
})

t.test('a year still open to join cannot be invoiced; nor a year outside the period', async t => {
  const created = await post(
    '/v1/recommendation-periods',
    {
      case_number: '26/00001',
      title: 'Framtida rekommendation',
      first_year: 2027,
      last_year: 2028,
      annual_budget: '20000000.00',
      cost_model: 'per_inhabitant',
      rate_per_inhabitant: '2',
      population_reference_date: '2025-11-30'
    },
    'admin'
  )
  t.equal(created.statusCode, 201, created.body)
  const open = await post(`/v1/recommendation-periods/${created.json().id}/invoiced-years`, {
    year: 2027,
    invoice_date: '2027-02-15',
    substitute_population: SUBSTITUTES_ACCEPTED
  })
  t.equal(open.statusCode, 422)
  t.match(open.json().errors, [{ pointer: '/year', detail: /may join for 2027 until 2026-12-31/ }])
  t.match(
    (
      await post(`/v1/recommendation-periods/${system}/invoiced-years`, {
        year: 2019,
        invoice_date: '2019-02-15',
        substitute_population: SUBSTITUTES_ACCEPTED
      })
    ).json(),
    { status: 422, errors: [{ detail: /not a financing year/ }] }
  )
  t.equal(
    (
      await post(
        `/v1/recommendation-periods/${system}/invoiced-years`,
        { year: 2022, invoice_date: '2022-02-15', substitute_population: SUBSTITUTES_ACCEPTED },
        'read'
      )
    ).statusCode,
    403
  )
})

t.test("marking an invoice paid: once, not before its date, and the year's paid and outstanding follow", async t => {
  const invoice = (await get('/v1/invoices?municipality_code=0138&year=2020')).json().items[0]
  const early = await post(`/v1/invoices/${invoice.id}/payment`, { paid_on: '2020-01-01' })
  t.equal(early.statusCode, 422)
  t.same(early.json().errors, [
    { pointer: '/paid_on', detail: `paid on 2020-01-01, before the invoice date ${invoice.invoice_date}` }
  ])
  const paid = await post(`/v1/invoices/${invoice.id}/payment`, {
    paid_on: '2020-03-16',
    payment_reference: 'BG 2020-03-16 0042'
  })
  t.equal(paid.statusCode, 201, paid.body)
  t.match(paid.json(), { status: 'paid', payment: { paid_on: '2020-03-16', payment_reference: 'BG 2020-03-16 0042' } })
  const twice = await post(`/v1/invoices/${invoice.id}/payment`, { paid_on: '2020-03-17' })
  t.equal(twice.statusCode, 409)
  t.equal(twice.json().detail, `Invoice ${invoice.reference} was marked paid on 2020-03-16 already.`)
  const year = (await get(`/v1/recommendation-periods/${system}/cost-shares/2020`)).json().invoicing
  t.equal(year.paid, '93618.00')
  t.equal(Math.round(Number(year.outstanding) * 100), Math.round((Number(year.invoiced) - 93618) * 100))
  t.equal((await get('/v1/invoices?status=paid')).json().total_items, 1)
  const csv = await get(`/v1/invoices?period_id=${system}&year=2020&limit=500&format=csv`)
  t.equal(csv.body.trim().split('\r\n').length, 261)
})

t.test(
  "seed: Tyresö's 16,200 SEK a year under 16/02966, with its 2.5 MSEK condition judged per year from the committed " +
    'total',
  async t => {
    // Weights like the membership fee: Tyresö 16,200 of 3,400,000; the other 289 share the rest about equally.
    const others = picture.codes.filter(c => c !== '0138')
    const weights = [
      { municipality_code: '0138', weight: '16200' },
      ...others.map((code, i) => ({ municipality_code: code, weight: i === 0 ? '11896' : '11708' }))
    ]
    t.equal(
      (await post(`/v1/recommendation-periods/${system}/cost-weights`, weights, 'admin')).statusCode,
      422,
      'a per-inhabitant period has no weights'
    )
    const written = await post(`/v1/recommendation-periods/${support}/cost-weights`, weights, 'admin')
    t.same(written.json(), { received: 290, written: 290 })
    t.equal((await get(`/v1/recommendation-periods/${support}/cost-weights`)).json().weight_sum, '3400000.00')

    const tyreso = await post(
      '/v1/decisions',
      {
        municipality_code: '0138',
        period_case_number: '16/02966',
        outcome: 'adopted',
        decided_on: '2016-10-26',
        decided_by: 'Socialnämnden',
        minute_paragraph: '§ 1087',
        received_on: '2016-11-02',
        minimum_total_commitment: '2500000',
        conditions:
          'Stödfunktionen finansieras med 16 200 kronor för år 2017 och 16 200 kronor för år 2018 under ' +
          'förutsättning att kommunerna gemensamt bidrar med minst 2,5 miljoner kronor.'
      },
      'decisions:write'
    )
    t.equal(tyreso.statusCode, 201)
    // 200 others join for 2017 (16,200 + 200 × 11,708 ≈ 2.36 MSEK: not met); 20 more join for 2018 (≈ 2.59 MSEK: met).
    const adopt = (code: string, receivedOn: string) => ({
      municipality_code: code,
      period_case_number: '16/02966',
      outcome: 'adopted',
      decided_on: receivedOn,
      decided_by: 'Kommunstyrelsen',
      received_on: receivedOn
    })
    const rows = [
      ...others.slice(1, 201).map(c => adopt(c, '2016-12-01')),
      ...others.slice(201, 221).map(c => adopt(c, '2017-06-01'))
    ]
    t.equal((await post('/v1/decision-imports', rows, 'decisions:write')).statusCode, 201)

    const body = (await get('/v1/municipalities/0138/cost-shares')).json()
    const supportYears = body.items.filter((i: { period_id: number }) => i.period_id === support)
    t.match(supportYears, [
      {
        year: 2017,
        weight: '16200',
        exact_amount: '16200.00',
        amount: '16200.00',
        condition: { minimum_total_commitment: '2500000.00', committed_total: '2357800.00', met: false }
      },
      { year: 2018, amount: '16200.00', condition: { committed_total: '2591960.00', met: true } }
    ])
    const year = (await get(`/v1/recommendation-periods/${support}/cost-shares/2017`)).json()
    t.match(year.totals, {
      budget: '3400000.00',
      collected: '2357800.00',
      if_all_participated: '3400000.00',
      payer_count: 201,
      missing_basis: []
    })
  }
)
