import fc from 'fast-check'
import t from 'tap'
import { allocationErrors, splitShare } from '../src/domain/cost-allocation.ts'
import { conditionMet, costShares, EXACT_SCALE, type CostTerms } from '../src/domain/cost-shares.ts'
import { invoicingErrors } from '../src/domain/invoicing.ts'
import { divideRounded, formatOre, formatScaled, largestRemainder } from '../src/domain/money.ts'

const perInhabitant: CostTerms = {
  cost_model: 'per_inhabitant',
  annual_budget: '19500000.00',
  rate_per_inhabitant: '1.95',
  rounding_unit: 'krona',
  rounding_mode: 'half_away_from_zero'
}
const weighted: CostTerms = {
  cost_model: 'weighted_total',
  annual_budget: '3400000.00',
  rate_per_inhabitant: null,
  rounding_unit: 'krona',
  rounding_mode: 'half_away_from_zero'
}
const tyreso = { code: '0138', participating: true, population: 48_009, weight: null }

t.test('seed: Tyresö, 48,009 inhabitants × 1.95 SEK, owes 93,617.55 exactly and is invoiced 93,618', async t => {
  const {
    shares: [share],
    totals
  } = costShares(perInhabitant, '1', [tyreso])
  t.equal(formatScaled(share!.exact!, EXACT_SCALE), '93617.55')
  t.equal(formatOre(share!.rounded!), '93618.00')
  t.equal(formatOre(totals.collected), '93618.00')
  t.equal(formatScaled(totals.budget, EXACT_SCALE), '19500000.00')
})

t.test('the index adjustment multiplies the rate, and the exact amount keeps every decimal', async t => {
  const {
    shares: [share]
  } = costShares(perInhabitant, '1.023', [tyreso])
  t.equal(formatScaled(share!.exact!, EXACT_SCALE), '95770.75365') // 48,009 × 1.95 × 1.023
  t.equal(formatOre(share!.rounded!), '95771.00')
})

t.test('rounding follows the period: to öre or kronor, halves away from zero or to even', async t => {
  const half = { code: '0001', participating: true, population: 1, weight: null }
  const at = (terms: Partial<CostTerms>) =>
    formatOre(costShares({ ...perInhabitant, rate_per_inhabitant: '2.5', ...terms }, '1', [half]).shares[0]!.rounded!)
  t.equal(at({}), '3.00')
  t.equal(at({ rounding_mode: 'half_to_even' }), '2.00')
  t.equal(at({ rate_per_inhabitant: '0.125', rounding_unit: 'ore' }), '0.13')
  t.equal(at({ rate_per_inhabitant: '0.125', rounding_unit: 'ore', rounding_mode: 'half_to_even' }), '0.12')
  t.equal(divideRounded(-5n, 2n, 'half_away_from_zero'), -3n)
})

t.test('non-participants owe nothing, and nobody pays more because others declined', async t => {
  const bases = [tyreso, { code: '0180', participating: false, population: 962_154, weight: null }]
  const { shares, totals } = costShares(perInhabitant, '1', bases)
  t.equal(shares[1]!.owed, 0n)
  t.equal(formatOre(shares[1]!.rounded!), '1876200.00') // its share had it taken part
  t.equal(formatOre(totals.collected), '93618.00')
  t.equal(formatOre(totals.ifAllParticipated), '1969818.00')
  t.equal(totals.payerCount, 1)
})

t.test(
  "seed: at 16,200 SEK of 3.4 MSEK, Tyresö's weight gives it 16,200 a year; its 2.5 MSEK condition is judged on the " +
    'committed total',
  async t => {
    const bases = [
      { code: '0138', participating: true, population: null, weight: '16200' },
      { code: '9999', participating: true, population: null, weight: '3383800' }
    ]
    const { shares, totals } = costShares(weighted, '1', bases)
    t.equal(formatOre(shares[0]!.owed), '16200.00')
    t.equal(formatOre(totals.collected), '3400000.00')
    t.equal(conditionMet('2500000.00', totals.collected), true)
    const fewer = costShares(weighted, '1', [bases[0]!, { ...bases[1]!, participating: false }])
    t.equal(formatOre(fewer.shares[0]!.owed), '16200.00', 'its share stays the same when the other declines')
    t.equal(conditionMet('2500000.00', fewer.totals.collected), false)
  }
)

t.test('missing populations or weights are named, not guessed', async t => {
  t.same(costShares(perInhabitant, '1', [{ ...tyreso, population: null }]).totals.missingBasis, ['0138'])
  t.same(costShares(weighted, '1', [{ ...tyreso, weight: null }]).totals.missingBasis, ['0138'])
})

const populations = fc.array(
  fc.record({ population: fc.integer({ min: 0, max: 1_000_000 }), participating: fc.boolean() }),
  { minLength: 1, maxLength: 290, size: 'max' }
)
const termsArb = fc.record({
  rate: fc.integer({ min: 1, max: 99_999 }).map(n => formatScaled(BigInt(n), 4)),
  index: fc.integer({ min: 500_000, max: 2_000_000 }).map(n => formatScaled(BigInt(n), 6)),
  unit: fc.constantFrom('krona' as const, 'ore' as const),
  mode: fc.constantFrom('half_away_from_zero' as const, 'half_to_even' as const)
})

t.test(
  "property: per inhabitant, a year's rounded shares sum exactly to the collected total, each within half a unit of " +
    'exact',
  async t => {
    fc.assert(
      fc.property(populations, termsArb, (rows, { rate, index, unit, mode }) => {
        const bases = rows.map((r, i) => ({ code: String(i).padStart(4, '0'), ...r, weight: null }))
        const { shares, totals } = costShares(
          { ...perInhabitant, rate_per_inhabitant: rate, rounding_unit: unit, rounding_mode: mode },
          index,
          bases
        )
        const half = 10n ** BigInt(EXACT_SCALE - (unit === 'krona' ? 0 : 2)) / 2n
        return (
          shares.reduce((sum, s) => sum + (s.participating ? s.rounded! : 0n), 0n) === totals.collected &&
          shares.every(s => {
            const gap = s.rounded! * 10n ** BigInt(EXACT_SCALE - 2) - s.exact!
            return gap <= half && gap >= -half
          })
        )
      }),
      { numRuns: 300 }
    )
    t.pass('300 random years held')
  }
)

t.test('property: a weight-split total always sums exactly, and no share depends on who takes part', async t => {
  const weightsArb = fc.array(
    fc.record({ weight: fc.integer({ min: 1, max: 10_000_000 }), participating: fc.boolean() }),
    { minLength: 1, maxLength: 290, size: 'max' }
  )
  const budgetArb = fc.integer({ min: 0, max: 2_000_000_000 }).map(n => formatOre(BigInt(n)))
  fc.assert(
    fc.property(weightsArb, budgetArb, termsArb, (rows, budget, { index, unit, mode }) => {
      const terms: CostTerms = { ...weighted, annual_budget: budget, rounding_unit: unit, rounding_mode: mode }
      const bases = rows.map((r, i) => ({
        code: String(i).padStart(4, '0'),
        participating: r.participating,
        population: null,
        weight: formatScaled(BigInt(r.weight), 6)
      }))
      const { shares, totals } = costShares(terms, index, bases)
      const everyone = costShares(
        terms,
        index,
        bases.map(b => ({ ...b, participating: true }))
      )
      const unitOre = unit === 'krona' ? 100n : 1n
      const roundedBudget = divideRounded(totals.budget, 10n ** BigInt(EXACT_SCALE - 2) * unitOre, mode) * unitOre
      return (
        totals.ifAllParticipated === roundedBudget &&
        shares.every(
          (s, i) => s.rounded === everyone.shares[i]!.rounded && s.owed === (s.participating ? s.rounded : 0n)
        )
      )
    }),
    { numRuns: 300 }
  )
  t.pass('300 random splits held')
})

t.test('largest remainder: parts sum to the total and each is within one unit of its quota', async t => {
  t.same(largestRemainder(10n, [1n, 1n, 1n]), [4n, 3n, 3n], 'ties go to the earlier part')
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: 10n ** 12n }),
      fc.array(fc.bigInt({ min: 0n, max: 10n ** 9n }), { minLength: 1, maxLength: 50 }),
      (total, weights) => {
        fc.pre(weights.some(w => w > 0n))
        const parts = largestRemainder(total, weights)
        const sum = weights.reduce((a, b) => a + b, 0n)
        return (
          parts.reduce((a, b) => a + b, 0n) === total &&
          parts.every((p, i) => p * sum <= total * weights[i]! + sum && p * sum >= total * weights[i]! - sum)
        )
      }
    )
  )
})

t.test(
  "seed: Tyresö's 40/30/30 split gives its committees 70 % and 30 % of the invoiced 93,618, summing exactly",
  async t => {
    const areas = [
      { area: 'Äldreomsorg', committee: 'Äldre- och omsorgsnämnden', percent: '40' },
      { area: 'Omsorg om personer med funktionsnedsättning', committee: 'Äldre- och omsorgsnämnden', percent: '30' },
      { area: 'Individ- och familjeomsorg', committee: 'Arbetsmarknads- och socialnämnden', percent: '30' }
    ]
    t.same(allocationErrors(areas), [])
    const split = splitShare(9_361_800n, areas)
    t.same(
      split.areas.map(a => formatOre(a.amount)),
      ['37447.00', '28086.00', '28085.00']
    )
    t.same(
      split.committees.map(c => [c.committee, c.percent, formatOre(c.amount)]),
      [
        ['Äldre- och omsorgsnämnden', 7000n, '65533.00'],
        ['Arbetsmarknads- och socialnämnden', 3000n, '28085.00']
      ]
    )
    t.equal(
      split.committees.reduce((sum, c) => sum + c.amount, 0n),
      9_361_800n
    )
    t.same(
      splitShare(9_361_755n, areas).areas.map(a => formatOre(a.amount)),
      ['37447.02', '28085.27', '28085.26'],
      'an amount with öre is split in öre'
    )
  }
)

t.test('a split must add up to 100 % and name each area once', async t => {
  t.same(
    allocationErrors([
      { area: 'A', committee: null, percent: '60' },
      { area: 'A', committee: null, percent: '30.5' }
    ]),
    [
      { pointer: '/areas', detail: 'the percentages add up to 90.5 %, not 100 %' },
      { pointer: '/areas/1/area', detail: 'the area "A" is listed twice' }
    ]
  )
})

t.test('a year is invoiced only once who takes part is settled and every share it needs can be computed', async t => {
  const year2021 = { year: 2021, last_day_to_join: '2020-06-15' }
  const basis = (missing: string[], substitutes: string[] = [], substitutesAccepted = false) => ({
    missing,
    substitutes,
    substitutesAccepted
  })
  t.same(invoicingErrors('per_inhabitant', year2021, '2020-06-15', basis([]), new Set()), [
    { pointer: '/year', detail: 'municipalities may join for 2021 until 2020-06-15: who takes part is not settled' }
  ])
  t.same(invoicingErrors('per_inhabitant', year2021, '2020-06-16', basis(['0114', '0138']), new Set(['0138'])), [
    { pointer: '/year', detail: 'municipality 0138 takes part but has no population figure' }
  ])
  t.same(
    invoicingErrors('weighted_total', year2021, '2020-06-16', basis(['0114']), new Set(['0138'])),
    [{ pointer: '/year', detail: 'municipality 0114 has no weight' }],
    'a missing weight skews every share, participant or not'
  )
  t.same(invoicingErrors('per_inhabitant', year2021, '2020-06-16', basis([]), new Set(['0138'])), [])
})

t.test("a share on a substitute population figure is invoiced only by finance's recorded decision", async t => {
  const year2020 = { year: 2020, last_day_to_join: '2019-12-15' }
  const participants = new Set(['0114', '0115'])
  const [error] = invoicingErrors(
    'per_inhabitant',
    year2020,
    '2020-01-10',
    { missing: [], substitutes: ['0114', '0117'], substitutesAccepted: false },
    participants
  )
  t.match(error, {
    pointer: '/substitute_population',
    detail: /^1 share rests on a substitute population figure.*\(0114\)/
  })
  t.same(
    invoicingErrors(
      'per_inhabitant',
      year2020,
      '2020-01-10',
      { missing: [], substitutes: ['0114'], substitutesAccepted: true },
      participants
    ),
    [],
    'with the decision'
  )
  t.same(
    invoicingErrors(
      'per_inhabitant',
      year2020,
      '2020-01-10',
      { missing: [], substitutes: ['0117'], substitutesAccepted: false },
      participants
    ),
    [],
    "a non-participant's substitute figure is not invoiced"
  )
})
