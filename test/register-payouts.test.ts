import { sql } from 'kysely'
import t from 'tap'
import { todayInSweden } from '../src/clock.ts'
import { importNovember2019, SUBSTITUTES_ACCEPTED } from './fixtures.ts'
import { testApp } from './helpers.ts'

const context = await testApp(t)
const { app, db, bearer } = context
const get = (url: string) => app.inject({ method: 'GET', url, headers: bearer('read') })
const post = (url: string, payload: object, key?: string) =>
  app.inject({
    method: 'POST',
    url,
    headers: { ...bearer('finance:write'), ...(key !== undefined && { 'idempotency-key': key }) },
    payload
  })
const ore = (sek: string) => BigInt(sek.replace('.', ''))

await importNovember2019(context)
const period = (await get('/v1/recommendation-periods?case_number=18/00295')).json().items[0]
const system = period.id as number

// The seeds do not say how much of the 19.5 MSEK goes to the registers: these tests give the line half of it.
const periodInput = {
  ...Object.fromEntries(
    [
      'case_number',
      'title',
      'board_decision_date',
      'first_year',
      'last_year',
      'annual_budget',
      'cost_model',
      'rate_per_inhabitant',
      'population_reference_date',
      'rounding_unit',
      'rounding_mode',
      'notes'
    ].map(field => [field, period[field]])
  ),
  years: period.years.map(({ year, index_adjustment, join_deadline }: Record<string, unknown>) => ({
    year,
    index_adjustment,
    join_deadline
  })),
  budget_lines: period.budget_lines.map((line: { kind: string }) =>
    line.kind === 'quality_registers' ? { ...line, annual_amount: '9750000.00' } : line
  )
}
const periodEtag = (await get(`/v1/recommendation-periods/${system}`)).headers.etag as string
const lineSet = await app.inject({
  method: 'PUT',
  url: `/v1/recommendation-periods/${system}`,
  headers: { ...bearer('admin'), 'if-match': periodEtag },
  payload: periodInput
})
if (lineSet.statusCode !== 200) throw new Error(lineSet.body)

// Payee details for every register but SveDem, which is left without them.
for (const code of ['senior-alert', 'bpsd', 'svenska-palliativregistret', 'rikssar']) {
  const register = await get(`/v1/quality-registers/${code}`)
  const { name, short_name } = register.json()
  const updated = await app.inject({
    method: 'PUT',
    url: `/v1/quality-registers/${code}`,
    headers: { ...bearer('admin'), 'if-match': register.headers.etag as string },
    payload: {
      name,
      short_name,
      payee: {
        name: `Region för ${short_name}`,
        organisation_number: '232100-0057',
        bankgiro: '5050-1055',
        plusgiro: null
      }
    }
  })
  if (updated.statusCode !== 200) throw new Error(updated.body)
}

const invoiced = await post(`/v1/recommendation-periods/${system}/invoiced-years`, {
  year: 2020,
  invoice_date: '2020-02-15',
  substitute_population: SUBSTITUTES_ACCEPTED
})
if (invoiced.statusCode !== 201) throw new Error(invoiced.body)

const byPercent = [
  { register_code: 'senior-alert', percent: '30' },
  { register_code: 'bpsd', percent: '20' },
  { register_code: 'svenska-palliativregistret', percent: '20' },
  { register_code: 'rikssar', percent: '15' },
  { register_code: 'svedem', percent: '15' }
]
type Allocation = { register_code: string; amount: string }
const amountOf = (plan: { registers: Allocation[] }, code: string) =>
  plan.registers.find(r => r.register_code === code)!.amount
const sumOf = (amounts: string[]) => amounts.reduce((sum, a) => sum + ore(a), 0n)
const payoutCount = async () =>
  Number((await sql<{ n: string }>`SELECT count(*) AS n FROM register_payouts`.execute(db)).rows[0]!.n)

t.test("allocations by percent add up exactly to the year's register line", async t => {
  const recorded = await post(`/v1/recommendation-periods/${system}/register-allocations`, {
    year: 2021,
    basis: 'share_of_line',
    scaled_to_collected: false,
    registers: byPercent
  })
  t.equal(recorded.statusCode, 201, recorded.body)
  const plan = recorded.json()
  t.match(plan, {
    year: 2021,
    version: 1,
    basis: 'share_of_line',
    scaled_to_collected: false,
    line_amount: '9750000.00',
    budget: '19500000.00',
    collected: null,
    total: '9750000.00'
  })
  t.same(
    byPercent.map(r => amountOf(plan, r.register_code)),
    ['2925000.00', '1950000.00', '1950000.00', '1462500.00', '1462500.00']
  )
  t.equal(sumOf(plan.registers.map((r: Allocation) => r.amount)), ore(plan.line_amount))
  t.equal(recorded.headers.location, `/v1/recommendation-periods/${system}/register-allocations/2021`)
})

t.test('scaled to collected, the allocations shrink by invoiced ÷ budget and add up to that pot', async t => {
  const recorded = await post(`/v1/recommendation-periods/${system}/register-allocations`, {
    year: 2020,
    basis: 'share_of_line',
    scaled_to_collected: true,
    registers: byPercent
  })
  t.equal(recorded.statusCode, 201, recorded.body)
  const plan = recorded.json()
  const invoicedTotal = (await get(`/v1/recommendation-periods/${system}/invoiced-years/2020`)).json()
    .invoiced as string
  // PostgreSQL's own arithmetic, rounding halves away from zero as the period does.
  const pot = (
    await sql<{
      pot: string
    }>`SELECT round(9750000.00 * ${invoicedTotal}::numeric / 19500000.00, 2)::text AS pot`.execute(db)
  ).rows[0]!.pot
  t.match(plan, {
    year: 2020,
    scaled_to_collected: true,
    line_amount: '9750000.00',
    collected: invoicedTotal,
    total: pot
  })
  t.ok(ore(pot) < ore('9750000.00'), "non-participants' shares are missing from the pot")
  t.equal(sumOf(plan.registers.map((r: Allocation) => r.amount)), ore(pot))
})

t.test('a plan that breaks rules is a 422 listing every problem, and records nothing', async t => {
  const response = await post(`/v1/recommendation-periods/${system}/register-allocations`, {
    year: 2022,
    basis: 'share_of_line',
    scaled_to_collected: true,
    registers: [
      { register_code: 'senior-alert', percent: '60' },
      { register_code: 'no-such-register', percent: '30' },
      { register_code: 'bpsd', amount: '5.00' }
    ]
  })
  t.equal(response.statusCode, 422)
  t.same(response.json().errors, [
    { pointer: '/registers/1/register_code', detail: 'no-such-register is not a quality register' },
    { pointer: '/registers/2/percent', detail: 'is required when the basis is share_of_line' },
    { pointer: '/registers/2/amount', detail: 'must be left out when the basis is share_of_line' },
    { pointer: '/registers', detail: 'the percentages must add up to exactly 100' },
    { pointer: '/scaled_to_collected', detail: 'the year has not been invoiced: what is collected is known once it is' }
  ])
  t.equal((await get(`/v1/recommendation-periods/${system}/register-allocations/2022`)).statusCode, 404)
  const overLine = await post(`/v1/recommendation-periods/${system}/register-allocations`, {
    year: 2022,
    basis: 'fixed_amount',
    scaled_to_collected: false,
    registers: [{ register_code: 'bpsd', amount: '9750000.01' }]
  })
  t.same(overLine.json().errors, [
    { pointer: '/registers', detail: "the amounts add up to more than the year's register line" }
  ])
})

t.test('a payout above what is left of the allocation is a 422 and writes nothing; its key stays free', async t => {
  const before = await payoutCount()
  const tooMuch = await post(
    '/v1/register-payouts',
    { period_id: system, year: 2021, register_code: 'senior-alert', amount: '2925000.01' },
    'too-much'
  )
  t.equal(tooMuch.statusCode, 422)
  t.same(tooMuch.json().errors, [
    {
      pointer: '/amount',
      detail: 'senior-alert is allocated 2925000.00 for 2021 and its payouts take 0.00: at most 2925000.00 is left'
    }
  ])
  const noPlan = await post('/v1/register-payouts', {
    period_id: system,
    year: 2023,
    register_code: 'bpsd',
    amount: '1.00'
  })
  t.equal(noPlan.statusCode, 422, 'a year without a plan allocates nothing')
  t.equal(await payoutCount(), before)
  const exact = await post(
    '/v1/register-payouts',
    { period_id: system, year: 2021, register_code: 'senior-alert', amount: '2925000.00' },
    'too-much'
  )
  t.equal(exact.statusCode, 201, "the whole allocation may be taken, with the failed request's key")
  t.match(exact.json(), { status: 'planned', amount: '2925000.00', history: [{ status: 'planned', reason: null }] })
  t.equal(
    (
      await post('/v1/register-payouts', {
        period_id: system,
        year: 2021,
        register_code: 'senior-alert',
        amount: '0.01'
      })
    ).statusCode,
    422,
    'nothing is left'
  )
})

t.test('race: 50 concurrent payouts against one allocation never overpay it', async t => {
  // BPSD has 1,950,000.00 for 2021: nine payouts of 200,000.00 fit, the tenth would not.
  const responses = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      post(
        '/v1/register-payouts',
        { period_id: system, year: 2021, register_code: 'bpsd', amount: '200000.00' },
        `race-${i}`
      )
    )
  )
  const statuses = responses.map(r => r.statusCode)
  t.equal(statuses.filter(s => s === 201).length, 9)
  t.equal(statuses.filter(s => s === 422).length, 41, 'the rest are told what is left, none fails otherwise')
  const stored = await sql<{
    n: string
    total: string
  }>`SELECT count(*) AS n, sum(amount)::text AS total FROM register_payouts WHERE year = 2021 AND register_code = 'bpsd'`.execute(
    db
  )
  t.same(stored.rows[0], { n: '9', total: '1800000.00' })
})

t.test(
  'the database itself refuses payouts past the allocation, changes of what a payout is, and deletions',
  async t => {
    const overpay =
      sql`INSERT INTO register_payouts (period_id, year, register_code, amount) VALUES (${system}, 2021, 'bpsd', 150000.01)`.execute(
        db
      )
    await t.rejects(overpay, { code: '23514' }, 'BPSD has 150,000.00 left')
    const [payout] = (
      await sql<{
        id: number
      }>`SELECT id FROM register_payouts WHERE register_code = 'bpsd' ORDER BY id LIMIT 1`.execute(db)
    ).rows
    await t.rejects(sql`UPDATE register_payouts SET amount = 1 WHERE id = ${payout!.id}`.execute(db), { code: '23000' })
    await t.rejects(
      sql`UPDATE register_payouts SET status = 'paid', paid_on = '2021-06-30', payment_reference = 'x' WHERE id = ${payout!.id}`.execute(
        db
      ),
      { code: '23000' },
      'planned cannot jump to paid'
    )
    await t.rejects(sql`DELETE FROM register_payouts WHERE id = ${payout!.id}`.execute(db), { code: '23000' })
    await t.rejects(sql`DELETE FROM register_allocation_plans`.execute(db), { code: '23000' })
  }
)

t.test('a payout moves planned → approved → paid with its history; other moves are refused', async t => {
  const planned = await post('/v1/register-payouts', {
    period_id: system,
    year: 2020,
    register_code: 'senior-alert',
    amount: '1000000.00',
    note: 'Första halvåret 2020'
  })
  t.equal(planned.statusCode, 201, planned.body)
  const { id } = planned.json()
  const change = (body: object, key?: string) => post(`/v1/register-payouts/${id}/status-changes`, body, key)

  const today = todayInSweden()
  const skipped = await change({ status: 'paid', paid_on: today, payment_reference: 'LB 1' })
  t.equal(skipped.statusCode, 409)
  t.match(skipped.json().detail, 'is planned; it can only become approved or cancelled')
  t.equal((await change({ status: 'approved' })).statusCode, 201)
  const unpaid = await change({ status: 'paid' })
  t.equal(unpaid.statusCode, 422)
  t.same(
    unpaid.json().errors.map((e: { pointer: string }) => e.pointer),
    ['/paid_on', '/payment_reference']
  )
  const paid = await change({ status: 'paid', paid_on: today, payment_reference: 'LB 2020-0017' }, 'pay-once')
  t.equal(paid.statusCode, 201, paid.body)
  t.match(paid.json(), { status: 'paid', paid_on: today, payment_reference: 'LB 2020-0017' })
  t.same(
    paid.json().history.map((e: { status: string }) => e.status),
    ['planned', 'approved', 'paid']
  )
  const replay = await change({ status: 'paid', paid_on: today, payment_reference: 'LB 2020-0017' }, 'pay-once')
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.same(replay.json(), paid.json(), 'a retried payment is the same payment')
  t.equal((await change({ status: 'cancelled', reason: 'too late' })).statusCode, 409, 'paid is final')
})

t.test("a cancellation needs a reason and frees its amount; approving needs the register's payee", async t => {
  const svedem = await post('/v1/register-payouts', {
    period_id: system,
    year: 2021,
    register_code: 'svedem',
    amount: '1462500.00'
  })
  const id = svedem.json().id
  const approve = await post(`/v1/register-payouts/${id}/status-changes`, { status: 'approved' })
  t.equal(approve.statusCode, 422)
  t.same(approve.json().errors, [
    { pointer: '/status', detail: 'the register has no payee details: an admin must record them first' }
  ])
  t.equal((await post(`/v1/register-payouts/${id}/status-changes`, { status: 'cancelled' })).statusCode, 422)
  t.equal(
    (await post('/v1/register-payouts', { period_id: system, year: 2021, register_code: 'svedem', amount: '0.01' }))
      .statusCode,
    422,
    'the whole allocation is taken'
  )
  const cancelled = await post(`/v1/register-payouts/${id}/status-changes`, {
    status: 'cancelled',
    reason: 'Planerad två gånger'
  })
  t.match(cancelled.json(), {
    status: 'cancelled',
    history: [{ status: 'planned' }, { status: 'cancelled', reason: 'Planerad två gånger' }]
  })
  t.equal(
    (
      await post('/v1/register-payouts', {
        period_id: system,
        year: 2021,
        register_code: 'svedem',
        amount: '1462500.00'
      })
    ).statusCode,
    201,
    'the cancelled amount is free again'
  )
  t.equal((await post('/v1/register-payouts/999999/status-changes', { status: 'approved' })).statusCode, 404)
})

t.test(
  'a new plan may not allocate a register less than its payouts take; an accepted one is a new version',
  async t => {
    const undercut = byPercent.map(r =>
      r.register_code === 'bpsd'
        ? { ...r, percent: '5' }
        : r.register_code === 'senior-alert'
          ? { ...r, percent: '45' }
          : r
    )
    const refused = await post(`/v1/recommendation-periods/${system}/register-allocations`, {
      year: 2021,
      basis: 'share_of_line',
      scaled_to_collected: false,
      registers: undercut
    })
    t.equal(refused.statusCode, 422)
    t.same(refused.json().errors, [
      { pointer: '/registers/1', detail: 'bpsd would get 487500.00, but its payouts already take 1800000.00' }
    ])
    const fixed = [
      { register_code: 'senior-alert', amount: '2925000.00' },
      { register_code: 'bpsd', amount: '1800000.00' },
      { register_code: 'svedem', amount: '1462500.00' }
    ]
    const accepted = await post(`/v1/recommendation-periods/${system}/register-allocations`, {
      year: 2021,
      basis: 'fixed_amount',
      scaled_to_collected: false,
      registers: fixed
    })
    t.equal(accepted.statusCode, 201, accepted.body)
    t.match(accepted.json(), { version: 2, basis: 'fixed_amount', total: '6187500.00' })
    t.match((await get(`/v1/recommendation-periods/${system}/register-allocations/2021?version=1`)).json(), {
      version: 1,
      basis: 'share_of_line',
      total: '9750000.00'
    })
    t.same(
      (await get(`/v1/recommendation-periods/${system}/register-allocations`))
        .json()
        .items.map((p: { year: number; version: number }) => [p.year, p.version]),
      [
        [2020, 1],
        [2021, 2]
      ]
    )
  }
)

t.test('the payout report reconciles to the öre with the cost shares of the same year', async t => {
  const report = await get(`/v1/recommendation-periods/${system}/payout-report`)
  t.equal(report.statusCode, 200, report.body)
  const [y2020, y2021, y2022] = report.json().years
  const shares2020 = (await get(`/v1/recommendation-periods/${system}/cost-shares/2020`)).json()
  t.equal(y2020.collected, shares2020.invoicing.invoiced, 'collected is what 2020 was invoiced')
  t.equal(
    ore(y2020.collected),
    sumOf(shares2020.shares.map((s: { amount: string }) => s.amount)),
    "and what the participants' shares add up to"
  )
  t.match(y2020, {
    collected_basis: 'invoiced',
    allocation: { version: 1, basis: 'share_of_line', scaled_to_collected: true },
    paid_out: '1000000.00',
    approved: '0.00',
    planned: '0.00'
  })
  const plan2020 = (await get(`/v1/recommendation-periods/${system}/register-allocations/2020`)).json()
  t.equal(y2020.allocated_to_registers, plan2020.total)
  t.equal(ore(y2020.remaining), ore(plan2020.total) - ore('1000000.00'))
  t.equal(ore(y2020.left_for_other_lines), ore(y2020.collected) - ore(plan2020.total))
  t.match(
    y2020.registers.find((r: { register_code: string }) => r.register_code === 'senior-alert'),
    {
      paid: '1000000.00',
      outstanding: (ore(amountOf(plan2020, 'senior-alert')) - 100000000n).toString().replace(/(\d\d)$/, '.$1')
    }
  )

  const shares2021 = (await get(`/v1/recommendation-periods/${system}/cost-shares/2021`)).json()
  t.match(y2021, {
    collected: shares2021.totals.collected,
    collected_basis: 'projected',
    allocated_to_registers: '6187500.00',
    planned: '6187500.00',
    paid_out: '0.00',
    remaining: '6187500.00'
  })
  t.same(
    y2021.registers.map((r: { register_code: string; allocated: string; available: string }) => [
      r.register_code,
      r.allocated,
      r.available
    ]),
    [
      ['bpsd', '1800000.00', '0.00'],
      ['senior-alert', '2925000.00', '0.00'],
      ['svedem', '1462500.00', '0.00']
    ]
  )
  t.match(y2022, { allocation: null, allocated_to_registers: '0.00', registers: [] })
  for (const year of report.json().years) {
    for (const field of ['allocated', 'planned', 'approved'] as const) {
      t.equal(
        sumOf(year.registers.map((r: Record<string, string>) => r[field])),
        ore(year[field === 'allocated' ? 'allocated_to_registers' : field]),
        `${year.year}: registers' ${field} add up to the year's`
      )
    }
  }
})

t.test('the reports come as CSV: one row per year, and one per register of a year', async t => {
  const years = await get(`/v1/recommendation-periods/${system}/payout-report?format=csv`)
  t.equal(years.headers['content-type'], 'text/csv; charset=utf-8')
  const lines = years.body.trim().split('\r\n')
  t.equal(
    lines[0],
    'year,collected,collected_basis,credited,debited,difference_to_settle,open_differences,allocation_version,allocation_basis,scaled_to_collected,allocated_to_registers,planned,approved,paid_out,remaining,left_for_other_lines'
  )
  t.equal(lines.length, 5)
  t.match(
    lines[2],
    /^2021,\d+\.\d\d,projected,,,,,2,fixed_amount,false,6187500\.00,6187500\.00,0\.00,0\.00,6187500\.00,/
  )
  const registers = (await get(`/v1/recommendation-periods/${system}/payout-report/2021?format=csv`)).body
    .trim()
    .split('\r\n')
  t.same(registers, [
    'year,register_code,register_name,allocated,planned,approved,paid,outstanding,available',
    '2021,bpsd,Beteendemässiga och Psykiska Symtom vid Demens,1800000.00,1800000.00,0.00,0.00,1800000.00,0.00',
    '2021,senior-alert,Senior alert,2925000.00,2925000.00,0.00,0.00,2925000.00,0.00',
    '2021,svedem,SveDem,1462500.00,1462500.00,0.00,0.00,1462500.00,0.00'
  ])
  const payouts = await get('/v1/register-payouts?register_code=bpsd&limit=5&format=csv')
  t.equal(payouts.body.trim().split('\r\n').length, 6)
  t.equal((await get('/v1/register-payouts?status=paid')).json().total_items, 1)
  t.equal((await get(`/v1/recommendation-periods/${system}/payout-report/2019`)).statusCode, 404)
})
