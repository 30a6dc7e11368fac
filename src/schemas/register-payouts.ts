import Type, { type Static } from 'typebox'
import { PAYOUT_STATUSES } from '../domain/register-payouts.ts'
import {
  FormatQuery,
  FreeText,
  Id,
  Int32,
  IsoDate,
  Money,
  Nullable,
  Page,
  PageQuery,
  ref,
  SignedMoney,
  StringEnum,
  Timestamp,
  Year
} from './common.ts'
import { RegisterCode, RegisterName } from './quality-registers.ts'
import { CaseNumber, PeriodId } from './recommendation-periods.ts'

const PayoutStatus = StringEnum(PAYOUT_STATUSES, {
  description:
    '`planned` (reserved against the allocation), `approved` (cleared for payment), `paid` (final) or `cancelled` ' +
    '(final; frees the amount). ' +
    'A payout moves planned → approved → paid, and may be cancelled until it is paid.',
  example: 'approved'
})

const PaymentReference = FreeText({
  minLength: 1,
  maxLength: 200,
  description: "The finance system's reference for the payment.",
  example: 'LB 2020-06-30 0017'
})
const Reason = FreeText({
  minLength: 1,
  maxLength: 500,
  description: 'Why, in a sentence.',
  example: 'Planned twice by mistake.'
})

export const PayoutInput = Type.Object(
  {
    period_id: PeriodId,
    year: { ...Year, description: 'The financing year whose register money is paid out.' },
    register_code: RegisterCode,
    amount: {
      ...Money,
      description: "More than 0, and at most what is left of the register's allocation for the year.",
      example: '1500000.00'
    },
    note: Type.Optional(
      FreeText({ minLength: 1, maxLength: 500, description: 'What the payout is for.', example: 'First half of 2020' })
    )
  },
  {
    $id: 'PayoutInput',
    additionalProperties: false,
    description: 'Plans a payout to a quality register; it starts `planned` and counts against the allocation at once.',
    example: {
      period_id: 2,
      year: 2020,
      register_code: 'senior-alert',
      amount: '1500000.00',
      note: 'First half of 2020'
    }
  }
)
export type PayoutInput = Static<typeof PayoutInput>

export const StatusChangeInput = Type.Object(
  {
    status: StringEnum(['approved', 'paid', 'cancelled'], { description: 'The status to move to.', example: 'paid' }),
    paid_on: Type.Optional({
      ...IsoDate,
      description: 'Required to mark a payout paid: the day it was paid.',
      example: '2020-06-30'
    }),
    payment_reference: Type.Optional({ ...PaymentReference, description: 'Required to mark a payout paid.' }),
    reason: Type.Optional({ ...Reason, description: 'Required to cancel; optional otherwise.' })
  },
  {
    $id: 'StatusChangeInput',
    additionalProperties: false,
    description: 'Moves a payout on: planned → approved → paid, or planned/approved → cancelled.',
    example: { status: 'paid', paid_on: '2020-06-30', payment_reference: 'LB 2020-06-30 0017' }
  }
)
export type StatusChangeInput = Static<typeof StatusChangeInput>

export const PayoutEvent = Type.Object(
  {
    status: PayoutStatus,
    reason: Nullable({ ...Reason, example: null }),
    recorded_at: Timestamp
  },
  { $id: 'PayoutEvent', additionalProperties: false, description: 'One move of a payout, as recorded.' }
)

export const Payout = Type.Object(
  {
    id: { ...Id, description: "The payout's id." },
    period_id: PeriodId,
    period_case_number: CaseNumber,
    year: Year,
    register_code: RegisterCode,
    register_name: RegisterName,
    amount: { ...Money, example: '1500000.00' },
    status: PayoutStatus,
    paid_on: Nullable({ ...IsoDate, description: 'The day it was paid, once `paid`.', example: '2020-06-30' }),
    payment_reference: Nullable({ ...PaymentReference, description: "The payment's reference, once `paid`." }),
    note: Nullable(
      FreeText({ maxLength: 2000, description: 'What the payout is for.', example: 'First half of 2020' })
    ),
    created_at: Timestamp,
    updated_at: Timestamp,
    history: Type.Array(ref(PayoutEvent), { maxItems: 4, description: 'Every status it has had, first to last.' })
  },
  {
    $id: 'Payout',
    additionalProperties: false,
    description: "Money paid out of a year's register allocation to a quality register (utbetalning). Never deleted."
  }
)
export type Payout = Static<typeof Payout>

export const PayoutPage = Page(ref(Payout), 'PayoutPage')

export const PayoutListQuery = Type.Object(
  {
    period_id: Type.Optional({ ...PeriodId, description: 'Only this period.' }),
    year: Type.Optional({ ...Year, description: 'Only this financing year.' }),
    register_code: Type.Optional({ ...RegisterCode, description: 'Only this register.' }),
    status: Type.Optional({ ...PayoutStatus, description: 'Only payouts with this status.' }),
    ...PageQuery,
    ...FormatQuery
  },
  { additionalProperties: false }
)
export type PayoutFilter = Omit<Static<typeof PayoutListQuery>, 'page' | 'limit' | 'format'>

export const PayoutParams = Type.Object(
  { id: { ...Id, description: "The payout's id." } },
  { additionalProperties: false }
)

const fundsFields = {
  allocated: {
    ...Money,
    description: "The allocation in the year's latest plan; 0 without one.",
    example: '2719950.00'
  },
  planned: { ...Money, description: 'Payouts planned, not yet approved.', example: '0.00' },
  approved: { ...Money, description: 'Payouts approved, not yet paid.', example: '1359975.00' },
  paid: { ...Money, description: 'Payouts paid.', example: '1359975.00' },
  outstanding: { ...SignedMoney, description: 'Allocated less paid: still to be paid out.', example: '1359975.00' },
  available: {
    ...SignedMoney,
    description: 'Allocated less planned, approved and paid: what new payouts may still take.',
    example: '0.00'
  }
}

export const RegisterFunds = Type.Object(
  {
    register_code: RegisterCode,
    register_name: RegisterName,
    ...fundsFields
  },
  {
    $id: 'RegisterFunds',
    additionalProperties: false,
    description: "One register's money for one year. Cancelled payouts count nowhere."
  }
)

export const AllocationRule = Type.Object(
  {
    version: Int32({ minimum: 1, description: "The version of the year's plan in force.", example: 1 }),
    basis: StringEnum(['share_of_line', 'fixed_amount'], {
      description: 'Percent of the register line, or fixed amounts (see `AllocationPlan`).',
      example: 'share_of_line'
    }),
    scaled_to_collected: Type.Boolean({
      description: 'Whether the allocations are scaled to what was collected.',
      example: true
    })
  },
  {
    $id: 'AllocationRule',
    additionalProperties: false,
    description: "The rule of a year's latest register allocation plan."
  }
)

export const YearSettlement = Type.Object(
  {
    credited: { ...Money, description: "The sum of the year's credit notes, in `collected`.", example: '0.00' },
    debited: {
      ...Money,
      description: "The sum of the year's supplementary invoices, in `collected`.",
      example: '0.00'
    },
    difference_to_settle: {
      ...SignedMoney,
      description:
        'What a settlement would now add to `collected` (a negative amount: take from it), as of the day asked for.',
      example: '0.00'
    },
    open_differences: Int32({
      minimum: 0,
      description: 'Municipalities whose share differs from what they have been invoiced.',
      example: 0
    })
  },
  {
    $id: 'YearSettlement',
    additionalProperties: false,
    description: "How an invoiced year's settlements stand: what they changed of `collected`, and what is still open."
  }
)

export const PayoutReportYear = Type.Object(
  {
    year: Year,
    collected: {
      ...Money,
      description:
        "What the year's participants pay: once the year is invoiced, its invoices with the settlements' credit " +
        "notes and supplementary invoices (the cost shares' `invoiced_total`); until then the year's cost shares as " +
        'of the day asked for.',
      example: '19065321.00'
    },
    collected_basis: StringEnum(['invoiced', 'projected'], {
      description: 'Whether `collected` is invoiced or projected from the cost shares.',
      example: 'invoiced'
    }),
    settlement: Nullable(ref(YearSettlement)),
    allocation: Nullable(ref(AllocationRule)),
    allocated_to_registers: {
      ...fundsFields.allocated,
      description: "The registers' allocations added up.",
      example: '9066500.00'
    },
    planned: { ...fundsFields.planned, description: "All registers' planned payouts." },
    approved: { ...fundsFields.approved, description: "All registers' approved payouts." },
    paid_out: { ...fundsFields.paid, description: "All registers' paid payouts." },
    remaining: {
      ...fundsFields.outstanding,
      description: 'Allocated to registers less paid out: still to be paid to them.'
    },
    left_for_other_lines: {
      ...SignedMoney,
      description:
        "Collected less allocated to registers: what the year's other budget lines get. Negative when the registers " +
        'were promised more than was collected.',
      example: '9998821.00'
    },
    registers: Type.Array(ref(RegisterFunds), {
      maxItems: 1000,
      description: 'Every register with an allocation or a payout this year, by code.'
    })
  },
  {
    $id: 'PayoutReportYear',
    additionalProperties: false,
    description: "A financing year's register money: collected, allocated, paid out and remaining."
  }
)

export const PayoutReport = Type.Object(
  {
    period_id: PeriodId,
    period_case_number: CaseNumber,
    as_of: { ...IsoDate, description: 'The day projected figures are computed for.', example: '2020-09-10' },
    years: Type.Array(ref(PayoutReportYear), { maxItems: 101, description: 'Every financing year, first to last.' })
  },
  { $id: 'PayoutReport', additionalProperties: false, description: "A period's register money, year by year." }
)

export const PayoutReportQuery = Type.Object(
  {
    as_of: Type.Optional({
      ...IsoDate,
      description:
        'For years not yet invoiced: participation and population as they stood at the end of this day. Default: ' +
        'today (Swedish time).',
      example: '2020-09-10'
    }),
    ...FormatQuery
  },
  { additionalProperties: false }
)
export const PayoutReportParams = Type.Object({ id: PeriodId, year: Year }, { additionalProperties: false })

export const YearPayoutReport = Type.Object(
  {
    period_id: PeriodId,
    period_case_number: CaseNumber,
    as_of: PayoutReport.properties.as_of,
    ...PayoutReportYear.properties
  },
  {
    $id: 'YearPayoutReport',
    additionalProperties: false,
    description: "One financing year's register money, register by register."
  }
)
