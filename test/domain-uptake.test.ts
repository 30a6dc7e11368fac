import t from 'tap'
import { participantsByYear } from '../src/domain/participation.ts'
import { percent, uptakeFigures } from '../src/domain/uptake.ts'

const municipality = (
  county_code: string,
  status: 'adopted' | 'declined' | 'no_answer',
  population: number | null,
  population_date: string | null
) => ({ county_code, county_name: `County ${county_code}`, status, population, population_date })

t.test('shares are percent with one decimal: 260 of 290 is 89.7', async t => {
  t.equal(percent(260, 290), 89.7)
  t.equal(percent(0, 0), 0)
})

t.test(
  'uptake counts municipalities and inhabitants by status, overall and per county, and says which figures it used',
  async t => {
    const figures = uptakeFigures(
      [
        municipality('01', 'adopted', 48009, '2018-11-30'),
        municipality('01', 'declined', 1000, '2017-12-31'),
        municipality('03', 'no_answer', null, null)
      ],
      '2018-11-30'
    )
    t.match(figures.municipalities, { total: 3, adopted: 1, declined: 1, no_answer: 1 })
    t.match(figures.population, { total: 49009, adopted: 48009, declined: 1000, no_answer: 0, adopted_percent: 98 })
    t.same(
      figures.by_county.map(c => [c.county_code, c.municipalities.total, c.population.total]),
      [
        ['01', 2, 49009],
        ['03', 1, 0]
      ]
    )
    t.same(figures.population_figures_used, [
      { reference_date: '2018-11-30', municipalities: 1, substitute: false },
      { reference_date: '2017-12-31', municipalities: 1, substitute: true },
      { reference_date: null, municipalities: 1, substitute: false }
    ])
  }
)

t.test('each year lists the municipalities that take part in it', async t => {
  const years = participantsByYear(
    [{ year: 2020 }, { year: 2021 }],
    [
      { code: '0114', years: [2021] },
      { code: '0138', years: [2020, 2021] }
    ]
  )
  t.same(years, [
    { year: 2020, participant_count: 1, municipality_codes: ['0138'] },
    { year: 2021, participant_count: 2, municipality_codes: ['0114', '0138'] }
  ])
})
