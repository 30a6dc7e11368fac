import t from 'tap'
import { importErrors } from '../src/domain/population-figures.ts'

const known = new Set(['0114', '0138'])

t.test('a figure for a municipality that does not exist is an error at its row', async t => {
  t.same(
    importErrors(
      [
        { municipality_code: '0138', reference_date: '2018-11-30' },
        { municipality_code: '9999', reference_date: '2018-11-30' }
      ],
      known
    ),
    [{ pointer: '/1/municipality_code', row: 2, detail: 'no municipality has code 9999' }]
  )
})

t.test('the same municipality and date twice is an error at the repeat, naming the first row', async t => {
  const rows = [
    { municipality_code: '0138', reference_date: '2018-11-30' },
    { municipality_code: '0138', reference_date: '2018-12-31' },
    { municipality_code: '0138', reference_date: '2018-11-30' }
  ]
  t.same(importErrors(rows, known), [
    { pointer: '/2/reference_date', row: 3, detail: 'repeats row 1: one row per municipality and date' }
  ])
})

t.test('malformed codes are left to schema validation, not reported twice', async t => {
  t.same(
    importErrors(
      [
        { municipality_code: '138', reference_date: '2018-11-30' },
        { reference_date: '2018-11-30' },
        { reference_date: '2018-11-30' }
      ],
      known
    ),
    []
  )
})
