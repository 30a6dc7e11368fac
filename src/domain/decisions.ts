import { firstYearOf, type PeriodYear } from './participation.ts'

/**
 * A decision as sent; fields are checked for type here too, because a bulk import checks rows that failed the schema as
 * well.
 */
export interface DecisionDraft {
  municipality_code?: unknown
  period_id?: unknown
  period_case_number?: unknown
  outcome?: unknown
  decided_on?: unknown
  received_on?: unknown
  conditions?: unknown
  minimum_total_commitment?: unknown
  first_year?: unknown
}

/** What the rules need to know of the stored world. */
export interface DecisionContext {
  periodIdsByCaseNumber: ReadonlyMap<string, number>
  yearsByPeriodId: ReadonlyMap<number, readonly PeriodYear[]>
  knownMunicipalities: ReadonlySet<string>
  today: string
}

export interface DecisionError {
  pointer: string
  detail: string
}

export type CheckedDecision = { errors: DecisionError[] } | { errors: []; period_id: number; first_year: number | null }

const isString = (value: unknown): value is string => typeof value === 'string'

/**
 * The rules of a decision beyond its shape: it names a known municipality and one existing period, it was decided
 * before it was received and received no later than today, only an adoption carries conditions or a first year,
 * and an adoption's first year follows from the day it was received and the period's deadlines.
 */
export function checkDecision(draft: DecisionDraft, context: DecisionContext): CheckedDecision {
  const errors: DecisionError[] = []
  const fail = (field: string, detail: string) => errors.push({ pointer: `/${field}`, detail })

  if (
    isString(draft.municipality_code) &&
    /^\d{4}$/.test(draft.municipality_code) &&
    !context.knownMunicipalities.has(draft.municipality_code)
  ) {
    fail('municipality_code', `no municipality has code ${draft.municipality_code}`)
  }

  let periodId: number | undefined
  const byCaseNumber = isString(draft.period_case_number)
    ? context.periodIdsByCaseNumber.get(draft.period_case_number)
    : undefined
  if (draft.period_id === undefined && draft.period_case_number === undefined) {
    fail('period_id', 'name the recommendation period by period_id or period_case_number')
  } else if (isString(draft.period_case_number) && byCaseNumber === undefined) {
    fail('period_case_number', `no recommendation period has case number ${draft.period_case_number}`)
  } else if (typeof draft.period_id === 'number' && !context.yearsByPeriodId.has(draft.period_id)) {
    fail('period_id', `no recommendation period has id ${draft.period_id}`)
  } else if (typeof draft.period_id === 'number' && byCaseNumber !== undefined && byCaseNumber !== draft.period_id) {
    fail('period_case_number', `names period ${byCaseNumber}, but period_id is ${draft.period_id}`)
  } else {
    periodId = typeof draft.period_id === 'number' ? draft.period_id : byCaseNumber
  }

  const receivedOn = isString(draft.received_on) ? draft.received_on : undefined
  if (isString(draft.decided_on) && receivedOn !== undefined && draft.decided_on > receivedOn)
    fail('decided_on', `must not be after received_on (${receivedOn})`)
  if (receivedOn !== undefined && receivedOn > context.today)
    fail('received_on', `must not be in the future (today is ${context.today})`)

  let firstYear: number | null = null
  if (draft.outcome === 'declined') {
    for (const field of ['conditions', 'minimum_total_commitment', 'first_year'] as const) {
      if (draft[field] != null) fail(field, 'only an adoption can have this')
    }
  } else if (draft.outcome === 'adopted' && periodId !== undefined && receivedOn !== undefined) {
    const requested = typeof draft.first_year === 'number' ? draft.first_year : undefined
    const result = firstYearOf(receivedOn, context.yearsByPeriodId.get(periodId) ?? [], requested)
    if ('error' in result) fail(requested === undefined ? 'received_on' : 'first_year', result.error)
    else firstYear = result.year
  }

  if (errors.length > 0 || periodId === undefined) return { errors }
  return { errors: [], period_id: periodId, first_year: firstYear }
}
