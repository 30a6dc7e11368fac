import t from 'tap'
import { checkDecision, type DecisionContext } from '../src/domain/decisions.ts'

const context: DecisionContext = {
  periodIdsByCaseNumber: new Map([['18/00295', 2]]),
  yearsByPeriodId: new Map([
    [
      2,
      [
        { year: 2020, join_deadline: '2019-12-15' },
        { year: 2021, join_deadline: '2020-06-15' }
      ]
    ]
  ]),
  knownMunicipalities: new Set(['0138']),
  today: '2020-08-01'
}
const adoption = {
  municipality_code: '0138',
  period_case_number: '18/00295',
  outcome: 'adopted',
  decided_on: '2019-04-24',
  received_on: '2019-05-02'
}

t.test('an adoption names its period by case number or id and gets its first year from the deadlines', async t => {
  t.same(checkDecision(adoption, context), { errors: [], period_id: 2, first_year: 2020 })
  t.same(
    checkDecision({ ...adoption, period_case_number: undefined, period_id: 2, received_on: '2020-05-01' }, context),
    { errors: [], period_id: 2, first_year: 2021 }
  )
})

t.test('a decline has no first year, conditions or commitment', async t => {
  t.same(checkDecision({ ...adoption, outcome: 'declined' }, context), { errors: [], period_id: 2, first_year: null })
  t.same(
    checkDecision({ ...adoption, outcome: 'declined', conditions: 'if others pay', first_year: 2021 }, context).errors,
    [
      { pointer: '/conditions', detail: 'only an adoption can have this' },
      { pointer: '/first_year', detail: 'only an adoption can have this' }
    ]
  )
})

t.test('every broken rule is reported at once', async t => {
  const result = checkDecision(
    { ...adoption, municipality_code: '9999', period_id: 3, decided_on: '2019-06-01', received_on: '2020-09-01' },
    context
  )
  t.same(result.errors, [
    { pointer: '/municipality_code', detail: 'no municipality has code 9999' },
    { pointer: '/period_id', detail: 'no recommendation period has id 3' },
    { pointer: '/received_on', detail: 'must not be in the future (today is 2020-08-01)' }
  ])
  t.same(checkDecision({ ...adoption, period_case_number: '18/99999' }, context).errors, [
    { pointer: '/period_case_number', detail: 'no recommendation period has case number 18/99999' }
  ])
  t.same(checkDecision({ ...adoption, period_case_number: undefined }, context).errors, [
    { pointer: '/period_id', detail: 'name the recommendation period by period_id or period_case_number' }
  ])
  t.same(checkDecision({ ...adoption, decided_on: '2019-06-01' }, context).errors, [
    { pointer: '/decided_on', detail: 'must not be after received_on (2019-05-02)' }
  ])
})

t.test('an explicit first year the deadlines had closed is refused', async t => {
  t.same(checkDecision({ ...adoption, received_on: '2020-05-01', first_year: 2020 }, context).errors, [
    {
      pointer: '/first_year',
      detail:
        'received on 2020-05-01, after the last day to join for 2020 (2019-12-15); the earliest possible first year ' +
        'is 2021'
    }
  ])
  t.same(checkDecision({ ...adoption, received_on: '2020-07-01' }, context).errors, [
    {
      pointer: '/received_on',
      detail: 'received on 2020-07-01, after the last day to join the period (2020-06-15 for 2021)'
    }
  ])
})
