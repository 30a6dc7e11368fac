import t from 'tap'
import * as apiKeys from '../src/db/api-keys.ts'
import { build } from '../src/app.ts'
import { validateEveryResponse } from './contract.ts'
import { heard, testApp } from './helpers.ts'

const { app, db, keys, bearer } = await testApp(t)
const importOne = (headers: Record<string, string>) =>
  app.inject({
    method: 'POST',
    url: '/v1/population-figures',
    headers,
    payload: [{ municipality_code: '0114', reference_date: '2020-11-30', population: 1 }]
  })

t.test('a write without a key is 401 with a Bearer challenge', async t => {
  const response = await importOne({})
  t.equal(response.statusCode, 401)
  t.equal(response.headers['www-authenticate'], 'Bearer realm="joint-financing"')
  t.match(response.json(), { type: '/problems/unauthorized', status: 401 })
})

t.test('a write with a key lacking the scope is 403, naming the scope needed', async t => {
  for (const scope of ['read', 'decisions:write', 'finance:write'] as const) {
    const response = await importOne(bearer(scope))
    t.equal(response.statusCode, 403, `scope ${scope}`)
    t.match(response.json().detail, /needs the scope "admin"/)
  }
  t.equal((await importOne(bearer('admin'))).statusCode, 200)
})

t.test('reads need the read scope unless reads are public', async t => {
  t.equal((await app.inject({ url: '/v1/counties' })).statusCode, 401)
  t.equal((await app.inject({ url: '/v1/counties', headers: bearer('admin') })).statusCode, 403)
  t.equal((await app.inject({ url: '/v1/counties', headers: bearer('read') })).statusCode, 200)

  const open = await build({ db, settings: { publicRead: true } })
  validateEveryResponse(open)
  t.teardown(() => open.close())
  t.equal((await open.inject({ url: '/v1/counties' })).statusCode, 200, 'public read needs no key')
  t.equal(
    (await open.inject({ url: '/v1/counties', headers: { authorization: 'Bearer jfk_wrong' } })).statusCode,
    401,
    'a key that is sent is still checked'
  )
  t.equal(
    (await open.inject({ method: 'POST', url: '/v1/population-figures', payload: [] })).statusCode,
    401,
    'writes still need a key'
  )
})

t.test('unknown, malformed and revoked keys are refused at once', async t => {
  t.equal((await app.inject({ url: '/v1/counties', headers: { authorization: 'Bearer jfk_unknown' } })).statusCode, 401)
  t.equal((await app.inject({ url: '/v1/counties', headers: { authorization: `Basic ${keys.read}` } })).statusCode, 401)
  const token = await apiKeys.create(db, 'short-lived', ['read'])
  t.equal((await app.inject({ url: '/v1/counties', headers: { authorization: `Bearer ${token}` } })).statusCode, 200)
  const revocation = heard(app, 'keys')
  t.equal(await apiKeys.revoke(db, 'short-lived'), true)
  await revocation
  t.equal((await app.inject({ url: '/v1/counties', headers: { authorization: `Bearer ${token}` } })).statusCode, 401)
  t.equal(await apiKeys.revoke(db, 'short-lived'), false, 'nothing left to revoke')
})

t.test('keys are stored as SHA-256 hashes, never as tokens', async t => {
  const rows = await db.selectFrom('api_keys').select(['name', 'token_hash']).execute()
  const stored = rows.map(r => r.token_hash.toString('hex'))
  t.ok(Object.values(keys).every(token => !stored.includes(Buffer.from(token).toString('hex'))))
  t.ok(stored.includes(apiKeys.hashToken(keys.read).toString('hex')))
  t.match(keys.read, /^jfk_[\w-]{43}$/)
})

t.test('operational endpoints and api-info need no key', async t => {
  for (const url of ['/health/live', '/health/ready', '/v1/api-info', '/openapi.json']) {
    t.equal((await app.inject({ url })).statusCode, 200, url)
  }
})
