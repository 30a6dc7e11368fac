import Type, { type Static } from 'typebox'
import {
  ExactAmount,
  FormatQuery,
  Id,
  Int32,
  IsoDate,
  Money,
  MunicipalityCode,
  MunicipalityName,
  Nullable,
  Page,
  PageQuery,
  PositiveMoney,
  ref,
  StringEnum,
  Timestamp,
  Year
} from './common.ts'
import { Weight } from './cost-weights.ts'
import { AdjustmentKind, AdjustmentReference, AdjustmentStatus, Payment, SubstitutePopulation } from './invoicing.ts'
import { CaseNumber, IndexAdjustment, PeriodId, Rate } from './recommendation-periods.ts'

export const Adjustment = Type.Object(
  {
    id: { ...Id, description: "The adjustment's id." },
    settlement_id: { ...Id, description: 'The settlement that issued it.' },
    period_id: PeriodId,
    period_case_number: CaseNumber,
    year: Year,
    municipality_code: MunicipalityCode,
    municipality_name: MunicipalityName,
    kind: AdjustmentKind,
    reference: AdjustmentReference,
    invoice_id: Nullable({
      ...Id,
      description: 'The invoice it corrects; `null` for a municipality that joined after the year was invoiced.'
    }),
    invoice_reference: {
      ...Type.String({ maxLength: 40, pattern: '^[0-9]{2}/[0-9]{5}-[0-9]{4}-[0-9]{4}$' }),
      description:
        "The reference of the municipality's invoice for the year, which it is numbered after, and the buyer " +
        'reference of its e-invoice.',
      example: '18/00295-2020-0138'
    },
    sequence: Int32({ minimum: 1, description: "The municipality's n-th adjustment of the year.", example: 1 }),
    invoice_date: { ...IsoDate, description: 'The date it carries.', example: '2020-10-15' },
    amount: {
      ...PositiveMoney,
      description: 'What is refunded (credit note) or charged (supplementary invoice), rounded as the period says.',
      example: '1950.00'
    },
    exact_amount: { ...ExactAmount, description: 'The exact difference it stands for.', example: '1950.195' },
    previously_invoiced: {
      ...Money,
      description:
        'What the municipality had been invoiced for the year before it: the invoice and earlier adjustments.',
      example: '93618.00'
    },
    previously_invoiced_exact: { ...ExactAmount, description: 'The same, exactly.' },
    share_amount: {
      ...Money,
      description: "The municipality's share as it stood on the settlement's `as_of`: what it has now been invoiced.",
      example: '91668.00'
    },
    share_exact_amount: { ...ExactAmount, description: 'The same, exactly.' },
    population: Nullable(
      Int32({ minimum: 0, description: 'The population the share was computed from, as on invoices.', example: 47009 })
    ),
    population_date: Nullable({ ...IsoDate, description: 'The date of that figure.', example: '2018-11-30' }),
    population_basis: Nullable(
      StringEnum(['reference_date', 'substitute'], {
        description: "Whether that figure is the rule's date's or a substitute, as on invoices.",
        example: 'reference_date'
      })
    ),
    weight: Nullable({
      ...Weight,
      description: 'Weighted total: the weight the share was computed from.',
      example: null
    }),
    rate_per_inhabitant: Nullable({ ...Rate, description: 'Per inhabitant: the base rate; `null` otherwise.' }),
    index_adjustment: IndexAdjustment,
    decision_id: Nullable({
      ...Id,
      description: 'The adoption the municipality takes part by now; `null` when it no longer takes part.'
    }),
    status: AdjustmentStatus,
    payment: Nullable(ref(Payment))
  },
  {
    $id: 'Adjustment',
    additionalProperties: false,
    description:
      "A credit note or supplementary invoice that settles the difference between a municipality's share and what " +
      'it had been invoiced for a year: never changed once issued.'
  }
)
export type Adjustment = Static<typeof Adjustment>

export const SettlementInput = Type.Object(
  {
    invoice_date: { ...IsoDate, description: 'The date the adjustments carry.', example: '2020-10-15' },
    substitute_population: Type.Optional(ref(SubstitutePopulation))
  },
  {
    $id: 'SettlementInput',
    additionalProperties: false,
    description: "Settles an invoiced year's open differences as they stand today.",
    example: { invoice_date: '2020-10-15' }
  }
)

export const Settlement = Type.Object(
  {
    id: { ...Id, description: "The settlement's id." },
    period_id: PeriodId,
    period_case_number: CaseNumber,
    year: Year,
    invoice_date: SettlementInput.properties.invoice_date,
    as_of: {
      ...IsoDate,
      description: 'The day whose participation and population the shares were computed from: the day of settling.',
      example: '2020-10-14'
    },
    settled_at: Timestamp,
    substitute_population: Nullable(ref(SubstitutePopulation)),
    credited: { ...Money, description: 'The sum of its credit notes.', example: '1950.00' },
    debited: { ...Money, description: 'The sum of its supplementary invoices.', example: '94205.00' },
    adjustments: Type.Array(ref(Adjustment), {
      maxItems: 100_000,
      description: 'One per municipality whose share differed, by municipality code.'
    })
  },
  {
    $id: 'Settlement',
    additionalProperties: false,
    description: "One settlement of an invoiced year's differences: never changed once issued."
  }
)
export type Settlement = Static<typeof Settlement>

export const SettlementParams = Type.Object(
  { id: { ...Id, description: "The settlement's id." } },
  { additionalProperties: false }
)

export const AdjustmentParams = Type.Object(
  { id: { ...Id, description: "The adjustment's id." } },
  { additionalProperties: false }
)

export const AdjustmentPage = Page(ref(Adjustment), 'AdjustmentPage')

export const AdjustmentListQuery = Type.Object(
  {
    period_id: Type.Optional({ ...PeriodId, description: 'Only this period.' }),
    year: Type.Optional({ ...Year, description: 'Only this financing year.' }),
    municipality_code: Type.Optional({ ...MunicipalityCode, description: 'Only this municipality.' }),
    kind: Type.Optional({ ...AdjustmentKind, description: 'Only credit notes or supplementary invoices.' }),
    status: Type.Optional({ ...AdjustmentStatus, description: 'Only adjustments in this status.' }),
    ...PageQuery,
    ...FormatQuery
  },
  { additionalProperties: false }
)
export type AdjustmentFilter = Omit<Static<typeof AdjustmentListQuery>, 'page' | 'limit' | 'format'>
