import t from 'tap'
import * as apiKeys from '../src/db/api-keys.ts'
import { testApp } from './helpers.ts'

// Three requests a minute, so that the limit is reached within a test; the window is a clock minute, so each
// test uses clients of its own (keys or addresses) that no other test has counted.
const { app, db } = await testApp(t, { settings: { rateLimitPerMinute: 3, publicRead: true } })
const get = (url: string, headers: Record<string, string> = {}, remoteAddress = '192.0.2.1') =>
  app.inject({ url, headers, remoteAddress })
const reader = async (name: string) => ({ authorization: `Bearer ${await apiKeys.create(db, name, ['read'])}` })

t.test('a key gets its limit, then a 429 problem with Retry-After, and another key is not affected', async t => {
  const [first, second] = [await reader('reader-1'), await reader('reader-2')]
  const remaining = []
  for (let i = 0; i < 3; i++) {
    const response = await get('/v1/counties', first)
    t.equal(response.statusCode, 200)
    t.equal(response.headers['ratelimit-limit'], '3')
    remaining.push(response.headers['ratelimit-remaining'])
  }
  t.same(remaining, ['2', '1', '0'])
  const refused = await get('/v1/counties', first)
  t.equal(refused.statusCode, 429)
  t.match(refused.headers['content-type'], /^application\/problem\+json/)
  t.match(refused.json(), { type: 'about:blank', title: 'Too Many Requests', status: 429 })
  const retryAfter = Number(refused.headers['retry-after'])
  t.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter} is within the minute`)
  t.equal(refused.headers['ratelimit-remaining'], '0')
  t.equal((await get('/v1/counties', second)).statusCode, 200, 'another key has its own count')
})

t.test('an answer 304 is not counted: polling for changes costs nothing', async t => {
  const poller = await reader('poller')
  const first = await get('/v1/municipalities?limit=1', poller)
  t.equal(first.statusCode, 200)
  for (let i = 0; i < 5; i++) {
    const poll = await get('/v1/municipalities?limit=1', { ...poller, 'if-none-match': first.headers.etag as string })
    t.equal(poll.statusCode, 304)
    t.equal(poll.headers['ratelimit-remaining'], '2', 'still two left after each 304')
  }
  t.equal((await get('/v1/counties', poller)).statusCode, 200)
  t.equal((await get('/v1/counties', poller)).statusCode, 200)
  t.equal((await get('/v1/counties', poller)).statusCode, 429)
})

t.test('without a key, each address has its own count', async t => {
  for (let i = 0; i < 3; i++) t.equal((await get('/v1/counties', {}, '198.51.100.7')).statusCode, 200)
  t.equal((await get('/v1/counties', {}, '198.51.100.7')).statusCode, 429)
  t.equal((await get('/v1/api-info', {}, '198.51.100.7')).statusCode, 429, 'api-info counts too')
  t.equal((await get('/v1/counties', {}, '198.51.100.8')).statusCode, 200, 'another address is not affected')
})

t.test('the deployment probes are never limited', async t => {
  for (let i = 0; i < 6; i++) {
    const response = await get('/health/live', {}, '203.0.113.9')
    t.equal(response.statusCode, 200)
    t.equal(response.headers['ratelimit-limit'], undefined)
  }
})

t.test(
  'refused requests count too: made-up tokens share one count per address, apart from its anonymous readers',
  async t => {
    const address = '198.51.100.20'
    const statuses = []
    for (let i = 0; i < 4; i++)
      statuses.push((await get('/v1/counties', { authorization: `Bearer jfk_made-up-${i}` }, address)).statusCode)
    t.same(
      statuses,
      [401, 401, 401, 429],
      'a new made-up token each time buys nothing: the fourth is refused before any look-up'
    )
    t.equal(
      (await get('/v1/counties', {}, address)).statusCode,
      200,
      'anonymous readers at that address keep their own count'
    )
    const valid = await reader('valid-after-flood')
    t.equal((await get('/v1/counties', valid, '198.51.100.21')).statusCode, 200, 'a valid key elsewhere is unaffected')
  }
)

t.test("a key without the operation's scope is refused (403), and the refusals count too", async t => {
  const registrar = {
    authorization: `Bearer ${await apiKeys.create(db, 'registrar-without-read', ['decisions:write'])}`
  }
  const statuses = []
  for (let i = 0; i < 4; i++) statuses.push((await get('/v1/counties', registrar, '198.51.100.30')).statusCode)
  t.same(statuses, [403, 403, 403, 429])
})

t.test(
  "a valid key has its own count from its first request, whatever its address's anonymous readers spent",
  async t => {
    const address = '198.51.100.40'
    for (let i = 0; i < 3; i++) await get('/v1/counties', {}, address)
    t.equal((await get('/v1/counties', {}, address)).statusCode, 429, "the address's anonymous count is spent")
    const own = await reader('busy-address-key')
    const remaining = []
    for (let i = 0; i < 3; i++) remaining.push((await get('/v1/counties', own, address)).headers['ratelimit-remaining'])
    t.same(remaining, ['2', '1', '0'])
  }
)

t.test(
  'polls (conditional GETs) count at once against an allowance of their own, so a flood of them is bounded',
  async t => {
    const poller = await reader('steady-poller')
    const first = await get('/v1/counties', poller, '198.51.100.50')
    const poll = () =>
      get('/v1/counties', { ...poller, 'if-none-match': first.headers.etag as string }, '198.51.100.50')
    const steady = []
    for (let i = 0; i < 31; i++) steady.push((await poll()).statusCode)
    t.same(steady, [...Array(30).fill(304), 429], 'ten polls per request of the limit (3), then refused')
    t.equal(
      (await get('/v1/counties', poller, '198.51.100.50')).headers['ratelimit-remaining'],
      '1',
      'polls took none of the limit itself'
    )

    const flooder = await reader('flooding-poller')
    const tag = (await get('/v1/counties', flooder, '198.51.100.51')).headers.etag as string
    const flood = await Promise.all(
      Array.from({ length: 40 }, () => get('/v1/counties', { ...flooder, 'if-none-match': tag }, '198.51.100.51'))
    )
    t.ok(
      flood.filter(a => a.statusCode === 304).length <= 30,
      'however many are in flight at once, no more than the allowance is served'
    )
  }
)

t.test('a write with If-None-Match is no poll: it counts at once', async t => {
  const headers = { ...(await reader('posting-poller')), 'if-none-match': '"x"', 'content-type': 'application/json' }
  const statuses = []
  for (let i = 0; i < 4; i++) {
    statuses.push(
      (
        await app.inject({
          method: 'POST',
          url: '/v1/population-figures',
          headers,
          payload: '[]',
          remoteAddress: '198.51.100.60'
        })
      ).statusCode
    )
  }
  t.same(
    statuses.slice(0, 3).every(s => s === 403),
    true,
    'refused for its scope, and counted'
  )
  t.equal(statuses[3], 429)
})
