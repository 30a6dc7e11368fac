import t from 'tap'
import {
  deadlineErrors,
  firstYearOf,
  lastDayToJoin,
  participationOf,
  timeline,
  type DecisionFact
} from '../src/domain/participation.ts'

// 18/00295: 15 December 2019 to join for 2020, 15 June 2020 for 2021; 2022 and 2023 have no deadline of their own.
const years = [
  { year: 2020, join_deadline: '2019-12-15' },
  { year: 2021, join_deadline: '2020-06-15' },
  { year: 2022, join_deadline: null },
  { year: 2023, join_deadline: null }
]

let nextId = 1
const decision = (
  outcome: 'adopted' | 'declined',
  received_on: string,
  first_year: number | null = null
): DecisionFact => ({ id: nextId++, municipality_code: '0138', outcome, received_on, first_year })

t.test('a year without its own deadline takes decisions received before it begins', async t => {
  t.equal(lastDayToJoin(years[0]!), '2019-12-15')
  t.equal(lastDayToJoin(years[2]!), '2021-12-31')
})

t.test('the first year follows from the day received and the deadlines', async t => {
  t.same(firstYearOf('2019-05-02', years), { year: 2020 })
  t.same(firstYearOf('2019-12-15', years), { year: 2020 }, 'the deadline day itself still counts')
  t.same(firstYearOf('2019-12-16', years), { year: 2021 })
  t.same(firstYearOf('2020-05-01', years), { year: 2021 })
  t.same(firstYearOf('2020-07-01', years), { year: 2022 })
  t.same(firstYearOf('2022-01-01', years), { year: 2023 })
  t.same(firstYearOf('2023-01-01', years), {
    error: 'received on 2023-01-01, after the last day to join the period (2022-12-31 for 2023)'
  })
})

t.test('an explicit first year may be later than the deadlines allow, never earlier', async t => {
  t.same(firstYearOf('2019-05-02', years, 2021), { year: 2021 })
  t.same(firstYearOf('2020-07-01', years, 2021), {
    error:
      'received on 2020-07-01, after the last day to join for 2021 (2020-06-15); the earliest possible first year ' +
      'is 2022'
  })
  t.same(firstYearOf('2019-05-02', years, 2024), { error: '2024 is not a year of the period (2020–2023)' })
})

t.test('deadlines must move forward year by year', async t => {
  t.same(deadlineErrors(years), [])
  t.same(
    deadlineErrors([
      { year: 2020, join_deadline: '2019-12-15' },
      { year: 2021, join_deadline: '2019-06-15' }
    ]),
    [{ year: 2021, detail: 'the last day to join for 2021 (2019-06-15) must come after the one for 2020 (2019-12-15)' }]
  )
})

t.test(
  'a municipality that declines in October 2019 and adopts on 2020-05-01 takes part from 2021, not 2020',
  async t => {
    const history = [decision('declined', '2019-10-10'), decision('adopted', '2020-05-01', 2021)]
    t.same(participationOf(history, years, '2023-12-31').years, [2021, 2022, 2023])
    t.equal(participationOf(history, years, '2019-11-30').status, 'declined', 'in November 2019 its answer was no')
    t.same(participationOf(history, years, '2019-11-30').years, [])
  }
)

t.test('one adopting on 2020-07-01 takes part from 2022', async t => {
  t.same(participationOf([decision('adopted', '2020-07-01', 2022)], years, '2024-01-01').years, [2022, 2023])
})

t.test('a later no ends participation only for years still open, and no answer is a status of its own', async t => {
  const history = [decision('adopted', '2019-05-02', 2020), decision('declined', '2021-03-01')]
  const result = participationOf(history, years, '2024-01-01')
  t.equal(result.status, 'declined')
  t.same(result.years, [2020, 2021])
  t.same(participationOf([], years, '2024-01-01'), { status: 'no_answer', decision: undefined, years: [] })
})

t.test('decisions received the same day: the one recorded last is in force', async t => {
  const first = decision('declined', '2019-10-10')
  const second = decision('adopted', '2019-10-10', 2020)
  t.equal(participationOf([second, first], years, '2019-10-10').decision, second)
})

t.test('the timeline counts each municipality once, by its decision in force at the end of each day', async t => {
  const decisions: DecisionFact[] = [
    { id: 1, municipality_code: '0114', outcome: 'declined', received_on: '2019-10-01', first_year: null },
    { id: 2, municipality_code: '0115', outcome: 'adopted', received_on: '2019-10-01', first_year: 2020 },
    { id: 3, municipality_code: '0114', outcome: 'adopted', received_on: '2019-11-05', first_year: 2020 },
    { id: 4, municipality_code: '0117', outcome: 'adopted', received_on: '2019-12-20', first_year: 2021 }
  ]
  t.same(timeline(decisions, 5, '2019-11-30'), [
    { date: '2019-10-01', adopted: 1, declined: 1, no_answer: 3 },
    { date: '2019-11-05', adopted: 2, declined: 0, no_answer: 3 }
  ])
})
