import fc from 'fast-check'
import t from 'tap'
import { formatOre, toOre } from '../src/domain/money.ts'
import { testApp } from './helpers.ts'

// The settlement invariant, as a property over random sequences of what changes a share after its year is invoiced:
// late decisions (received before the deadline, registered after the invoicing), withdrawals and population
// corrections, with settlements at random points. After every settlement, for every municipality and the year:
// invoice + adjustments = its current share, to the öre; the year's totals reconcile with `collected` and the payout
// report. Each run is its own period, so runs do not disturb each other. The property is checked for each way a
// share is computed: per inhabitant, where a correction moves one share, and split by weights (the membership fee's
// principle, or imported weights), where a correction moves every share of the split and their rounding.

const { app, bearer } = await testApp(t)
const CODES = ['0114', '0115', '0117', '0120', '0123', '0125']
const YEAR = 2025

/** How a period computes its shares, and how a step corrects what one municipality's share rests on. */
interface Basis {
  terms: object
  /** The range a municipality's population or weight is drawn from: a weight split needs every weight positive. */
  least: number
  most: number
  /** Sets the figure a share rests on, through the API, before or after the invoicing: a correction. */
  correct(periodId: number, code: string, figure: number): Promise<unknown>
  /** What the whole split rests on before the run, where the period does not have it: every imported weight. */
  prepare?(periodId: number): Promise<unknown>
  runs: number
}

type Step =
  | { kind: 'decide'; m: number; adopted: boolean; day: number }
  | { kind: 'withdraw'; m: number }
  | { kind: 'correct'; m: number; figure: number }
  | { kind: 'settle' }

const municipality = fc.integer({ min: 0, max: CODES.length - 1 })
const stepOf = (basis: Basis): fc.Arbitrary<Step> =>
  fc.oneof(
    fc.record({
      kind: fc.constant('decide' as const),
      m: municipality,
      adopted: fc.boolean(),
      day: fc.integer({ min: 0, max: 90 })
    }),
    fc.record({ kind: fc.constant('withdraw' as const), m: municipality }),
    fc.record({
      kind: fc.constant('correct' as const),
      m: municipality,
      figure: fc.integer({ min: basis.least, max: basis.most })
    }),
    fc.record({ kind: fc.constant('settle' as const) })
  )

async function send(method: 'GET' | 'POST', url: string, scope: Parameters<typeof bearer>[0], payload?: object) {
  const response = await app.inject({ method, url, headers: bearer(scope), ...(payload !== undefined && { payload }) })
  if (response.statusCode >= 500) throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`)
  return response
}

const receivedOn = (day: number) => new Date(Date.UTC(2024, 8, 1) + day * 86_400_000).toISOString().slice(0, 10)

async function decide(periodId: number, code: string, adopted: boolean, day: number) {
  const date = receivedOn(day)
  const response = await send('POST', '/v1/decisions', 'decisions:write', {
    municipality_code: code,
    period_id: periodId,
    outcome: adopted ? 'adopted' : 'declined',
    decided_on: date,
    decided_by: 'Kommunstyrelsen',
    received_on: date
  })
  if (response.statusCode !== 201) throw new Error(`decision: ${response.statusCode} ${response.body}`)
}

const population = (referenceDate: string) => (_periodId: number, code: string, figure: number) =>
  send('POST', '/v1/population-figures', 'admin', [
    { municipality_code: code, reference_date: referenceDate, population: figure }
  ])
const weight = (periodId: number, code: string, figure: number) =>
  send('POST', `/v1/recommendation-periods/${periodId}/cost-weights`, 'admin', [
    { municipality_code: code, weight: String(figure) }
  ])
const allCodes = async () =>
  (await send('GET', '/v1/municipalities?limit=500', 'read')).json().items.map((m: { code: string }) => m.code)

const BASES: Record<string, Basis> = {
  'per inhabitant': {
    terms: { cost_model: 'per_inhabitant', rate_per_inhabitant: '1.95', population_reference_date: '2024-11-30' },
    least: 0,
    most: 1_000_000,
    correct: population('2024-11-30'),
    runs: 25
  },
  // Weighed by the membership fee's principle: every municipality's SCB figure of 31 December 2024 (reference data),
  // 10 % off above 200,000 inhabitants, which the drawn figures cross.
  "by the membership fee's principle": {
    terms: { cost_model: 'weighted_total', weight_basis: 'membership_fee', population_reference_date: '2024-12-31' },
    least: 1,
    most: 400_000,
    correct: population('2024-12-31'),
    runs: 12
  },
  // Imported weights: a split rests on every municipality's weight, so each run weighs all 290 first.
  'by imported weights': {
    terms: { cost_model: 'weighted_total', weight_basis: 'imported' },
    least: 1,
    most: 5_000,
    correct: weight,
    prepare: async periodId =>
      send(
        'POST',
        `/v1/recommendation-periods/${periodId}/cost-weights`,
        'admin',
        (await allCodes()).map((code: string) => ({ municipality_code: code, weight: '1000' }))
      ),
    runs: 12
  }
}

/** The invariant, read back through the API as finance and BI tools see it. */
async function invariantHolds(t: { fail(message: string): void }, periodId: number) {
  const year = (await send('GET', `/v1/recommendation-periods/${periodId}/cost-shares/${YEAR}`, 'read')).json()
  const invoices = (await send('GET', `/v1/invoices?period_id=${periodId}&limit=500`, 'read')).json().items
  const adjustments = (await send('GET', `/v1/adjustments?period_id=${periodId}&limit=500`, 'read')).json().items
  const payouts = (await send('GET', `/v1/recommendation-periods/${periodId}/payout-report/${YEAR}`, 'read')).json()
  for (const share of year.shares) {
    const invoiced = invoices
      .filter((i: { municipality_code: string }) => i.municipality_code === share.municipality_code)
      .reduce((sum: bigint, i: { amount: string }) => sum + toOre(i.amount), 0n)
    const adjusted = adjustments
      .filter((a: { municipality_code: string }) => a.municipality_code === share.municipality_code)
      .reduce(
        (sum: bigint, a: { kind: string; amount: string }) =>
          sum + (a.kind === 'credit_note' ? -toOre(a.amount) : toOre(a.amount)),
        0n
      )
    if (formatOre(invoiced + adjusted) !== share.amount || share.difference !== '0.00') {
      t.fail(`${share.municipality_code}: invoice ${invoiced} + adjustments ${adjusted} ≠ share ${share.amount}`)
      return false
    }
  }
  // Each invoice shows the same: nothing left open.
  const open = invoices.filter(
    (i: { difference: string; settlement: string }) => i.difference !== '0.00' || i.settlement !== 'none'
  )
  if (open.length > 0) {
    t.fail(`invoices still show a difference: ${JSON.stringify(open.map((i: { reference: string }) => i.reference))}`)
    return false
  }
  const totals = year.invoicing
  const reconciled =
    totals.invoiced_total === year.totals.collected &&
    totals.difference_to_settle === '0.00' &&
    totals.open_differences === 0 &&
    payouts.collected === totals.invoiced_total
  if (!reconciled) t.fail(`the year does not reconcile: ${JSON.stringify({ totals, payouts: payouts.collected })}`)
  return reconciled
}

let run = 0
const issued = { settlements: 0, credit_note: 0, supplementary_invoice: 0 }
for (const [name, basis] of Object.entries(BASES))
  t.test(
    `${name}: invoice + adjustments = the current share for every municipality after any sequence of decisions, ` +
      'withdrawals, corrections and settlements; the year reconciles with collected and the payout report',
    async t => {
      const before = { ...issued }
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: basis.least, max: basis.most }), {
            minLength: CODES.length,
            maxLength: CODES.length
          }),
          fc.array(fc.boolean(), { minLength: CODES.length, maxLength: CODES.length }),
          fc.array(stepOf(basis), { minLength: 1, maxLength: 10 }),
          async (figures, adopted, steps) => {
            run++
            const created = await send('POST', '/v1/recommendation-periods', 'admin', {
              case_number: `26/${String(10_000 + run).padStart(5, '0')}`,
              title: 'Egenskapstest',
              first_year: YEAR,
              last_year: YEAR,
              annual_budget: '19500000.00',
              ...basis.terms,
              years: [{ year: YEAR, join_deadline: '2024-12-15' }]
            })
            if (created.statusCode !== 201) throw new Error(`period: ${created.body}`)
            const periodId: number = created.json().id
            await basis.prepare?.(periodId)
            for (const [i, code] of CODES.entries()) await basis.correct(periodId, code, figures[i]!)
            for (const [i, code] of CODES.entries()) await decide(periodId, code, adopted[i]!, i)
            const invoiced = await send(
              'POST',
              `/v1/recommendation-periods/${periodId}/invoiced-years`,
              'finance:write',
              { year: YEAR, invoice_date: '2025-02-15' }
            )
            if (invoiced.statusCode !== 201) throw new Error(`invoicing: ${invoiced.body}`)

            for (const s of steps) {
              if (s.kind === 'decide') await decide(periodId, CODES[s.m]!, s.adopted, 10 + s.day)
              else if (s.kind === 'correct') await basis.correct(periodId, CODES[s.m]!, s.figure)
              else if (s.kind === 'withdraw') {
                const decisions = (
                  await send('GET', `/v1/decisions?period_id=${periodId}&municipality_code=${CODES[s.m]}`, 'read')
                ).json().items
                const standing = decisions.filter((d: { withdrawal: unknown }) => d.withdrawal === null).at(-1)
                if (standing !== undefined)
                  await send('POST', `/v1/decisions/${standing.id}/withdrawal`, 'decisions:write', {
                    reason: 'Registrerat i fel ärende.'
                  })
              } else {
                const settled = await settle(periodId)
                if (settled === 201 && !(await invariantHolds(t, periodId))) return false
              }
            }
            await settle(periodId)
            return invariantHolds(t, periodId)
          }
        ),
        { numRuns: basis.runs, seed: 20261201 }
      )
      // Not vacuous: the runs settled credits and debits alike.
      const settled = issued.settlements - before.settlements
      t.ok(settled >= basis.runs / 3, `${settled} settlements issued`)
      t.ok(
        issued.credit_note > before.credit_note && issued.supplementary_invoice > before.supplementary_invoice,
        JSON.stringify({ before, after: issued })
      )
    }
  )

async function settle(periodId: number) {
  const response = await send(
    'POST',
    `/v1/recommendation-periods/${periodId}/invoiced-years/${YEAR}/settlements`,
    'finance:write',
    { invoice_date: '2025-10-15' }
  )
  // 409: nothing to settle, every share is invoiced as it stands.
  if (response.statusCode !== 201 && response.statusCode !== 409)
    throw new Error(`settlement: ${response.statusCode} ${response.body}`)
  if (response.statusCode === 201) {
    issued.settlements++
    for (const adjustment of response.json().adjustments as Array<{ kind: 'credit_note' | 'supplementary_invoice' }>)
      issued[adjustment.kind]++
  }
  return response.statusCode
}
