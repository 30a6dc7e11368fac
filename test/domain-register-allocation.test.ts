import fc from 'fast-check'
import t from 'tap'
import { EXACT_SCALE } from '../src/domain/cost-shares.ts'
import { formatOre, formatScaled, type RoundingMode } from '../src/domain/money.ts'
import {
  allocationsBelowPayouts,
  allocate,
  planErrors,
  yearLine,
  type AllocationPlan,
  type YearFunds
} from '../src/domain/register-allocation.ts'
import {
  NEXT_STATUSES,
  payoutBeyondAllocation,
  PAYOUT_STATUSES,
  statusChangeErrors,
  type PayoutStatus,
  type StatusChange
} from '../src/domain/register-payouts.ts'

const REGISTERS = ['senior-alert', 'bpsd', 'svenska-palliativregistret', 'rikssar', 'svedem']
const known = new Set(REGISTERS)
const funds: YearFunds = {
  annualBudget: '19500000.00',
  lineAnnualAmount: '9750000.00',
  indexAdjustment: '1',
  roundingMode: 'half_away_from_zero',
  invoiced: 1_813_300_000n
}
const seedPercents = ['30', '20', '20', '15', '15']
const byPercent = (percents: readonly string[], scaled = false): AllocationPlan => ({
  basis: 'share_of_line',
  scaled_to_collected: scaled,
  registers: percents.map((percent, i) => ({ register_code: REGISTERS[i] ?? `register-${i}`, percent }))
})
const byAmount = (amounts: readonly string[], scaled = false): AllocationPlan => ({
  basis: 'fixed_amount',
  scaled_to_collected: scaled,
  registers: amounts.map((amount, i) => ({ register_code: REGISTERS[i] ?? `register-${i}`, amount }))
})
const sum = (amounts: readonly bigint[]) => amounts.reduce((a, b) => a + b, 0n)
const ORE_PER_EXACT_UNIT = 10n ** BigInt(EXACT_SCALE - 2)

// ---------------------------------------------------------------------------------------------------------------
// The year's register line

t.test("seed: the year's register line is the 9,750,000.00 budget line × the index adjustment, in öre", async t => {
  t.equal(yearLine(funds), 975_000_000n)
  t.equal(yearLine({ ...funds, indexAdjustment: '1.023' }), 997_425_000n, '9,750,000.00 × 1.023 = 9,974,250.00')
  t.equal(yearLine({ ...funds, indexAdjustment: '1.000001' }), 975_000_975n, 'all six decimals of the index count')
  t.equal(yearLine({ ...funds, lineAnnualAmount: null }), null, 'no line amount, no line')
})

t.test('the register line is rounded to öre as the period rounds', async t => {
  const at = (line: string, index: string, mode: RoundingMode) =>
    yearLine({ ...funds, lineAnnualAmount: line, indexAdjustment: index, roundingMode: mode })
  t.equal(at('0.01', '0.5', 'half_away_from_zero'), 1n, 'half an öre rounds away from zero')
  t.equal(at('0.01', '0.5', 'half_to_even'), 0n, 'half an öre rounds to the even neighbour')
  t.equal(at('0.03', '0.5', 'half_to_even'), 2n)
  t.equal(at('0.03', '0.5', 'half_away_from_zero'), 2n)
  t.equal(at('0.01', '0.400001', 'half_to_even'), 0n, 'under half an öre rounds down')
  t.equal(at('0.01', '0.500001', 'half_to_even'), 1n, 'over half an öre rounds up')
})

// ---------------------------------------------------------------------------------------------------------------
// share_of_line

t.test('seed: 30/20/20/15/15 % of the 9,750,000.00 line, not scaled, gives each register its exact share', async t => {
  const allocation = allocate(byPercent(seedPercents), funds)
  t.same(allocation.amounts, [292_500_000n, 195_000_000n, 195_000_000n, 146_250_000n, 146_250_000n])
  t.same(allocation.amounts.map(formatOre), ['2925000.00', '1950000.00', '1950000.00', '1462500.00', '1462500.00'])
  t.equal(allocation.total, 975_000_000n)
  t.equal(allocation.line, 975_000_000n)
  t.equal(allocation.collected, null, 'an unscaled plan does not report what was collected')
  t.equal(formatScaled(allocation.budget, EXACT_SCALE), '19500000.00')
})

t.test('share_of_line splits the indexed line, not the annual amount', async t => {
  const allocation = allocate(byPercent(seedPercents), { ...funds, indexAdjustment: '1.023' })
  t.equal(allocation.line, 997_425_000n)
  t.same(allocation.amounts, [299_227_500n, 199_485_000n, 199_485_000n, 149_613_750n, 149_613_750n])
  t.equal(allocation.total, 997_425_000n)
  t.equal(formatScaled(allocation.budget, EXACT_SCALE), '19948500.00', 'the budget is indexed too')
})

t.test(
  'share_of_line: öre that do not split evenly go to the largest remainders, so the parts sum to the line exactly',
  async t => {
    t.same(allocate(byPercent(['33.3333', '33.3333', '33.3334']), { ...funds, lineAnnualAmount: '0.10' }).amounts, [
      3n,
      3n,
      4n
    ])
    t.same(
      allocate(byPercent(['50', '50']), { ...funds, lineAnnualAmount: '0.01' }).amounts,
      [1n, 0n],
      'a tie goes to the earlier register'
    )
    t.same(
      allocate(byPercent(['0.0001', '99.9999']), { ...funds, lineAnnualAmount: '9999.99' }).amounts,
      [1n, 999_998n],
      '0.0001 % of 999,999 öre is 0.9999 öre'
    )
    t.same(
      allocate(byPercent(['100']), { ...funds, lineAnnualAmount: '0.00' }).amounts,
      [0n],
      'a zero line allocates nothing'
    )
  }
)

/** 1–10 registers' percentages, in units of 0.0001 %, each at least 0.0001 % and together exactly 100 %. */
const percentWeights = fc.uniqueArray(fc.integer({ min: 1, max: 999_999 }), { maxLength: 9 }).map(cuts => {
  const points = [0, ...cuts.sort((a, b) => a - b), 1_000_000]
  return points.slice(1).map((p, i) => BigInt(p - points[i]!))
})
const lineOre = fc.bigInt({ min: 0n, max: 10n ** 12n })
const indexArb = fc.oneof(
  fc.constantFrom('1', '1.023', '1.000001', '0.999999'),
  fc.integer({ min: 1, max: 3_000_000 }).map(n => formatScaled(BigInt(n), 6))
)
const modeArb = fc.constantFrom<RoundingMode>('half_away_from_zero', 'half_to_even')

t.test(
  "property: the year's line is within half an öre of annual amount × index, and a half öre rounds as the mode says",
  async t => {
    fc.assert(
      fc.property(lineOre, fc.integer({ min: 0, max: 3_000_000 }), modeArb, (ore, micro, mode) => {
        const line = yearLine({
          ...funds,
          lineAnnualAmount: formatOre(ore),
          indexAdjustment: formatScaled(BigInt(micro), 6),
          roundingMode: mode
        })!
        const gap = line * 1_000_000n - ore * BigInt(micro) // in millionths of an öre
        if (gap > 500_000n || gap < -500_000n) return false
        if (gap === 500_000n) return mode === 'half_to_even' ? line % 2n === 0n : true // the exact value was x.5, rounded up
        if (gap === -500_000n) return mode === 'half_to_even' && line % 2n === 0n // rounded down from x.5: only to an even
        return true
      }),
      { numRuns: 500 }
    )
    t.pass('500 random lines held')
  }
)

t.test(
  'property: share_of_line, not scaled, allocates the line to the öre; no part is negative or an öre off its exact ' +
    'share',
  async t => {
    fc.assert(
      fc.property(percentWeights, lineOre, indexArb, modeArb, (weights, ore, index, mode) => {
        const yearFunds: YearFunds = {
          ...funds,
          lineAnnualAmount: formatOre(ore),
          indexAdjustment: index,
          roundingMode: mode,
          invoiced: null
        }
        const plan = byPercent(weights.map(w => formatScaled(w, 4)))
        if (planErrors(plan, yearFunds, new Set(plan.registers.map(r => r.register_code))).length !== 0) return false
        const line = yearLine(yearFunds)!
        const { amounts, total, collected } = allocate(plan, yearFunds)
        return (
          amounts.length === weights.length &&
          collected === null &&
          sum(amounts) === line &&
          total === line &&
          amounts.every((a, i) => {
            const gap = a * 1_000_000n - line * weights[i]! // in millionths of an öre: the exact share is line × weight / 1,000,000
            return a >= 0n && gap < 1_000_000n && gap > -1_000_000n
          })
        )
      }),
      { numRuns: 500 }
    )
    t.pass('500 random plans held')
  }
)

// ---------------------------------------------------------------------------------------------------------------
// scaled_to_collected

t.test(
  'seed: scaled to the 18,133,000.00 collected of a 19,500,000.00 budget, the 9,750,000.00 line shrinks to ' +
    '9,066,500.00',
  async t => {
    const allocation = allocate(byPercent(seedPercents, true), funds)
    t.equal(allocation.total, 906_650_000n)
    t.equal(formatOre(allocation.total), '9066500.00')
    t.same(allocation.amounts, [271_995_000n, 181_330_000n, 181_330_000n, 135_997_500n, 135_997_500n])
    t.equal(sum(allocation.amounts), allocation.total)
    t.equal(allocation.line, 975_000_000n, 'the line is still reported unscaled')
    t.equal(allocation.collected, 1_813_300_000n)
  }
)

t.test('scaling never grows the money: collecting the budget or more leaves the line as it is', async t => {
  for (const invoiced of [1_950_000_000n, 1_950_000_001n, 2_500_000_000n]) {
    const allocation = allocate(byPercent(seedPercents, true), { ...funds, invoiced })
    t.equal(allocation.total, 975_000_000n, `${formatOre(invoiced)} collected`)
    t.same(allocation.amounts, [292_500_000n, 195_000_000n, 195_000_000n, 146_250_000n, 146_250_000n])
  }
  t.equal(
    allocate(byPercent(seedPercents, true), { ...funds, invoiced: 0n }).total,
    0n,
    'nothing collected, nothing allocated'
  )
  t.same(allocate(byPercent(seedPercents, true), { ...funds, invoiced: 0n }).amounts, [0n, 0n, 0n, 0n, 0n])
})

t.test('scaling compares what was collected with the indexed budget, not the annual one', async t => {
  const indexed = { ...funds, indexAdjustment: '1.023' }
  const allocation = allocate(byPercent(seedPercents, true), { ...indexed, invoiced: 1_950_000_000n })
  t.equal(
    allocation.total,
    975_000_000n,
    '19,500,000.00 of an indexed 19,948,500.00 is short: half of it, as the line is half the budget'
  )
  t.equal(allocate(byPercent(seedPercents, true), { ...indexed, invoiced: 1_813_300_000n }).total, 906_650_000n)
  t.equal(
    allocate(byPercent(seedPercents, true), { ...indexed, invoiced: 1_994_850_000n }).total,
    997_425_000n,
    'the full indexed budget gives the full indexed line'
  )
})

t.test(
  'property: scaled to what was collected, the total is at most the line, the parts sum to it, and none outgrows ' +
    'its unscaled part',
  async t => {
    const scaledArb = fc.record({
      weights: percentWeights,
      line: lineOre,
      budget: fc.bigInt({ min: 1n, max: 10n ** 12n }),
      ratio: fc.integer({ min: 0, max: 1_500_000 }), // collected as millionths of the annual budget
      index: indexArb,
      mode: modeArb
    })
    fc.assert(
      fc.property(scaledArb, ({ weights, line, budget, ratio, index, mode }) => {
        const invoiced = (budget * BigInt(ratio)) / 1_000_000n
        const yearFunds: YearFunds = {
          annualBudget: formatOre(budget),
          lineAnnualAmount: formatOre(line),
          indexAdjustment: index,
          roundingMode: mode,
          invoiced
        }
        const plan = byPercent(
          weights.map(w => formatScaled(w, 4)),
          true
        )
        if (planErrors(plan, yearFunds, new Set(plan.registers.map(r => r.register_code))).length !== 0) return false
        const unscaled = allocate({ ...plan, scaled_to_collected: false }, yearFunds)
        const result = allocate(plan, yearFunds)
        const lineOreYear = yearLine(yearFunds)!
        const collectedExact = invoiced * ORE_PER_EXACT_UNIT
        // total / line = collected / budget, to within half an öre; or the line itself once the budget is collected
        const exactGap = result.total * result.budget - lineOreYear * collectedExact
        const totalRight =
          collectedExact >= result.budget
            ? result.total === lineOreYear
            : 2n * exactGap <= result.budget && 2n * exactGap >= -result.budget
        return (
          totalRight &&
          result.total <= lineOreYear &&
          sum(result.amounts) === result.total &&
          result.collected === invoiced &&
          result.amounts.every((a, i) => a >= 0n && a <= unscaled.amounts[i]!)
        )
      }),
      { numRuns: 500 }
    )
    t.pass('500 random scaled plans held')
  }
)

// ---------------------------------------------------------------------------------------------------------------
// fixed_amount

t.test('fixed_amount, not scaled: each register gets exactly the amount given', async t => {
  const allocation = allocate(byAmount(['3000000.00', '1000000.00', '0.01']), funds)
  t.same(allocation.amounts, [300_000_000n, 100_000_000n, 1n])
  t.equal(allocation.total, 400_000_001n)
  t.equal(allocation.line, 975_000_000n)
  t.same(
    allocate(byAmount(['1500000.00']), { ...funds, lineAnnualAmount: null }).amounts,
    [150_000_000n],
    'no line is needed for fixed amounts'
  )
})

t.test(
  'fixed_amount, scaled: the amounts shrink by collected / budget and sum exactly to the scaled total',
  async t => {
    // 4,000,000.00 × 18,133,000 / 19,500,000 = 3,719,589.743589…, rounded to 3,719,589.74; split 3:1, the tied half öre
    // goes to the first
    const allocation = allocate(byAmount(['3000000.00', '1000000.00'], true), funds)
    t.equal(allocation.total, 371_958_974n)
    t.same(allocation.amounts, [278_969_231n, 92_989_743n])
    t.equal(sum(allocation.amounts), allocation.total)
    t.same(
      allocate(byAmount(['3000000.00', '1000000.00'], true), { ...funds, invoiced: 1_950_000_000n }).amounts,
      [300_000_000n, 100_000_000n],
      'with the budget collected the amounts stand as given'
    )
  }
)

t.test(
  'property: fixed amounts are kept as given, and scaled they sum to a total within half an öre of sum × collected ' +
    '/ budget',
  async t => {
    const fixedArb = fc.record({
      amounts: fc.array(fc.bigInt({ min: 1n, max: 10n ** 10n }), { minLength: 1, maxLength: 10 }),
      budget: fc.bigInt({ min: 1n, max: 10n ** 12n }),
      ratio: fc.integer({ min: 0, max: 1_500_000 }),
      index: indexArb,
      mode: modeArb
    })
    fc.assert(
      fc.property(fixedArb, ({ amounts, budget, ratio, index, mode }) => {
        const invoiced = (budget * BigInt(ratio)) / 1_000_000n
        const yearFunds: YearFunds = {
          annualBudget: formatOre(budget),
          lineAnnualAmount: null,
          indexAdjustment: index,
          roundingMode: mode,
          invoiced
        }
        const given = amounts.map(formatOre)
        if (
          planErrors(byAmount(given, true), yearFunds, new Set(byAmount(given).registers.map(r => r.register_code)))
            .length !== 0
        )
          return false
        const plain = allocate(byAmount(given), yearFunds)
        const result = allocate(byAmount(given, true), yearFunds)
        const givenTotal = sum(amounts)
        const collectedExact = invoiced * ORE_PER_EXACT_UNIT
        const exactGap = result.total * result.budget - givenTotal * collectedExact
        const totalRight =
          collectedExact >= result.budget
            ? result.total === givenTotal
            : 2n * exactGap <= result.budget && 2n * exactGap >= -result.budget
        return (
          plain.amounts.every((a, i) => a === amounts[i]) &&
          plain.total === givenTotal &&
          totalRight &&
          result.total <= givenTotal &&
          sum(result.amounts) === result.total &&
          result.amounts.every((a, i) => a >= 0n && a <= amounts[i]!)
        )
      }),
      { numRuns: 300 }
    )
    t.pass('300 random fixed plans held')
  }
)

// ---------------------------------------------------------------------------------------------------------------
// planErrors

t.test('a valid plan has no errors', async t => {
  t.same(planErrors(byPercent(seedPercents), funds, known), [])
  t.same(planErrors(byPercent(seedPercents, true), funds, known), [])
  t.same(planErrors(byPercent(['33.3333', '33.3333', '33.3334']), funds, known), [])
  t.same(planErrors(byAmount(['9750000.00']), funds, known), [], 'fixed amounts may take the whole line')
  t.same(
    planErrors(byAmount(['9974250.00']), { ...funds, indexAdjustment: '1.023' }, known),
    [],
    'the whole indexed line'
  )
  t.same(
    planErrors(byAmount(['99999999.00']), { ...funds, lineAnnualAmount: null }, known),
    [],
    'without a line amount, fixed amounts have no ceiling'
  )
  t.same(planErrors(byAmount(['1.00'], true), funds, known), [])
})

t.test('planErrors names every problem of a share_of_line plan at once, each at its JSON pointer', async t => {
  const plan: AllocationPlan = {
    basis: 'share_of_line',
    scaled_to_collected: true,
    registers: [
      { register_code: 'senior-alert', percent: '50' },
      { register_code: 'no-such-register', percent: '10' },
      { register_code: 'senior-alert', percent: '10' },
      { register_code: 'bpsd', amount: '100.00' },
      { register_code: 'rikssar', percent: '0.0000' },
      { register_code: 'svedem', percent: '5', amount: '1.00' }
    ]
  }
  t.same(planErrors(plan, { ...funds, lineAnnualAmount: null, invoiced: null }, known), [
    { pointer: '/registers/1/register_code', detail: 'no-such-register is not a quality register' },
    { pointer: '/registers/2/register_code', detail: 'repeats senior-alert' },
    { pointer: '/registers/3/percent', detail: 'is required when the basis is share_of_line' },
    { pointer: '/registers/3/amount', detail: 'must be left out when the basis is share_of_line' },
    { pointer: '/registers/4/percent', detail: 'must be more than 0: leave a register without money out' },
    { pointer: '/registers/5/amount', detail: 'must be left out when the basis is share_of_line' },
    {
      pointer: '/basis',
      detail: "the period's quality_registers budget line has no amount: give it one, or allocate fixed amounts"
    },
    { pointer: '/registers', detail: 'the percentages must add up to exactly 100' },
    { pointer: '/scaled_to_collected', detail: 'the year has not been invoiced: what is collected is known once it is' }
  ])
})

t.test('planErrors names every problem of a fixed_amount plan at once, each at its JSON pointer', async t => {
  const plan: AllocationPlan = {
    basis: 'fixed_amount',
    scaled_to_collected: true,
    registers: [
      { register_code: 'senior-alert', amount: '9000000.00' },
      { register_code: 'bpsd', percent: '10' },
      { register_code: 'rikssar', amount: '0.00' },
      { register_code: 'svedem', amount: '750000.01' },
      { register_code: 'SVEDEM', amount: '1.00' }
    ]
  }
  t.same(planErrors(plan, { ...funds, invoiced: null }, known), [
    { pointer: '/registers/1/amount', detail: 'is required when the basis is fixed_amount' },
    { pointer: '/registers/1/percent', detail: 'must be left out when the basis is fixed_amount' },
    { pointer: '/registers/2/amount', detail: 'must be more than 0: leave a register without money out' },
    { pointer: '/registers/4/register_code', detail: 'SVEDEM is not a quality register' },
    { pointer: '/registers', detail: "the amounts add up to more than the year's register line" },
    { pointer: '/scaled_to_collected', detail: 'the year has not been invoiced: what is collected is known once it is' }
  ])
})

t.test('percentages must add up to exactly 100, to the fourth decimal', async t => {
  const refused = [{ pointer: '/registers', detail: 'the percentages must add up to exactly 100' }]
  t.same(planErrors(byPercent(['30', '20', '20', '15', '14.9999']), funds, known), refused, '99.9999 %')
  t.same(planErrors(byPercent(['30', '20', '20', '15', '15.0001']), funds, known), refused, '100.0001 %')
  t.same(planErrors(byPercent(['100', '100']), funds, known), refused)
  t.same(planErrors(byPercent([]), funds, known), refused, 'an empty plan adds up to 0 %')
  t.same(planErrors(byPercent(['100.0000']), funds, known), [])
})

t.test('a zero amount or percent is refused however it is written', async t => {
  for (const zero of ['0', '0.0', '00.00', '0.0000']) {
    t.same(
      planErrors(byPercent([zero, '100']), funds, known),
      [{ pointer: '/registers/0/percent', detail: 'must be more than 0: leave a register without money out' }],
      `percent ${zero}`
    )
  }
  for (const zero of ['0', '0.00', '000']) {
    t.same(
      planErrors(byAmount([zero]), funds, known),
      [{ pointer: '/registers/0/amount', detail: 'must be more than 0: leave a register without money out' }],
      `amount ${zero}`
    )
  }
  t.same(planErrors(byAmount(['0.01']), funds, known), [], 'one öre is money')
  t.same(planErrors(byPercent(['0.0001', '99.9999']), funds, known), [], '0.0001 % is a share')
})

t.test("fixed amounts may not add up to more than the year's indexed line", async t => {
  const over = [{ pointer: '/registers', detail: "the amounts add up to more than the year's register line" }]
  t.same(planErrors(byAmount(['5000000.00', '4750000.01']), funds, known), over, 'one öre over 9,750,000.00')
  t.same(planErrors(byAmount(['5000000.00', '4750000.00']), funds, known), [])
  t.same(
    planErrors(byAmount(['9974250.01']), { ...funds, indexAdjustment: '1.023' }, known),
    over,
    'one öre over the indexed 9,974,250.00'
  )
  t.same(
    planErrors(byAmount(['9750000.01']), { ...funds, indexAdjustment: '1.023' }, known),
    [],
    'over the annual line but within the indexed one'
  )
})

t.test(
  'property: a plan whose percentages sum to 100 is valid; change one by 0.0001 and it is refused at /registers',
  async t => {
    fc.assert(
      fc.property(percentWeights, lineOre, indexArb, fc.boolean(), fc.nat(), (weights, ore, index, up, pick) => {
        const yearFunds: YearFunds = { ...funds, lineAnnualAmount: formatOre(ore), indexAdjustment: index }
        const codes = new Set(weights.map((_, i) => REGISTERS[i] ?? `register-${i}`))
        const valid = byPercent(weights.map(w => formatScaled(w, 4)))
        const i = pick % weights.length
        const nudged = weights.map((w, j) => (j === i ? w + (up || w === 1n ? 1n : -1n) : w))
        const errors = planErrors(byPercent(nudged.map(w => formatScaled(w, 4))), yearFunds, codes)
        return (
          planErrors(valid, yearFunds, codes).length === 0 &&
          errors.length === 1 &&
          errors[0]!.pointer === '/registers' &&
          errors[0]!.detail === 'the percentages must add up to exactly 100'
        )
      }),
      { numRuns: 300 }
    )
    t.pass('300 random plans held')
  }
)

// ---------------------------------------------------------------------------------------------------------------
// Payout statuses

t.test(
  'a payout moves planned → approved → paid, may be cancelled until paid, and paid or cancelled is final',
  async t => {
    t.same(NEXT_STATUSES, {
      planned: ['approved', 'cancelled'],
      approved: ['paid', 'cancelled'],
      paid: [],
      cancelled: []
    })
    t.same(PAYOUT_STATUSES, ['planned', 'approved', 'paid', 'cancelled'])
    const reachable = new Set<PayoutStatus>(['planned'])
    for (let added = true; added; ) {
      added = false
      for (const from of [...reachable])
        for (const to of NEXT_STATUSES[from])
          if (!reachable.has(to)) {
            reachable.add(to)
            added = true
          }
    }
    t.same(
      [...reachable].sort(),
      ['approved', 'cancelled', 'paid', 'planned'],
      'every status can be reached from planned'
    )
    t.notOk(
      PAYOUT_STATUSES.some(s => NEXT_STATUSES[s].includes('planned')),
      'nothing goes back to planned'
    )
    t.notOk(
      PAYOUT_STATUSES.some(s => NEXT_STATUSES[s].includes(s)),
      'no status moves to itself'
    )
  }
)

t.test(
  'marking a payout paid needs its date and reference, not before the day it was planned, and a payee',
  async t => {
    t.same(
      statusChangeErrors(
        { status: 'paid', paid_on: '2026-03-01', payment_reference: 'BG 123-4567' },
        '2026-03-01',
        true
      ),
      [],
      'paid on the planned day'
    )
    t.same(
      statusChangeErrors(
        { status: 'paid', paid_on: '2026-04-15', payment_reference: 'BG 123-4567' },
        '2026-03-01',
        true
      ),
      []
    )
    t.same(statusChangeErrors({ status: 'paid' }, '2026-03-01', true), [
      { pointer: '/paid_on', detail: 'is required to mark a payout paid' },
      { pointer: '/payment_reference', detail: 'is required to mark a payout paid' }
    ])
    t.same(statusChangeErrors({ status: 'paid', paid_on: '2026-02-28', payment_reference: 'X' }, '2026-03-01', true), [
      { pointer: '/paid_on', detail: 'is before the payout was planned (2026-03-01)' }
    ])
    t.same(
      statusChangeErrors({ status: 'paid', paid_on: '2025-12-31', payment_reference: 'X' }, '2026-01-01', true),
      [{ pointer: '/paid_on', detail: 'is before the payout was planned (2026-01-01)' }],
      'across a year end'
    )
    t.same(statusChangeErrors({ status: 'paid', paid_on: '2026-03-01', payment_reference: 'X' }, '2026-03-01', false), [
      { pointer: '/status', detail: 'the register has no payee details: an admin must record them first' }
    ])
    t.same(
      statusChangeErrors({ status: 'paid', paid_on: '2026-02-01' }, '2026-03-01', false),
      [
        { pointer: '/payment_reference', detail: 'is required to mark a payout paid' },
        { pointer: '/paid_on', detail: 'is before the payout was planned (2026-03-01)' },
        { pointer: '/status', detail: 'the register has no payee details: an admin must record them first' }
      ],
      'every problem at once'
    )
  }
)

t.test("a payment's date and reference belong to a payment only", async t => {
  for (const status of ['approved', 'cancelled'] as const) {
    t.same(
      statusChangeErrors({ status, paid_on: '2026-03-01', payment_reference: 'X', reason: 'why' }, '2026-03-01', true),
      [
        { pointer: '/paid_on', detail: 'belongs to a payment only' },
        { pointer: '/payment_reference', detail: 'belongs to a payment only' }
      ],
      status
    )
  }
})

t.test("cancelling needs a reason; approving needs the register's payee but cancelling does not", async t => {
  t.same(statusChangeErrors({ status: 'cancelled' }, '2026-03-01', true), [
    { pointer: '/reason', detail: 'is required to cancel a payout' }
  ])
  t.same(
    statusChangeErrors({ status: 'cancelled', reason: 'the register closed' }, '2026-03-01', false),
    [],
    'a payout to a register without a payee may be cancelled'
  )
  t.same(statusChangeErrors({ status: 'approved' }, '2026-03-01', true), [])
  t.same(statusChangeErrors({ status: 'approved' }, '2026-03-01', false), [
    { pointer: '/status', detail: 'the register has no payee details: an admin must record them first' }
  ])
})

t.test('property: statusChangeErrors reports exactly the rules a status change breaks', async t => {
  const date = fc
    .date({ min: new Date('2020-01-01'), max: new Date('2030-12-31'), noInvalidDate: true })
    .map(d => d.toISOString().slice(0, 10))
  const changeArb = fc.record({
    status: fc.constantFrom<PayoutStatus>('approved', 'paid', 'cancelled'),
    paid_on: fc.option(date, { nil: undefined }),
    payment_reference: fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: undefined }),
    reason: fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: undefined })
  })
  fc.assert(
    fc.property(changeArb, date, fc.boolean(), (raw, plannedOn, hasPayee) => {
      const change: StatusChange = { status: raw.status }
      if (raw.paid_on !== undefined) change.paid_on = raw.paid_on
      if (raw.payment_reference !== undefined) change.payment_reference = raw.payment_reference
      if (raw.reason !== undefined) change.reason = raw.reason
      const paying = change.status === 'paid'
      const expected = [
        ...(paying !== (change.paid_on !== undefined) ? ['/paid_on'] : []),
        ...(paying !== (change.payment_reference !== undefined) ? ['/payment_reference'] : []),
        ...(paying && change.paid_on !== undefined && Date.parse(change.paid_on) < Date.parse(plannedOn)
          ? ['/paid_on']
          : []),
        ...(change.status === 'cancelled' && change.reason === undefined ? ['/reason'] : []),
        ...(change.status !== 'cancelled' && !hasPayee ? ['/status'] : [])
      ]
      const actual = statusChangeErrors(change, plannedOn, hasPayee).map(e => e.pointer)
      return JSON.stringify(actual) === JSON.stringify(expected)
    }),
    { numRuns: 500 }
  )
  t.pass('500 random status changes held')
})

t.test('rule: a payout may take a register up to its allocation for the year, and not one öre further', async t => {
  t.equal(payoutBeyondAllocation(292_500_000n, 0n, 292_500_000n), undefined, 'the whole allocation at once')
  t.equal(payoutBeyondAllocation(292_500_000n, 92_500_000n, 200_000_000n), undefined, 'exactly what is left')
  t.same(payoutBeyondAllocation(292_500_000n, 92_500_000n, 200_000_001n), { left: 200_000_000n }, 'one öre more')
  t.same(payoutBeyondAllocation(0n, 0n, 1n), { left: 0n }, 'a register without an allocation gets nothing')
})

t.test('rule: a plan may not allocate a register less than its payouts already take', async t => {
  const registers = [{ register_code: 'bpsd' }, { register_code: 'svedem' }]
  const enough = new Map([
    ['bpsd', 150_000n],
    ['senior-alert', 0n]
  ])
  t.same(allocationsBelowPayouts(registers, [150_000n, 0n], enough), [], 'exactly what the payouts take is enough')
  const short = new Map([
    ['bpsd', 150_000n],
    ['senior-alert', 1n]
  ])
  t.same(
    allocationsBelowPayouts(registers, [149_999n, 0n], short),
    [
      { pointer: '/registers/0', detail: 'bpsd would get 1499.99, but its payouts already take 1500.00' },
      { pointer: '/registers', detail: 'senior-alert would get 0.00, but its payouts already take 0.01' }
    ],
    'one öre short, and a register the plan leaves out'
  )
})
