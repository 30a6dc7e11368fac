import t from 'tap'
import { toCsv } from '../src/plugins/csv.ts'
import { loadConfig } from '../src/config.ts'

t.test('CSV output follows RFC 4180: CRLF rows, quotes only where needed, doubled quotes inside', async (t) => {
  const rows = [
    { code: '0138', name: 'Tyresö', note: null },
    { code: '0180', name: 'Stockholm, "huvudstad"', note: 'rad 1\nrad 2' }
  ]
  t.equal(toCsv(['code', 'name', 'note'], rows),
    'code,name,note\r\n0138,Tyresö,\r\n0180,"Stockholm, ""huvudstad""","rad 1\nrad 2"\r\n')
  t.equal(toCsv(['code'], []), 'code\r\n', 'an empty list still has its header')
})

t.test('configuration has safe defaults and rejects bad values together', async (t) => {
  const config = loadConfig({})
  t.same({ ...config, dataDir: config.dataDir.endsWith('/.data') }, {
    databaseUrl: undefined, dataDir: true, port: 3000, host: '127.0.0.1', logLevel: 'info', publicRead: false
  })
  t.ok(Object.isFrozen(config))
  t.throws(() => loadConfig({ PORT: '70000', PUBLIC_READ: 'yes' }), /PORT must be an integer[\s\S]*PUBLIC_READ must be true or false/)
})
