import Type, { type Static } from 'typebox'
import {
  FreeText,
  Id,
  Int32,
  IsoDate,
  Money,
  NOT_ZERO,
  Nullable,
  Page,
  PageQuery,
  ref,
  StringEnum,
  Timestamp,
  Year
} from './common.ts'

export const CaseNumber = Type.String({
  maxLength: 8,
  pattern: '^[0-9]{2}/[0-9]{5}$',
  description: "SKR's case number (diarienummer) of the recommendation, quoted by municipalities in their answers.",
  example: '18/00295'
})

export const PeriodId = { ...Id, description: "The recommendation period's id in this service.", example: 2 }

export const Rate = Type.String({
  maxLength: 11,
  pattern: `^${NOT_ZERO}[0-9]{1,6}(\\.[0-9]{1,4})?$`,
  description: 'SEK per inhabitant as a decimal string of more than 0, up to four decimals.',
  example: '1.95'
})

export const IndexAdjustment = Type.String({
  maxLength: 10,
  pattern: `^${NOT_ZERO}[0-9]{1,3}(\\.[0-9]{1,6})?$`,
  description:
    'Index adjustment (indexuppräkning) as a factor of more than 0 on the base cost, up to six decimals: `1` means ' +
    'none, `1.023` adds 2.3 %.',
  example: '1'
})

const COST_MODELS = ['per_inhabitant', 'weighted_total'] as const
const ROUNDING_UNITS = ['krona', 'ore'] as const
const WEIGHT_BASES = ['membership_fee', 'imported'] as const
const ROUNDING_MODES = ['half_away_from_zero', 'half_to_even'] as const
const BUDGET_LINE_KINDS = [
  'quality_registers',
  'user_surveys_and_follow_up',
  'coordination',
  'support_function'
] as const

const yearFields = {
  year: Year,
  index_adjustment: IndexAdjustment,
  join_deadline: Nullable({
    ...IsoDate,
    description: 'The last day a decision may reach SKR to take part from this year; `null` when the period sets none.',
    example: '2019-12-15'
  })
}

export const PeriodYearInput = Type.Object(
  {
    year: Year,
    index_adjustment: Type.Optional(yearFields.index_adjustment),
    join_deadline: Type.Optional(yearFields.join_deadline)
  },
  {
    additionalProperties: false,
    description:
      'Settings for one financing year; a year not listed has no index adjustment and no deadline of its own.'
  }
)

export const PeriodYear = Type.Object(
  {
    ...yearFields,
    last_day_to_join: {
      ...IsoDate,
      description: 'The deadline that applies: `join_deadline`, or else 31 December of the year before.',
      example: '2019-12-15'
    }
  },
  { $id: 'PeriodYear', additionalProperties: false, description: 'One financing year of a period.' }
)

export const BudgetLine = Type.Object(
  {
    kind: StringEnum(BUDGET_LINE_KINDS, {
      description:
        'What the money pays for: `quality_registers` (kvalitetsregister, paid out to each register), ' +
        '`user_surveys_and_follow_up` ' +
        '(brukarundersökningar and systematic follow-up), `coordination` (national dialogue and coordination), ' +
        '`support_function` (a national support function at SKR).',
      example: 'quality_registers'
    }),
    description: FreeText({
      minLength: 1,
      maxLength: 500,
      description: 'The line as the recommendation words it.',
      example: 'Senior alert, BPSD, Svenska Palliativregistret, Rikssår and SveDem'
    }),
    annual_amount: Nullable({
      ...Money,
      description: 'SEK per year for this line; `null` when the recommendation does not say.',
      example: null
    })
  },
  { $id: 'BudgetLine', additionalProperties: false, description: 'A part of the annual budget and what it pays for.' }
)

const periodFields = {
  case_number: CaseNumber,
  title: FreeText({
    minLength: 1,
    maxLength: 500,
    description: "The recommendation's title, in Swedish as SKR wrote it.",
    example:
      'Rekommendation om gemensam finansiering av ett samlat system för kunskapsstyrning i socialtjänstens verksamheter'
  }),
  board_decision_date: Nullable({
    ...IsoDate,
    description: "The day SKR's board decided the recommendation; `null` when not known to the day.",
    example: '2016-06-10'
  }),
  first_year: { ...Year, description: 'The first financing year.', example: 2020 },
  last_year: { ...Year, description: 'The last financing year.', example: 2023 },
  annual_budget: {
    ...Money,
    description:
      'The cost of the whole recommendation per year in SEK, if every municipality takes part (a ceiling: ' +
      "non-participants' shares are not passed on)."
  },
  cost_model: StringEnum(COST_MODELS, {
    description:
      'How the cost is split: `per_inhabitant` (population on `population_reference_date` × `rate_per_inhabitant` × ' +
      "the year's index adjustment) " +
      "or `weighted_total` (the annual budget split by a weight per municipality, such as SKR's membership fee).",
    example: 'per_inhabitant'
  }),
  rate_per_inhabitant: Nullable({
    ...Rate,
    description: 'SEK per inhabitant before index adjustment; required for `per_inhabitant`, `null` otherwise.'
  }),
  population_reference_date: Nullable({
    ...IsoDate,
    description:
      'The date of the population figures shares are computed from (and uptake population shares use); required for ' +
      '`per_inhabitant` and for `weight_basis` `membership_fee`. Where a municipality has no figure on this date, its ' +
      'share uses the figure closest in time and says so (`population_basis`: `substitute`).',
    example: '2018-11-30'
  }),
  weight_basis: Nullable(
    StringEnum(WEIGHT_BASES, {
      description:
        'Weighted total only (`null` otherwise): where the weights come from. `membership_fee` computes them as SKL ' +
        "computes its membership fee: each municipality's population on `population_reference_date`, × 0.9 above " +
        '200,000 inhabitants (the national factors of the fee cancel when a fixed sum is split). `imported`: the ' +
        "period's cost weights (`POST …/cost-weights`: an import of every municipality's weight switches a " +
        '`membership_fee` period to `imported`). Left out, a new weighted total imports its weights and an update ' +
        'keeps the basis the period has.',
      example: null
    })
  ),
  rounding_unit: StringEnum(ROUNDING_UNITS, {
    description: 'Invoiced amounts are rounded to whole kronor (`krona`) or to öre (`ore`).',
    example: 'krona'
  }),
  rounding_mode: StringEnum(ROUNDING_MODES, {
    description: 'How halves are rounded: away from zero (as Swedish invoices do) or to even.',
    example: 'half_away_from_zero'
  }),
  notes: Nullable(
    FreeText({
      minLength: 1,
      maxLength: 2000,
      description: 'Sources and caveats, in English.',
      example: "Budget lines' amounts are not stated in the recommendation."
    })
  )
}

export const RecommendationPeriod = Type.Object(
  {
    id: PeriodId,
    ...periodFields,
    years: Type.Array(ref(PeriodYear), { maxItems: 101, description: 'Every financing year, first to last.' }),
    budget_lines: Type.Array(ref(BudgetLine), { maxItems: 4, description: 'What the annual budget pays for.' }),
    version: Int32({ minimum: 1, description: 'Raised by every update; the `ETag` carries it.', example: 1 }),
    created_at: Timestamp,
    updated_at: Timestamp
  },
  {
    $id: 'RecommendationPeriod',
    additionalProperties: false,
    description: 'An SKR recommendation (rekommendation) on joint financing, and its financing years.'
  }
)
export type RecommendationPeriod = Static<typeof RecommendationPeriod>

export const RecommendationPeriodInput = Type.Object(
  {
    ...periodFields,
    board_decision_date: Type.Optional(periodFields.board_decision_date),
    rate_per_inhabitant: Type.Optional(periodFields.rate_per_inhabitant),
    population_reference_date: Type.Optional(periodFields.population_reference_date),
    weight_basis: Type.Optional(periodFields.weight_basis),
    rounding_unit: Type.Optional({ ...periodFields.rounding_unit, default: 'krona' }),
    rounding_mode: Type.Optional({ ...periodFields.rounding_mode, default: 'half_away_from_zero' }),
    notes: Type.Optional(periodFields.notes),
    years: Type.Optional(
      Type.Array(PeriodYearInput, {
        maxItems: 101,
        description: 'Index adjustments and join deadlines by year; years not listed get neither.'
      })
    ),
    budget_lines: Type.Optional(
      Type.Array(ref(BudgetLine), {
        maxItems: 4,
        description: 'At most one line of each kind; known amounts may not add up to more than the annual budget.'
      })
    )
  },
  {
    $id: 'RecommendationPeriodInput',
    additionalProperties: false,
    description: 'A recommendation period as an admin writes it; an update replaces the whole period.',
    example: {
      case_number: '18/00295',
      title:
        'Rekommendation om gemensam finansiering av ett samlat system för kunskapsstyrning i socialtjänstens ' +
        'verksamheter',
      first_year: 2020,
      last_year: 2023,
      annual_budget: '19500000.00',
      cost_model: 'per_inhabitant',
      rate_per_inhabitant: '1.95',
      population_reference_date: '2018-11-30',
      years: [
        { year: 2020, join_deadline: '2019-12-15' },
        { year: 2021, join_deadline: '2020-06-15' }
      ]
    }
  }
)
export type RecommendationPeriodInput = Static<typeof RecommendationPeriodInput>

export const RecommendationPeriodPage = Page(ref(RecommendationPeriod), 'RecommendationPeriodPage')

export const PeriodParams = Type.Object({ id: PeriodId }, { additionalProperties: false })

export const PeriodListQuery = Type.Object(
  {
    case_number: Type.Optional({ ...CaseNumber, description: 'Only the period with this SKR case number.' }),
    ...PageQuery
  },
  { additionalProperties: false }
)
