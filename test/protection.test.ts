import { setTimeout as sleep } from 'node:timers/promises'
import { chromium } from 'playwright-core'
import t from 'tap'
import { API_SECURITY_HEADERS, SAMPLE_INTERVAL_MS, SHED_RETRY_AFTER_SECONDS } from '../src/plugins/protection.ts'
import { injectOutsideTheContract } from './contract.ts'
import { testApp } from './helpers.ts'
import { chromiumOptions, noBrowser } from './browser.ts'

t.test("an API answer carries the API's security headers, the docs page helmet's for HTML pages", async t => {
  const { app, bearer } = await testApp(t)
  const answer = await app.inject({ url: '/v1/counties', headers: bearer('read') })
  t.same(
    Object.fromEntries(Object.keys(API_SECURITY_HEADERS).map(name => [name, answer.headers[name]])),
    {
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer'
    },
    "OWASP REST Security Cheat Sheet's set: nothing runs, nothing frames it, no sniffing"
  )
  t.equal(answer.headers['cross-origin-opener-policy'], undefined, 'no header meant for HTML pages')
  const problem = await app.inject({ url: '/v1/counties' })
  t.equal(problem.statusCode, 401)
  t.equal(problem.headers['content-security-policy'], API_SECURITY_HEADERS['content-security-policy'], 'problems too')
  const docs = await injectOutsideTheContract(app, { url: '/docs/' })
  t.equal(docs.statusCode, 200)
  t.match(docs.headers, {
    'content-security-policy': /default-src 'self'/,
    'x-frame-options': 'SAMEORIGIN',
    'cross-origin-opener-policy': 'same-origin'
  })
})

t.test(
  'in Chromium the docs page renders every operation under the security headers, with no policy violation',
  { skip: noBrowser },
  async t => {
    const { app } = await testApp(t)
    const address = await app.listen({ host: '127.0.0.1', port: 0 })
    const browser = await chromium.launch(chromiumOptions())
    t.teardown(() => browser.close())
    const page = await browser.newPage()
    const violations: string[] = []
    page.on('console', message => {
      if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text())
    })
    await page.goto(`${address}/docs/`)
    await page.waitForSelector('.opblock', { timeout: 15_000 })
    const operations = await page.locator('.opblock').count()
    const documented = Object.values(app.swagger().paths ?? {}).reduce(
      (n, methods) => n + Object.keys(methods ?? {}).length,
      0
    )
    t.equal(operations, documented, `${operations} operations shown`)
    t.same(violations, [])
  }
)

t.test('CORS is off unless origins are configured, and then only for them', async t => {
  const preflight = {
    method: 'OPTIONS' as const,
    url: '/v1/counties',
    headers: { origin: 'https://bi.example.se', 'access-control-request-method': 'GET' }
  }
  const closed = await testApp(t)
  t.equal(
    (await injectOutsideTheContract(closed.app, preflight)).headers['access-control-allow-origin'],
    undefined,
    'off by default'
  )

  const open = await testApp(t, { settings: { corsOrigins: ['https://bi.example.se'] } })
  const allowed = await injectOutsideTheContract(open.app, preflight)
  t.equal(allowed.statusCode, 204)
  t.equal(allowed.headers['access-control-allow-origin'], 'https://bi.example.se')
  t.match(allowed.headers['access-control-allow-headers'], /Idempotency-Key/)
  const read = await open.app.inject({
    url: '/v1/counties',
    headers: { ...open.bearer('read'), origin: 'https://bi.example.se' }
  })
  t.match(read.headers['access-control-expose-headers'], /ETag.*RateLimit-Remaining/)
  const stranger = await injectOutsideTheContract(open.app, {
    ...preflight,
    headers: { ...preflight.headers, origin: 'https://evil.example' }
  })
  t.equal(stranger.headers['access-control-allow-origin'], undefined, 'another origin is not allowed')
})

t.test(
  'under pressure, requests are shed at once with a 503 problem and Retry-After; liveness still answers',
  async t => {
    // Any heap is more than one byte: the service is "under pressure" from its first sample on.
    const { app, bearer } = await testApp(t, { settings: { maxHeapUsedBytes: 1 } })
    let shed = await app.inject({ url: '/v1/counties', headers: bearer('read') })
    for (let waited = 0; shed.statusCode !== 503 && waited < 5000; waited += 250) {
      await sleep(250)
      shed = await app.inject({ url: '/v1/counties', headers: bearer('read') })
    }
    t.equal(shed.statusCode, 503)
    t.match(shed.headers['content-type'], /^application\/problem\+json/)
    t.match(shed.json(), { status: 503, title: 'Service Unavailable' })
    t.equal(shed.headers['retry-after'], String(SHED_RETRY_AFTER_SECONDS))
    t.equal((await app.inject({ url: '/health/live' })).statusCode, 200, 'a busy process is not a dead one')
    t.equal((await app.inject({ url: '/health/ready' })).statusCode, 503, 'readiness sends traffic elsewhere')
  }
)

t.test(
  'a start is not load: a lag within two samples of being ready sheds nothing, the same lag later does',
  async t => {
    const { app, bearer } = await testApp(t, { settings: { maxEventLoopDelayMs: 20 } })
    await app.ready()
    const ready = Date.now()
    const lagAndAsk = async () => {
      blockEventLoop(1500) // as compiling the schemas at a start does
      await sleep(50) // the overdue sample runs first
      t.ok(app.memoryUsage().eventLoopDelay > 20, 'the lag is measured')
      return (await app.inject({ url: '/v1/counties', headers: bearer('read') })).statusCode
    }
    t.equal(await lagAndAsk(), 200, 'within two samples of ready the lag is the start itself')
    await sleep(Math.max(0, ready + 2 * SAMPLE_INTERVAL_MS + 100 - Date.now()))
    t.equal(await lagAndAsk(), 503, 'after them it is load, and sheds')
  }
)

function blockEventLoop(ms: number) {
  const until = Date.now() + ms
  while (Date.now() < until) {
    /* busy, as synchronous work is */
  }
}
