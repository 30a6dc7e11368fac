import { Writable } from 'node:stream'
import t from 'tap'
import { createLogger } from '../src/logger.ts'
import { testApp } from './helpers.ts'

t.test('/metrics counts requests by route pattern and status, times them, and shows the pool', async t => {
  const { app, bearer } = await testApp(t)
  await app.inject({ url: '/v1/municipalities/0138', headers: bearer('read') })
  await app.inject({ url: '/v1/municipalities/0180', headers: bearer('read') })
  await app.inject({ url: '/v1/municipalities/9999', headers: bearer('read') })
  const scraped = await app.inject({ url: '/metrics' })
  t.equal(scraped.statusCode, 200)
  t.match(scraped.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  const text = scraped.body
  t.match(
    text,
    /http_requests_total\{method="GET",route="\/v1\/municipalities\/:code",status="200"\} 2\n/,
    'two answers 200 on one route pattern'
  )
  t.match(text, /http_requests_total\{method="GET",route="\/v1\/municipalities\/:code",status="404"\} 1\n/)
  // In the labels: a gauge's value may hold the same digits (an RSS of 301387776 bytes did once).
  t.notMatch(text, /\{[^}]*(0138|0180)[^}]*\}/, 'no raw URLs in any label: the series stay few')
  t.match(
    text,
    /http_request_duration_seconds_bucket\{le="0\.05",method="GET",route="\/v1\/municipalities\/:code"\} \d+/
  )
  for (const gauge of ['db_pool_connections', 'db_pool_idle_connections', 'db_pool_waiting_requests'])
    t.match(text, new RegExp(`^${gauge} \\d+$`, 'm'), gauge)
  t.match(text, /process_resident_memory_bytes \d+/)
})

t.test('with a token, /metrics answers only the scraper that sends it', async t => {
  const { app } = await testApp(t, { settings: { metricsToken: 'scrape-secret' } })
  t.equal((await app.inject({ url: '/metrics' })).statusCode, 401)
  t.equal((await app.inject({ url: '/metrics', headers: { authorization: 'Bearer wrong-secret' } })).statusCode, 401)
  t.equal((await app.inject({ url: '/metrics', headers: { authorization: 'Bearer scrape-secret' } })).statusCode, 200)
  t.equal(
    (await app.inject({ url: '/metrics', headers: { authorization: 'bearer scrape-secret' } })).statusCode,
    200,
    'the scheme is case-insensitive, as for the API (RFC 9110 §11.1)'
  )
  t.equal(
    (await app.inject({ url: '/metrics', headers: { authorization: 'scrape-secret' } })).statusCode,
    401,
    'the token alone is not a bearer credential'
  )
})

t.test('logs are JSON lines with the request id, and never hold a token', async t => {
  const lines: string[] = []
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).trim().split('\n'))
      done()
    }
  })
  const { app, keys } = await testApp(t, { logger: createLogger('info', sink) })
  await app.inject({
    url: '/v1/counties',
    headers: { authorization: `Bearer ${keys.read}`, 'x-request-id': 'trace-77' }
  })
  await app.inject({ url: '/v1/counties', headers: { authorization: 'Bearer jfk_not_a_real_key' } })
  const entries = lines.map(line => JSON.parse(line))
  t.ok(
    entries.some(entry => entry.reqId === 'trace-77' && entry.res?.statusCode === 200),
    'the answer is logged under the request id'
  )
  t.ok(entries.length >= 4, `${entries.length} lines`)
  t.notMatch(lines.join('\n'), keys.read!, 'the API key never appears')
  t.notMatch(lines.join('\n'), /jfk_not_a_real_key/, 'nor does a wrong one')
  createLogger('info', sink).info(
    { token: 'jfk_secret', headers: { authorization: 'Bearer jfk_secret' } },
    'a careless log call'
  )
  t.notMatch(lines.at(-1)!, /jfk_secret/, 'a careless log call is censored too')
})
