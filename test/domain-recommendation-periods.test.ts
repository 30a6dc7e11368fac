import t from 'tap'
import { formatOre, toOre } from '../src/domain/money.ts'
import { financingYears, notAFinancingYear, periodErrors } from '../src/domain/recommendation-periods.ts'

const period = {
  first_year: 2020,
  last_year: 2023,
  annual_budget: '19500000.00',
  cost_model: 'per_inhabitant' as const,
  rate_per_inhabitant: '1.95',
  population_reference_date: '2018-11-30',
  years: [
    { year: 2020, join_deadline: '2019-12-15' },
    { year: 2021, join_deadline: '2020-06-15' }
  ]
}

t.test('amounts convert between SEK strings and öre exactly', async t => {
  t.equal(toOre('19500000.00'), 1_950_000_000n)
  t.equal(toOre('1.5'), 150n)
  t.equal(formatOre(9_361_755n), '93617.55')
  t.equal(formatOre(-5n), '-0.05')
  t.throws(() => toOre('1.955'))
})

t.test('a period has every year from first to last, each with its deadline or none', async t => {
  t.same(
    financingYears(period).map(y => [y.year, y.join_deadline]),
    [
      [2020, '2019-12-15'],
      [2021, '2020-06-15'],
      [2022, null],
      [2023, null]
    ]
  )
  t.same(periodErrors(period), [])
})

t.test('a per-inhabitant period needs its rate and population date; a weighted one has no rate', async t => {
  t.same(
    periodErrors({ ...period, rate_per_inhabitant: null, population_reference_date: null }).map(e => e.pointer),
    ['/rate_per_inhabitant', '/population_reference_date']
  )
  t.same(
    periodErrors({ ...period, cost_model: 'weighted_total' }).map(e => e.pointer),
    ['/rate_per_inhabitant']
  )
})

t.test("years must be the period's own, once each, with deadlines moving forward", async t => {
  t.same(
    periodErrors({ ...period, years: [{ year: 2019 }, { year: 2021 }, { year: 2021 }] }).map(e => e.pointer),
    ['/years/0/year', '/years/2/year']
  )
  t.same(
    periodErrors({ ...period, years: [{ year: 2021, join_deadline: '2022-01-01' }] }).map(e => e.pointer),
    ['/years/0/join_deadline']
  )
  t.same(
    periodErrors({
      ...period,
      years: [
        { year: 2020, join_deadline: '2019-12-15' },
        { year: 2021, join_deadline: '2019-11-01' }
      ]
    }),
    [
      {
        pointer: '/years/1/join_deadline',
        detail: 'the last day to join for 2021 (2019-11-01) must come after the one for 2020 (2019-12-15)'
      }
    ]
  )
})

t.test('budget lines are one of each kind and add up to no more than the budget', async t => {
  const line = (kind: string, annual_amount: string | null) => ({ kind, annual_amount })
  t.same(
    periodErrors({ ...period, budget_lines: [line('quality_registers', '10000000.00'), line('coordination', null)] }),
    []
  )
  t.same(
    periodErrors({
      ...period,
      budget_lines: [line('quality_registers', '10000000.00'), line('quality_registers', '9500000.01')]
    }).map(e => e.pointer),
    ['/budget_lines/1/kind', '/budget_lines']
  )
})

t.test(
  "rule: a year named by an invoicing, a plan, a payout or a report is one of the period's financing years",
  async t => {
    const period = { case_number: '18/00295', first_year: 2020, last_year: 2023 }
    t.equal(notAFinancingYear(period, 2020), undefined)
    t.equal(notAFinancingYear(period, 2023), undefined)
    t.equal(notAFinancingYear(period, 2019), '2019 is not a financing year of 18/00295 (2020–2023)')
    t.equal(notAFinancingYear(period, 2024), '2024 is not a financing year of 18/00295 (2020–2023)')
  }
)
