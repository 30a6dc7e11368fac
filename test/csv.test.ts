import t from 'tap'
import { toCsv } from '../src/plugins/csv.ts'

t.test('CSV output follows RFC 4180: CRLF rows, quotes only where needed, doubled quotes inside', async (t) => {
  const rows = [
    { code: '0138', name: 'Tyresö', note: null },
    { code: '0180', name: 'Stockholm, "huvudstad"', note: 'rad 1\nrad 2' }
  ]
  t.equal(toCsv(['code', 'name', 'note'], rows),
    'code,name,note\r\n0138,Tyresö,\r\n0180,"Stockholm, ""huvudstad""","rad 1\nrad 2"\r\n')
  t.equal(toCsv(['code'], []), 'code\r\n', 'an empty list still has its header')
})
