import Type, { type Static } from 'typebox'
import {
  ExactAmount,
  FormatQuery,
  FreeText,
  Id,
  Int32,
  IsoDate,
  Money,
  MunicipalityCode,
  MunicipalityName,
  Nullable,
  PositiveMoney,
  Page,
  PageQuery,
  ref,
  SignedMoney,
  StringEnum,
  Timestamp,
  Year
} from './common.ts'
import { Weight } from './cost-weights.ts'
import { CaseNumber, IndexAdjustment, PeriodId, Rate } from './recommendation-periods.ts'

export const SubstitutePopulation = Type.Object(
  {
    decided_by: FreeText({
      minLength: 1,
      maxLength: 200,
      description: 'Who in finance decided, and in what capacity.',
      example: 'Ekonomichef, SKR'
    }),
    reason: FreeText({
      minLength: 1,
      maxLength: 2000,
      description: 'Why the substitute figures are acceptable.',
      example: "SCB's figures of 30 November 2018 are not held; 31 December 2018's are one month away."
    })
  },
  {
    $id: 'SubstitutePopulation',
    additionalProperties: false,
    description:
      "Finance's decision to invoice a year although some shares rest on substitute population figures (the " +
      "closest in time to the rule's date, which is not held; see `population_basis` in the cost shares). Required " +
      'then, and recorded with the invoiced year (not where no share the year rests on is a substitute).'
  }
)

export const InvoicedYearInput = Type.Object(
  {
    year: {
      ...Year,
      description:
        'The financing year to invoice. Participation in it must be settled: its last day to join has passed.'
    },
    invoice_date: { ...IsoDate, description: 'The date the invoices carry.', example: '2020-02-15' },
    substitute_population: Type.Optional(ref(SubstitutePopulation))
  },
  {
    $id: 'InvoicedYearInput',
    additionalProperties: false,
    description: 'Locks a financing year: its shares become invoices, frozen for good.',
    example: { year: 2020, invoice_date: '2020-02-15' }
  }
)

export const InvoicedYear = Type.Object(
  {
    period_id: PeriodId,
    period_case_number: CaseNumber,
    year: Year,
    invoice_date: { ...IsoDate, example: '2020-02-15' },
    as_of: {
      ...IsoDate,
      description: 'The day whose participation and population the invoices were computed from: the day of locking.',
      example: '2020-02-01'
    },
    locked_at: Timestamp,
    invoice_count: Int32({ minimum: 0, description: 'One invoice per participant.', example: 280 }),
    invoiced: { ...Money, description: 'The sum of the invoices.', example: '18915630.00' },
    invoiced_total: {
      ...Money,
      description:
        "`invoiced` with the settlements' credit notes and supplementary invoices: what was invoiced in all.",
      example: '18915630.00'
    },
    substitute_population: Nullable(ref(SubstitutePopulation))
  },
  { $id: 'InvoicedYear', additionalProperties: false, description: 'A financing year that has been invoiced.' }
)

export const InvoicedYearList = Type.Object(
  {
    items: Type.Array(ref(InvoicedYear), { maxItems: 101, description: "The period's invoiced years, first to last." })
  },
  { $id: 'InvoicedYearList', additionalProperties: false, description: "A period's invoiced years." }
)

export const Payment = Type.Object(
  {
    paid_on: { ...IsoDate, description: 'The day the municipality paid.', example: '2020-03-16' },
    payment_reference: Nullable(
      FreeText({
        minLength: 1,
        maxLength: 200,
        description: "The finance system's reference for the payment.",
        example: 'BG 2020-03-16 0042'
      })
    ),
    recorded_at: Timestamp
  },
  { $id: 'Payment', additionalProperties: false, description: 'How an invoice was paid.' }
)

export const PaymentInput = Type.Object(
  {
    paid_on: Payment.properties.paid_on,
    payment_reference: Type.Optional(Payment.properties.payment_reference)
  },
  {
    $id: 'PaymentInput',
    additionalProperties: false,
    description: 'Marks an invoice paid, once.',
    example: { paid_on: '2020-03-16', payment_reference: 'BG 2020-03-16 0042' }
  }
)
export type PaymentInput = Static<typeof PaymentInput>

export const AdjustmentReference = Type.String({
  maxLength: 45,
  pattern: '^[0-9]{2}/[0-9]{5}-[0-9]{4}-[0-9]{4}-[1-9][0-9]{0,3}$',
  description: "The invoice's reference and the municipality's n-th adjustment of the year: unique.",
  example: '18/00295-2020-0138-1'
})

export const AdjustmentKind = StringEnum(['credit_note', 'supplementary_invoice'], {
  description: '`credit_note` refunds a credit; `supplementary_invoice` charges a debit.',
  example: 'credit_note'
})

export const AdjustmentStatus = StringEnum(['outstanding', 'paid', 'refunded'], {
  description:
    '`outstanding` until a payment is recorded: then `paid` for a supplementary invoice, `refunded` for a credit note.',
  example: 'outstanding'
})

export const AdjustmentSummary = Type.Object(
  {
    id: { ...Id, description: "The adjustment's id." },
    kind: AdjustmentKind,
    reference: AdjustmentReference,
    invoice_date: { ...IsoDate, description: 'The date it carries.', example: '2020-10-15' },
    amount: {
      ...PositiveMoney,
      description: 'What is refunded (credit note) or charged (supplementary invoice), rounded as the period says.',
      example: '1950.00'
    },
    status: AdjustmentStatus
  },
  { $id: 'AdjustmentSummary', additionalProperties: false, description: 'An adjustment, in brief.' }
)

export const Invoice = Type.Object(
  {
    id: { ...Id, description: "The invoice's id." },
    period_id: PeriodId,
    period_case_number: CaseNumber,
    year: Year,
    municipality_code: MunicipalityCode,
    municipality_name: MunicipalityName,
    reference: Type.String({
      maxLength: 40,
      pattern: '^[0-9]{2}/[0-9]{5}-[0-9]{4}-[0-9]{4}$',
      description: 'Case number, year and municipality code: unique.',
      example: '18/00295-2020-0138'
    }),
    invoice_date: { ...IsoDate, example: '2020-02-15' },
    amount: { ...Money, description: 'The amount invoiced, rounded as the period says.', example: '93618.00' },
    exact_amount: { ...ExactAmount, description: 'The share before rounding.' },
    population: Nullable(
      Int32({
        minimum: 0,
        description:
          'The population it was computed from: per inhabitant, or weighed by the membership fee (`weight` then ' +
          'holds the weight); `null` for imported weights.',
        example: 48009
      })
    ),
    population_date: Nullable({ ...IsoDate, description: 'The date of that figure.', example: '2018-11-30' }),
    population_basis: Nullable(
      StringEnum(['reference_date', 'substitute'], {
        description:
          "Whether that figure is the rule's date's (`reference_date`) or a substitute, invoiced by the decision " +
          'recorded with the invoiced year; `null` for imported weights and for invoices issued before this was ' +
          'recorded.',
        example: 'reference_date'
      })
    ),
    weight: Nullable({ ...Weight, description: 'Weighted total: the weight it was computed from.', example: null }),
    rate_per_inhabitant: Nullable({
      ...Rate,
      description: 'Per inhabitant: the base rate; `null` in weighted-total periods.'
    }),
    index_adjustment: IndexAdjustment,
    decision_id: { ...Id, description: 'The adoption the municipality takes part by.' },
    status: StringEnum(['unpaid', 'paid'], { description: '`paid` once a payment is recorded.', example: 'unpaid' }),
    payment: Nullable(ref(Payment)),
    adjustments: Type.Array(ref(AdjustmentSummary), {
      maxItems: 10_000,
      description: 'The credit notes and supplementary invoices settlements have issued against it, in order.'
    }),
    invoiced_total: {
      ...Money,
      description: '`amount` with its adjustments: what the municipality has now been invoiced for the year in all.',
      example: '93618.00'
    },
    difference: {
      ...SignedMoney,
      description:
        "The municipality's share of the year as it stands today − `invoiced_total`: what a settlement of the year " +
        'would now issue. Positive is owed (a supplementary invoice), negative is due back (a credit note).',
      example: '0.00'
    },
    settlement: StringEnum(['none', 'debit', 'credit'], {
      description: 'Whether a difference is open (left to settle), and which way.',
      example: 'none'
    })
  },
  {
    $id: 'Invoice',
    additionalProperties: false,
    description:
      "A municipality's invoice for one financing year: never changed once issued. What settlements have done " +
      'since shows beside it: `adjustments`, `invoiced_total` and the `difference` still open.'
  }
)
export type Invoice = Static<typeof Invoice>
/** An invoice with its adjustments, before the cost-share report tells its open difference. */
export type AdjustedInvoice = Omit<Invoice, 'difference' | 'settlement'>

export const InvoicePage = Page(ref(Invoice), 'InvoicePage')

export const InvoiceListQuery = Type.Object(
  {
    period_id: Type.Optional({ ...PeriodId, description: 'Only this period.' }),
    year: Type.Optional({ ...Year, description: 'Only this financing year.' }),
    municipality_code: Type.Optional({ ...MunicipalityCode, description: 'Only this municipality.' }),
    status: Type.Optional(StringEnum(['unpaid', 'paid'], { description: 'Only unpaid or paid invoices.' })),
    ...PageQuery,
    ...FormatQuery
  },
  { additionalProperties: false }
)
export type InvoiceFilter = Omit<Static<typeof InvoiceListQuery>, 'page' | 'limit' | 'format'>

export const InvoiceParams = Type.Object(
  { id: { ...Id, description: "The invoice's id." } },
  { additionalProperties: false }
)
export const InvoicedYearParams = Type.Object({ id: PeriodId, year: Year }, { additionalProperties: false })
