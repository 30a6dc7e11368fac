import { checkDecision, type DecisionContext, type DecisionDraft } from '../../domain/decisions.ts'
import type { FieldError } from '../../plugins/problems.ts'
import type * as decisions from '../../queries/decisions.ts'
import type { DecisionInput } from '../../schemas/decisions.ts'

/**
 * Checks every row against the domain rules, in the stored world read for them (decisions.contextFor), and turns the
 * rows that pass into decisions ready to insert. Every row's problems are returned (rows are 1-based when `asList`,
 * and pointers then start with the row's index); the caller records the decisions only if there are none.
 */
export function checkDecisions(
  context: DecisionContext,
  rows: ReadonlyArray<DecisionDraft & Partial<DecisionInput>>,
  asList: boolean
): { errors: FieldError[]; accepted: decisions.NewDecision[] } {
  const errors: FieldError[] = []
  const accepted: decisions.NewDecision[] = []
  rows.forEach((row, index) => {
    const checked = checkDecision(row, context)
    for (const error of checked.errors) {
      errors.push(asList ? { row: index + 1, pointer: `/${index}${error.pointer}`, detail: error.detail } : error)
    }
    if (!('period_id' in checked)) return
    const input = row as DecisionInput
    accepted.push({
      period_id: checked.period_id,
      municipality_code: input.municipality_code,
      outcome: input.outcome,
      decided_on: input.decided_on,
      decided_by: input.decided_by,
      municipal_case_number: input.municipal_case_number ?? null,
      minute_paragraph: input.minute_paragraph ?? null,
      received_on: input.received_on,
      conditions: input.conditions ?? null,
      minimum_total_commitment: input.minimum_total_commitment ?? null,
      document_url: input.document_url ?? null,
      requested_first_year: input.first_year ?? null,
      first_year: checked.first_year
    })
  })
  return { errors, accepted }
}
