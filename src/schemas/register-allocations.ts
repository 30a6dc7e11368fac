import Type, { type Static } from 'typebox'
import { ExactAmount, Int32, Money, NOT_ZERO, Nullable, ref, StringEnum, Timestamp, Year } from './common.ts'
import { RegisterCode, RegisterName } from './quality-registers.ts'
import { CaseNumber, PeriodId } from './recommendation-periods.ts'

const Percent = Type.String({
  maxLength: 8,
  pattern: `^${NOT_ZERO}(100(\\.0{1,4})?|[0-9]{1,2}(\\.[0-9]{1,4})?)$`,
  description: "Percent of the year's register line: more than 0, at most 100, up to four decimals.",
  example: '25'
})

const planFields = {
  basis: StringEnum(['share_of_line', 'fixed_amount'], {
    description:
      "`share_of_line`: each register gets a percentage of the year's register line (the period's " +
      "`quality_registers` budget line × the year's index adjustment); " +
      'the percentages add up to 100, so the allocations add up to the line to the öre. `fixed_amount`: each ' +
      'register gets an amount; together at most the line, when the line has an amount.',
    example: 'share_of_line'
  }),
  scaled_to_collected: Type.Boolean({
    description:
      "If true, every allocation is scaled by what the year's invoices collected ÷ the year's budget (at most 1: " +
      'the budget is a ceiling), ' +
      'because municipalities that do not take part pay nothing. Only for an invoiced year.',
    example: true
  })
}

export const RegisterAllocationInput = Type.Object(
  {
    register_code: RegisterCode,
    percent: Type.Optional({ ...Percent, description: "With `share_of_line`: the register's percentage of the line." }),
    amount: Type.Optional({
      ...Money,
      description: "With `fixed_amount`: the register's amount for the year, before any scaling.",
      example: '1500000.00'
    })
  },
  {
    $id: 'RegisterAllocationInput',
    additionalProperties: false,
    description: "One register's part: a `percent` or an `amount`, as the basis says."
  }
)

export const AllocationPlanInput = Type.Object(
  {
    year: { ...Year, description: 'The financing year the plan is for.' },
    ...planFields,
    registers: Type.Array(ref(RegisterAllocationInput), {
      minItems: 1,
      maxItems: 50,
      description: 'Every register that gets money this year, once each.'
    })
  },
  {
    $id: 'AllocationPlanInput',
    additionalProperties: false,
    description:
      "How a financing year's register money is split between the quality registers. Recording a plan again makes a " +
      'new version; the latest counts, ' +
      'and it may not allocate a register less than its payouts already take.',
    example: {
      year: 2020,
      basis: 'share_of_line',
      scaled_to_collected: true,
      registers: [
        { register_code: 'senior-alert', percent: '30' },
        { register_code: 'bpsd', percent: '20' },
        { register_code: 'svenska-palliativregistret', percent: '20' },
        { register_code: 'rikssar', percent: '15' },
        { register_code: 'svedem', percent: '15' }
      ]
    }
  }
)
export type AllocationPlanInput = Static<typeof AllocationPlanInput>

export const RegisterAllocation = Type.Object(
  {
    register_code: RegisterCode,
    register_name: RegisterName,
    percent: Nullable({ ...Percent, description: 'The percentage given, with `share_of_line`.', example: '30.0000' }),
    fixed_amount: Nullable({ ...Money, description: 'The amount given, with `fixed_amount`.', example: null }),
    amount: {
      ...Money,
      description: "The register's allocation for the year, in whole öre: what its payouts may add up to at most.",
      example: '2789634.21'
    }
  },
  { $id: 'RegisterAllocation', additionalProperties: false, description: "One register's allocation for a year." }
)

export const AllocationPlan = Type.Object(
  {
    period_id: PeriodId,
    period_case_number: CaseNumber,
    year: Year,
    version: Int32({
      minimum: 1,
      description: "1 for the year's first plan, then one more for each new one.",
      example: 1
    }),
    ...planFields,
    line_amount: Nullable({
      ...Money,
      description:
        "The year's register line when the plan was recorded (annual amount × index adjustment, rounded to öre); " +
        '`null` when the period gives it no amount.',
      example: '9750000.00'
    }),
    budget: {
      ...ExactAmount,
      description:
        "The year's budget (annual budget × index adjustment): what would be collected if the budget were met.",
      example: '19500000.00'
    },
    collected: Nullable({
      ...Money,
      description: "With `scaled_to_collected`: what the year's invoices added up to when the plan was recorded.",
      example: '18133000.00'
    }),
    total: { ...Money, description: 'The allocations added up.', example: '9066500.00' },
    registers: Type.Array(ref(RegisterAllocation), {
      maxItems: 50,
      description: "Each register's allocation, by register code."
    }),
    recorded_at: Timestamp
  },
  {
    $id: 'AllocationPlan',
    additionalProperties: false,
    description:
      "A financing year's allocation to the quality registers, with the rule it follows and the figures it was " +
      'computed from. ' +
      'Allocations are rounded to öre by largest remainder, so they add up exactly to the line (or, scaled, to line ' +
      '× collected ÷ budget, rounded as the period rounds).'
  }
)
export type AllocationPlan = Static<typeof AllocationPlan>

export const AllocationPlanList = Type.Object(
  {
    items: Type.Array(ref(AllocationPlan), {
      maxItems: 101,
      description: 'The latest plan of each year that has one, first year first.'
    })
  },
  { $id: 'AllocationPlanList', additionalProperties: false, description: "A period's current register allocations." }
)

export const AllocationPlanParams = Type.Object({ id: PeriodId, year: Year }, { additionalProperties: false })
export const AllocationPlanQuery = Type.Object(
  {
    version: Type.Optional(
      Int32({ minimum: 1, description: 'An earlier version of the plan; the latest when left out.' })
    )
  },
  { additionalProperties: false }
)
