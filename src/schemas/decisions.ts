import Type, { type Static } from 'typebox'
import {
  CountyCode,
  FormatQuery,
  FreeText,
  Id,
  Int32,
  IsoDate,
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
import { CaseNumber, PeriodId } from './recommendation-periods.ts'

export const MAX_IMPORT_ROWS = 5000
/** Room for the largest import with every field filled in; other bodies keep the service's 1 MiB. */
export const IMPORT_BODY_LIMIT = 4 * 1024 * 1024

const Outcome = StringEnum(['adopted', 'declined'], {
  description: "The municipality's answer to the recommendation: `adopted` (antagit) or `declined` (avslagit).",
  example: 'adopted'
})

const decisionFields = {
  municipality_code: MunicipalityCode,
  outcome: Outcome,
  decided_on: { ...IsoDate, description: "The day the municipality's body decided.", example: '2019-04-24' },
  decided_by: FreeText({
    minLength: 1,
    maxLength: 200,
    description:
      'The body that decided, as the municipality names it (kommunstyrelsen, kommunfullmäktige, a committee).',
    example: 'Kommunstyrelsen'
  }),
  municipal_case_number: Nullable(
    FreeText({
      minLength: 1,
      maxLength: 100,
      description: "The municipality's own case number (diarienummer).",
      example: '2019/ÄON 0042'
    })
  ),
  minute_paragraph: Nullable(
    FreeText({
      minLength: 1,
      maxLength: 50,
      description: 'The paragraph of the minutes (protokollsparagraf).',
      example: '§ 1087'
    })
  ),
  received_on: {
    ...IsoDate,
    description: "The day SKR's registrar received the decision; it decides the first year of participation.",
    example: '2019-05-02'
  },
  conditions: Nullable(
    FreeText({
      minLength: 1,
      maxLength: 2000,
      description: "Conditions attached to an adoption, in the decision's words.",
      example: 'Under förutsättning att kommunerna gemensamt bidrar med minst 2,5 miljoner kronor.'
    })
  ),
  minimum_total_commitment: Nullable({
    ...PositiveMoney,
    description:
      'For an adoption on condition that all municipalities together commit at least this many SEK a year (more ' +
      'than 0).',
    example: '2500000.00'
  }),
  document_url: Nullable(
    Type.String({
      format: 'uri',
      pattern: '^https?://',
      maxLength: 2000,
      description: 'Where the decision document can be read.',
      example: 'https://insynsverige.se/tyreso-social/sammantrade?date=2016-10-26'
    })
  )
}

export const DecisionInput = Type.Object(
  {
    municipality_code: decisionFields.municipality_code,
    period_id: Type.Optional({
      ...PeriodId,
      description: 'The recommendation period, by id. Give this or `period_case_number`.'
    }),
    period_case_number: Type.Optional({
      ...CaseNumber,
      description:
        "The recommendation period, by SKR's case number as the decision quotes it. Give this or `period_id`."
    }),
    outcome: decisionFields.outcome,
    decided_on: decisionFields.decided_on,
    decided_by: decisionFields.decided_by,
    municipal_case_number: Type.Optional(decisionFields.municipal_case_number),
    minute_paragraph: Type.Optional(decisionFields.minute_paragraph),
    received_on: decisionFields.received_on,
    conditions: Type.Optional(decisionFields.conditions),
    minimum_total_commitment: Type.Optional(decisionFields.minimum_total_commitment),
    document_url: Type.Optional(decisionFields.document_url),
    first_year: Type.Optional({
      ...Year,
      description:
        'For an adoption: the year the municipality asks to take part from. Left out, it follows from `received_on` ' +
        "and the period's deadlines; " +
        'a year whose deadline had passed when the decision was received is refused.'
    })
  },
  {
    $id: 'DecisionInput',
    additionalProperties: false,
    description: "A municipality's decision on a recommendation, as the registrar records it.",
    example: {
      municipality_code: '0138',
      period_case_number: '18/00295',
      outcome: 'adopted',
      decided_on: '2019-04-24',
      decided_by: 'Kommunstyrelsen',
      municipal_case_number: '2019/ÄON 0042',
      minute_paragraph: '§ 58',
      received_on: '2019-05-02'
    }
  }
)
export type DecisionInput = Static<typeof DecisionInput>

export const Withdrawal = Type.Object(
  {
    reason: FreeText({
      maxLength: 2000,
      description: 'Why the decision was withdrawn.',
      example: 'Registered for the wrong municipality.'
    }),
    withdrawn_at: Timestamp
  },
  { $id: 'Withdrawal', additionalProperties: false, description: 'The record that a decision was registered in error.' }
)

export const Decision = Type.Object(
  {
    id: { ...Id, description: "The decision's id in this service." },
    period_id: PeriodId,
    period_case_number: CaseNumber,
    municipality_code: decisionFields.municipality_code,
    municipality_name: MunicipalityName,
    county_code: CountyCode,
    outcome: decisionFields.outcome,
    decided_on: decisionFields.decided_on,
    decided_by: decisionFields.decided_by,
    municipal_case_number: decisionFields.municipal_case_number,
    minute_paragraph: decisionFields.minute_paragraph,
    received_on: decisionFields.received_on,
    conditions: decisionFields.conditions,
    minimum_total_commitment: decisionFields.minimum_total_commitment,
    document_url: decisionFields.document_url,
    requested_first_year: Nullable({
      ...Year,
      description: 'The first year the decision asked for, if it named one.',
      example: null
    }),
    first_year: Nullable({
      ...Year,
      description:
        'For an adoption, the first year of participation, fixed when the decision was recorded; `null` for a decline.'
    }),
    state: StringEnum(['in_force', 'superseded', 'withdrawn'], {
      description:
        "Today: `in_force` (the municipality's latest decision on the period), `superseded` (a later one replaced " +
        'it) or `withdrawn` (registered in error).',
      example: 'in_force'
    }),
    withdrawal: Nullable(ref(Withdrawal)),
    recorded_at: { ...Timestamp, description: 'When the service recorded the decision.' },
    updated_at: {
      ...Timestamp,
      description: 'When the decision was recorded or, if later, withdrawn: the field `updated_since` filters on.'
    }
  },
  {
    $id: 'Decision',
    additionalProperties: false,
    description:
      "A municipality's decision (beslut, ställningstagande) on a recommendation period. Decisions are never " +
      'changed or deleted.'
  }
)
export type Decision = Static<typeof Decision>

export const DecisionPage = Page(ref(Decision), 'DecisionPage')

export const DecisionImport = Type.Array(ref(DecisionInput), {
  minItems: 1,
  maxItems: MAX_IMPORT_ROWS,
  description: `Up to ${MAX_IMPORT_ROWS} decisions. As CSV: a header row naming the fields of \`DecisionInput\`, then one row per decision; empty cells are absent fields.`,
  example: [
    {
      municipality_code: '0114',
      period_case_number: '18/00295',
      outcome: 'declined',
      decided_on: '2019-10-08',
      decided_by: 'Kommunstyrelsen',
      received_on: '2019-10-15'
    },
    {
      municipality_code: '0114',
      period_case_number: '18/00295',
      outcome: 'adopted',
      decided_on: '2020-04-27',
      decided_by: 'Kommunfullmäktige',
      minute_paragraph: '§ 41',
      received_on: '2020-05-01'
    }
  ]
})

export const DecisionImportResult = Type.Object(
  {
    received: Int32({ minimum: 0, description: 'Rows in the request.', example: 290 }),
    created: Int32({ minimum: 0, description: 'Decisions recorded: every row, or none.', example: 290 }),
    decision_ids: Type.Array(Id, {
      maxItems: MAX_IMPORT_ROWS,
      description: "The new decisions' ids, in row order.",
      example: [4711, 4712]
    })
  },
  { $id: 'DecisionImportResult', additionalProperties: false, description: 'What an import recorded.' }
)

export const WithdrawalInput = Type.Object(
  {
    reason: FreeText({
      minLength: 1,
      maxLength: 2000,
      description: 'Why the decision is withdrawn.',
      example: 'Registered for the wrong municipality.'
    })
  },
  {
    $id: 'WithdrawalInput',
    additionalProperties: false,
    description:
      'Withdraws a decision registered in error. The decision stays in the history, marked withdrawn, and no longer ' +
      'counts.',
    example: { reason: 'Registered for the wrong municipality.' }
  }
)

export const DecisionParams = Type.Object(
  { id: { ...Id, description: "The decision's id." } },
  { additionalProperties: false }
)

export const DecisionListQuery = Type.Object(
  {
    period_id: Type.Optional({ ...PeriodId, description: 'Only decisions on this period.' }),
    municipality_code: Type.Optional({
      ...MunicipalityCode,
      description: "Only this municipality's decisions: with `period_id`, its history on the period."
    }),
    county_code: Type.Optional({ ...CountyCode, description: 'Only decisions of municipalities in this county.' }),
    outcome: Type.Optional({ ...Outcome, description: 'Only adoptions or only declines.' }),
    state: Type.Optional(
      StringEnum(['in_force', 'superseded', 'withdrawn'], { description: 'Only decisions in this state today.' })
    ),
    received_from: Type.Optional({ ...IsoDate, description: 'Only decisions received on or after this day.' }),
    received_to: Type.Optional({ ...IsoDate, description: 'Only decisions received on or before this day.' }),
    updated_since: Type.Optional({
      ...Timestamp,
      description:
        'Only decisions recorded or withdrawn at or after this instant: pass the largest `updated_at` you hold to ' +
        'sync incrementally.'
    }),
    ...PageQuery,
    ...FormatQuery
  },
  { additionalProperties: false }
)
export type DecisionListQuery = Static<typeof DecisionListQuery>
