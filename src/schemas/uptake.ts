import Type from 'typebox'
import {
  CountyCode,
  FormatQuery,
  FreeText,
  Id,
  Int32,
  IsoDate,
  MAX_MUNICIPALITIES,
  MunicipalityCode,
  MunicipalityName,
  Nullable,
  ref,
  StringEnum,
  Year
} from './common.ts'
import { CaseNumber, PeriodId } from './recommendation-periods.ts'

export const ReportQuery = Type.Object(
  {
    as_of: Type.Optional({
      ...IsoDate,
      description:
        'The picture as it stood at the end of this day, from the decisions received by then. Default: today ' +
        '(Swedish time).',
      example: '2019-11-30'
    }),
    county: Type.Optional({ ...CountyCode, description: 'Only the municipalities of this county (länskod).' }),
    ...FormatQuery
  },
  { additionalProperties: false }
)

const Status = StringEnum(['adopted', 'declined', 'no_answer'], {
  description:
    'On the as-of date: `adopted` (antagit), `declined` (avslagit) or `no_answer` (ej svarat), from the latest ' +
    'decision received by then.',
  example: 'adopted'
})

const reportFields = {
  period_id: PeriodId,
  period_case_number: CaseNumber,
  as_of: { ...IsoDate, description: 'The day the figures describe.', example: '2019-11-30' }
}

export const MunicipalityParticipation = Type.Object(
  {
    code: MunicipalityCode,
    name: MunicipalityName,
    county_code: CountyCode,
    status: Status,
    first_year: Nullable({ ...Year, description: 'For an adoption, its first year of participation.' }),
    decision_id: Nullable({ ...Id, description: 'The decision in force on the as-of date.' }),
    received_on: Nullable({ ...IsoDate, description: 'When that decision was received.', example: '2019-05-02' }),
    participating_years: Type.Array(Year, {
      maxItems: 101,
      description: 'The years it takes part in, as known on the as-of date.',
      example: [2020, 2021, 2022, 2023]
    })
  },
  {
    $id: 'MunicipalityParticipation',
    additionalProperties: false,
    description: "One municipality's answer and participation."
  }
)

export const YearParticipation = Type.Object(
  {
    year: Year,
    last_day_to_join: {
      ...IsoDate,
      description: 'The last day a decision could arrive and count for the year.',
      example: '2019-12-15'
    },
    participant_count: Int32({ minimum: 0, description: 'Municipalities taking part in the year.', example: 280 }),
    municipality_codes: Type.Array(MunicipalityCode, {
      maxItems: MAX_MUNICIPALITIES,
      description: 'Who takes part, by code.',
      example: ['0114', '0138']
    })
  },
  { $id: 'YearParticipation', additionalProperties: false, description: 'Who takes part in one financing year.' }
)

export const Participation = Type.Object(
  {
    ...reportFields,
    years: Type.Array(ref(YearParticipation), { maxItems: 101, description: 'Every financing year, first to last.' }),
    municipalities: Type.Array(ref(MunicipalityParticipation), {
      maxItems: MAX_MUNICIPALITIES,
      description: 'Every municipality (of the county, if filtered), in code order.'
    })
  },
  {
    $id: 'Participation',
    additionalProperties: false,
    description: "Each municipality's status on a date, and who takes part in which year."
  }
)

export const StatusCounts = Type.Object(
  {
    total: Int32({ minimum: 0, description: 'All counted.', example: 290 }),
    adopted: Int32({ minimum: 0, description: 'Municipalities whose decision in force is an adoption.', example: 260 }),
    declined: Int32({ minimum: 0, description: 'Municipalities whose decision in force declines.', example: 21 }),
    no_answer: Int32({
      minimum: 0,
      description: 'Municipalities without a decision (or whose only decisions were withdrawn).',
      example: 9
    }),
    adopted_percent: Type.Number({
      minimum: 0,
      maximum: 100,
      description: 'Percent of the total, one decimal.',
      example: 89.7
    }),
    declined_percent: Type.Number({
      minimum: 0,
      maximum: 100,
      description: 'Declined as a percentage of all municipalities, one decimal.',
      example: 7.2
    }),
    no_answer_percent: Type.Number({
      minimum: 0,
      maximum: 100,
      description: 'No answer as a percentage of all municipalities, one decimal.',
      example: 3.1
    })
  },
  {
    $id: 'StatusCounts',
    additionalProperties: false,
    description: 'Counts by status, of municipalities or of inhabitants, with percentages of the total.'
  }
)

export const CountyUptake = Type.Object(
  {
    county_code: CountyCode,
    county_name: FreeText({ maxLength: 100, description: "The county's name.", example: 'Stockholms län' }),
    municipalities: ref(StatusCounts),
    population: ref(StatusCounts)
  },
  { $id: 'CountyUptake', additionalProperties: false, description: 'Uptake in one county.' }
)

export const PopulationFiguresUsed = Type.Object(
  {
    reference_date: Nullable({
      ...IsoDate,
      description:
        "The figures' date; `null` for municipalities without any population figure (counted as 0 inhabitants).",
      example: '2017-12-31'
    }),
    municipalities: Int32({
      minimum: 0,
      description: "How many municipalities' figures have this date.",
      example: 289
    }),
    substitute: Type.Boolean({
      description:
        'Whether these figures stand in for figures of the population date that are not held: each is the figure ' +
        'closest in time to it (the earlier of two as close). `false` for the `null` entry: no figure at all.',
      example: true
    })
  },
  {
    $id: 'PopulationFiguresUsed',
    additionalProperties: false,
    description: 'Which population figures the population counts rest on.'
  }
)

export const Uptake = Type.Object(
  {
    ...reportFields,
    population_date: {
      ...IsoDate,
      description:
        "The population date asked for: the period's population reference date, or the as-of date if the period has " +
        'none. ' +
        'Each municipality counts with its figure on that date, else its figure closest in time, see ' +
        '`population_figures_used`.',
      example: '2018-11-30'
    },
    population_figures_used: Type.Array(ref(PopulationFiguresUsed), {
      maxItems: MAX_MUNICIPALITIES,
      description: 'The dates of the figures used, newest first.'
    }),
    municipalities: ref(StatusCounts),
    population: ref(StatusCounts),
    by_county: Type.Array(ref(CountyUptake), {
      maxItems: 100,
      description: 'The same counts per county, in code order.'
    })
  },
  {
    $id: 'Uptake',
    additionalProperties: false,
    description:
      'Uptake figures (anslutning) of a recommendation on a date: municipalities and inhabitants by status, overall ' +
      'and by county.'
  }
)

export const TimelinePoint = Type.Object(
  {
    date: { ...IsoDate, description: 'A day on which decisions arrived.', example: '2019-05-02' },
    adopted: Int32({
      minimum: 0,
      description: 'Municipalities whose decision in force at the end of the day was an adoption.',
      example: 120
    }),
    declined: Int32({
      minimum: 0,
      description: 'Municipalities whose decision in force at the end of the day declined.',
      example: 8
    }),
    no_answer: Int32({
      minimum: 0,
      description: 'Municipalities with no decision in force at the end of the day.',
      example: 162
    })
  },
  { $id: 'TimelinePoint', additionalProperties: false, description: 'The statuses at the end of one day.' }
)

export const UptakeTimeline = Type.Object(
  {
    ...reportFields,
    municipality_count: Int32({
      minimum: 0,
      description: 'Municipalities counted (of the county, if filtered).',
      example: 290
    }),
    points: Type.Array(ref(TimelinePoint), {
      maxItems: 40_000,
      description: 'One point per day on which decisions arrived, oldest first, up to the as-of date.'
    })
  },
  { $id: 'UptakeTimeline', additionalProperties: false, description: 'Cumulative uptake over time.' }
)
