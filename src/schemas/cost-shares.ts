import Type from 'typebox'
import {
  CountyCode,
  ExactAmount,
  FormatQuery,
  FreeText,
  Id,
  Int32,
  IsoDate,
  MAX_MUNICIPALITIES,
  Money,
  MunicipalityCode,
  MunicipalityName,
  Nullable,
  ref,
  SignedMoney,
  StringEnum,
  Timestamp,
  Year
} from './common.ts'
import { AreaPercent } from './cost-allocations.ts'
import { Weight } from './cost-weights.ts'
import { CaseNumber, IndexAdjustment, PeriodId, Rate } from './recommendation-periods.ts'
import { PopulationFiguresUsed } from './uptake.ts'
import { AdjustmentSummary } from './invoicing.ts'

const AsOf = {
  ...IsoDate,
  description: 'Participation and population as they stood at the end of this day. Default: today (Swedish time).',
  example: '2020-09-10'
}

export const CostShareQuery = Type.Object(
  { as_of: Type.Optional(AsOf), ...FormatQuery },
  { additionalProperties: false }
)
export const CostShareYearParams = Type.Object({ id: PeriodId, year: Year }, { additionalProperties: false })
export const MunicipalityCostShareQuery = Type.Object(
  {
    period_id: Type.Optional({ ...PeriodId, description: 'Only this recommendation period.' }),
    as_of: Type.Optional(AsOf)
  },
  { additionalProperties: false }
)

export const Condition = Type.Object(
  {
    minimum_total_commitment: {
      ...Money,
      description: 'The decision takes effect only if the participants together commit at least this much a year.',
      example: '2500000.00'
    },
    committed_total: {
      ...Money,
      description: "What the participants together owe for the year (the year's `collected`).",
      example: '3400000.00'
    },
    met: Type.Boolean({ description: 'Whether the committed total reaches the minimum.', example: true })
  },
  {
    $id: 'Condition',
    additionalProperties: false,
    description: "A decision's condition of a minimum total commitment, judged for one year."
  }
)

export const InvoiceSummary = Type.Object(
  {
    id: { ...Id, description: "The invoice's id." },
    reference: Type.String({
      maxLength: 40,
      pattern: '^[0-9]{2}/[0-9]{5}-[0-9]{4}-[0-9]{4}$',
      description: 'The invoice reference: case number, year and municipality code.',
      example: '18/00295-2020-0138'
    }),
    invoice_date: { ...IsoDate, example: '2020-02-15' },
    amount: { ...Money, description: 'The amount invoiced, frozen when the year was invoiced.', example: '93618.00' },
    paid_on: Nullable({ ...IsoDate, description: 'The day it was paid; `null` while unpaid.', example: null })
  },
  { $id: 'InvoiceSummary', additionalProperties: false, description: 'The invoice a municipality got for the year.' }
)

export const CostShare = Type.Object(
  {
    municipality_code: MunicipalityCode,
    municipality_name: MunicipalityName,
    county_code: CountyCode,
    participating: Type.Boolean({
      description: 'Whether it takes part in the year (see participation). Non-participants owe nothing.',
      example: true
    }),
    decision_id: Nullable({
      ...Id,
      description: 'The adoption it takes part by; `null` for non-participants.',
      example: 4711
    }),
    population: Nullable(
      Int32({
        minimum: 0,
        description:
          "The population its share rests on (per inhabitant, or membership-fee weights): its figure on the period's " +
          'reference date or, where none is held, its figure closest in time (see `population_basis`); `null` for ' +
          'imported weights.',
        example: 48009
      })
    ),
    population_date: Nullable({
      ...IsoDate,
      description: 'The date of that population figure.',
      example: '2018-11-30'
    }),
    population_basis: Nullable(
      StringEnum(['reference_date', 'substitute'], {
        description:
          "`reference_date`: the figure is from the rule's date (the period's `population_reference_date`). " +
          '`substitute`: no figure of that date is held, so the closest in time stands in; a year invoiced on ' +
          "substitutes records finance's decision to do so. `null` where no population figure is used.",
        example: 'reference_date'
      })
    ),
    weight: Nullable(Weight),
    exact_amount: { ...ExactAmount, description: 'What it owes, unrounded (0 for non-participants).' },
    amount: {
      ...Money,
      description: 'What it owes, rounded as the period says: the amount to invoice (0.00 for non-participants).',
      example: '93618.00'
    },
    share_exact_amount: Nullable({
      ...ExactAmount,
      description:
        'Its share of the year whether it takes part or not (what it owes if it does), unrounded; `null` when its ' +
        'population or weight is missing.'
    }),
    share_amount: Nullable({
      ...Money,
      description: 'The same, rounded as the period says.',
      example: '93618.00'
    }),
    condition: Nullable(ref(Condition)),
    invoice: Nullable(ref(InvoiceSummary)),
    adjustments: Type.Array(ref(AdjustmentSummary), {
      maxItems: 10_000,
      description: "The credit notes and supplementary invoices settlements have issued for the municipality's year."
    }),
    invoiced_total: Nullable({
      ...Money,
      description:
        'Once the year is invoiced: what the municipality has been invoiced for it in all, the invoice (0 if none) ' +
        'with its adjustments.',
      example: '93618.00'
    }),
    difference: Nullable({
      ...SignedMoney,
      description:
        'Once the year is invoiced: `amount` − `invoiced_total`, the difference a settlement would settle. A positive ' +
        'difference is owed (debit), a negative one is due back (credit).',
      example: '0.00'
    }),
    settlement: Nullable(
      StringEnum(['none', 'debit', 'credit'], {
        description: 'Once the year is invoiced: whether a difference is open (left to settle), and which way.',
        example: 'none'
      })
    )
  },
  { $id: 'CostShare', additionalProperties: false, description: "A municipality's share of one financing year." }
)

export const YearTotals = Type.Object(
  {
    budget: {
      ...ExactAmount,
      description: "The annual budget × the year's index adjustment: the ceiling if all municipalities took part.",
      example: '19500000.00'
    },
    collected: {
      ...Money,
      description: 'What the participants owe together: the sum of `amount`.',
      example: '18915630.00'
    },
    collected_exact: { ...ExactAmount, description: 'The same, unrounded.', example: '18915629.85' },
    if_all_participated: {
      ...Money,
      description: 'What every municipality would owe together if all took part.',
      example: '19735765.00'
    },
    gap_to_budget: {
      ...ExactAmount,
      description: '`budget` − `collected`: how far the collected total falls short of the budget (negative: over it).',
      example: '584370.00'
    },
    payer_count: Int32({ minimum: 0, description: 'Municipalities taking part in the year.', example: 280 }),
    municipality_count: Int32({ minimum: 0, description: 'Municipalities counted.', example: 290 }),
    missing_basis: Type.Array(MunicipalityCode, {
      maxItems: MAX_MUNICIPALITIES,
      description:
        'Municipalities whose share cannot be computed: no population figure at all, or no weight. A year cannot be ' +
        'invoiced while a participant (or, for weights, anyone) is listed.'
    }),
    population_date: Nullable({
      ...IsoDate,
      description:
        "The rule's population date (the period's `population_reference_date`); `null` where the shares rest on " +
        'imported weights.',
      example: '2018-11-30'
    }),
    population_figures_used: Type.Array(ref(PopulationFiguresUsed), {
      maxItems: MAX_MUNICIPALITIES,
      description:
        "The dates of the population figures of every share listed (participants' or not), newest first; empty for " +
        'imported weights.'
    })
  },
  { $id: 'YearTotals', additionalProperties: false, description: "A financing year's totals." }
)

export const YearInvoicing = Type.Object(
  {
    invoice_date: { ...IsoDate, example: '2020-02-15' },
    as_of: {
      ...IsoDate,
      description: 'The day whose participation and population the invoices were computed from.',
      example: '2020-02-01'
    },
    locked_at: Timestamp,
    invoice_count: Int32({ minimum: 0, description: 'Invoices of the year: one per participant.', example: 280 }),
    invoiced: { ...Money, description: 'The sum of the invoices.', example: '18915630.00' },
    paid: { ...Money, description: 'The sum of the invoices marked paid.', example: '0.00' },
    outstanding: { ...Money, description: '`invoiced` − `paid`.', example: '18915630.00' },
    adjustment_count: Int32({ minimum: 0, description: "Adjustments the year's settlements issued.", example: 0 }),
    credited: { ...Money, description: 'The sum of its credit notes.', example: '0.00' },
    debited: { ...Money, description: 'The sum of its supplementary invoices.', example: '0.00' },
    invoiced_total: {
      ...Money,
      description: '`invoiced` − `credited` + `debited`: what has been invoiced for the year in all.',
      example: '18915630.00'
    },
    difference_to_settle: {
      ...SignedMoney,
      description:
        "The sum of every municipality's `difference`: what a settlement would now settle (later decisions and " +
        'corrections since the last).',
      example: '0.00'
    },
    open_differences: Int32({
      minimum: 0,
      description: 'Municipalities whose `difference` is not 0: the adjustments a settlement would now issue.',
      example: 0
    })
  },
  { $id: 'YearInvoicing', additionalProperties: false, description: 'How an invoiced year stands.' }
)

const yearHeading = {
  year: Year,
  index_adjustment: IndexAdjustment,
  totals: ref(YearTotals),
  invoicing: Nullable(ref(YearInvoicing))
}

export const CostShareYear = Type.Object(
  {
    period_id: PeriodId,
    period_case_number: CaseNumber,
    as_of: { ...IsoDate, example: '2020-09-10' },
    cost_model: StringEnum(['per_inhabitant', 'weighted_total'], {
      description: "The period's cost model.",
      example: 'per_inhabitant'
    }),
    rate_per_inhabitant: Nullable({
      ...Rate,
      description: 'SEK per inhabitant before index adjustment; `null` in weighted-total periods.'
    }),
    rounding_unit: StringEnum(['krona', 'ore'], {
      description: 'Invoice amounts are whole kronor or öre.',
      example: 'krona'
    }),
    rounding_mode: StringEnum(['half_away_from_zero', 'half_to_even'], {
      description: 'How halves are rounded.',
      example: 'half_away_from_zero'
    }),
    ...yearHeading,
    shares: Type.Array(ref(CostShare), { maxItems: MAX_MUNICIPALITIES, description: 'Every municipality, by code.' })
  },
  {
    $id: 'CostShareYear',
    additionalProperties: false,
    description: "Every municipality's share of a financing year, and the year's totals."
  }
)

export const CostShareSummary = Type.Object(
  {
    period_id: PeriodId,
    period_case_number: CaseNumber,
    as_of: { ...IsoDate, example: '2020-09-10' },
    years: Type.Array(Type.Object(yearHeading, { additionalProperties: false }), {
      maxItems: 101,
      description: 'Every financing year, first to last.'
    })
  },
  {
    $id: 'CostShareSummary',
    additionalProperties: false,
    description: 'The totals of every financing year of a period.'
  }
)

export const AllocatedArea = Type.Object(
  {
    area: FreeText({
      maxLength: 200,
      description: 'The operational area (verksamhetsområde).',
      example: 'Äldreomsorg'
    }),
    committee: Nullable(
      FreeText({
        maxLength: 200,
        description: 'The committee (nämnd) that pays for the area; `null` when not grouped.',
        example: 'Äldre- och omsorgsnämnden'
      })
    ),
    percent: { ...AreaPercent, description: "The area's part of the share, in percent.", example: '40' },
    amount: { ...Money, example: '37447.00' }
  },
  { $id: 'AllocatedArea', additionalProperties: false, description: "An operational area's part of the share." }
)

export const AllocatedCommittee = Type.Object(
  {
    committee: FreeText({
      maxLength: 200,
      description: 'The committee (nämnd).',
      example: 'Äldre- och omsorgsnämnden'
    }),
    percent: { ...AreaPercent, description: "The sum of its areas' percentages.", example: '70.00' },
    amount: { ...Money, description: "The sum of its areas' amounts.", example: '65533.00' }
  },
  {
    $id: 'AllocatedCommittee',
    additionalProperties: false,
    description: "A committee's part of the share: the sum of its areas."
  }
)

export const Allocation = Type.Object(
  {
    version: Int32({ minimum: 1, description: "The version of the municipality's cost allocation used.", example: 1 }),
    amount: {
      ...Money,
      description:
        'The amount split: once the year is invoiced, what has been invoiced in all (`invoiced_total`), else `amount`.',
      example: '93618.00'
    },
    areas: Type.Array(ref(AllocatedArea), {
      maxItems: 50,
      description: "The share split by area, in the allocation's order."
    }),
    committees: Type.Array(ref(AllocatedCommittee), {
      maxItems: 50,
      description: 'The same split summed by committee.'
    })
  },
  {
    $id: 'Allocation',
    additionalProperties: false,
    description:
      "The share split by the municipality's cost allocation: areas and committees each sum exactly to `amount` " +
      '(largest remainder, in whole kronor when the amount is whole kronor).'
  }
)

export const MunicipalityCostShare = Type.Object(
  {
    period_id: PeriodId,
    period_case_number: CaseNumber,
    year: Year,
    ...Type.Omit(CostShare, ['municipality_code', 'municipality_name', 'county_code']).properties,
    allocation: Nullable(ref(Allocation))
  },
  {
    $id: 'MunicipalityCostShare',
    additionalProperties: false,
    description: "A municipality's share of one year of one period, split by its cost allocation if it recorded one."
  }
)

export const MunicipalityCostShares = Type.Object(
  {
    municipality_code: MunicipalityCode,
    municipality_name: MunicipalityName,
    as_of: { ...IsoDate, example: '2020-09-10' },
    items: Type.Array(ref(MunicipalityCostShare), { maxItems: 10_000, description: 'By period, then year.' })
  },
  {
    $id: 'MunicipalityCostShares',
    additionalProperties: false,
    description: "A municipality's shares across periods and years."
  }
)
