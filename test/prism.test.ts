import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { join } from 'node:path'
import t from 'tap'
import { importNovember2019, SUBSTITUTES_ACCEPTED } from './fixtures.ts'
import { testApp } from './helpers.ts'

// A validating proxy in front of the service, as partners run one: Prism 5 (`prism proxy --errors`) checks every
// request and answer against the committed contract and turns a violation into an error of its own. The registrar,
// BI and finance work goes through it; Prism must find nothing to say about any answer.
const context = await testApp(t)
const { app, bearer } = context
const { silent } = await importNovember2019(context)
const upstream = await app.listen({ port: 0, host: '127.0.0.1' })

/** A port nothing listens on now, for Prism (which cannot be asked for port 0 and then say which it got). */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  await once(server, 'close')
  return port
}

const port = await freePort()
const root = join(import.meta.dirname, '..')
const prism = spawn(
  process.execPath,
  [
    join(root, 'node_modules/@stoplight/prism-cli/dist/index.js'),
    'proxy',
    join(root, 'openapi/openapi.json'),
    upstream,
    '--errors',
    '--port',
    String(port),
    '--host',
    '127.0.0.1',
    '--cors',
    'false',
    '--verboseLevel',
    'warn'
  ],
  { stdio: ['ignore', 'pipe', 'pipe'] }
)
let log = ''
prism.stdout.on('data', (chunk: Buffer) => {
  log += chunk.toString()
})
prism.stderr.on('data', (chunk: Buffer) => {
  log += chunk.toString()
})
t.teardown(async () => {
  if (prism.exitCode === null) {
    prism.kill()
    await once(prism, 'exit')
  }
})
const through = `http://127.0.0.1:${port}`
// Prism logs nothing at `warn` once it listens, so readiness is its answering.
for (let tries = 0; ; tries++) {
  if (prism.exitCode !== null) throw new Error(`Prism stopped (${prism.exitCode}): ${log}`)
  if (
    await fetch(`${through}/v1/api-info`).then(
      () => true,
      () => false
    )
  )
    break
  if (tries > 300) throw new Error(`Prism did not start in 30 s: ${log}`)
  await new Promise(resolve => setTimeout(resolve, 100))
}

/** What Prism makes of one exchange: the answer, and every violation it reports. */
async function send(
  method: string,
  path: string,
  {
    scope,
    body,
    headers = {}
  }: { scope?: Parameters<typeof bearer>[0]; body?: unknown; headers?: Record<string, string> } = {}
) {
  const response = await fetch(`${through}${path}`, {
    method,
    headers: {
      ...(scope !== undefined && bearer(scope)),
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...headers
    },
    ...(body !== undefined && { body: JSON.stringify(body) })
  })
  const text = await response.text()
  const violations = [
    ...(response.headers.get('sl-violations') === null
      ? []
      : [`sl-violations: ${response.headers.get('sl-violations')}`]),
    // With --errors a violation comes back as Prism's own problem document instead of the service's answer.
    ...(/stoplight\.io\/prism\/errors/.test(text) ? [`Prism's error: ${text.slice(0, 1000)}`] : [])
  ]
  return { status: response.status, headers: response.headers, text, violations }
}

const periods = JSON.parse(
  (await send('GET', '/v1/recommendation-periods?case_number=18/00295', { scope: 'read' })).text
)
const period = periods.items[0].id as number

t.test(
  "Prism in front of the service finds no violation in a registrar's, a BI tool's and a finance system's work",
  async t => {
    const exchanges: Array<{ name: string; status: number; violations: string[] }> = []
    const step = async (name: string, ...request: Parameters<typeof send>) => {
      const answer = await send(...request)
      exchanges.push({ name, status: answer.status, violations: answer.violations })
      return answer
    }

    // The registrar: a decision, and its retry.
    const decision = {
      municipality_code: silent[0],
      period_case_number: '18/00295',
      outcome: 'adopted',
      decided_on: '2019-11-25',
      decided_by: 'Kommunfullmäktige',
      received_on: '2019-11-28'
    }
    const posted = await step('post a decision', 'POST', '/v1/decisions', {
      scope: 'decisions:write',
      body: decision,
      headers: { 'idempotency-key': 'prism-decision-1' }
    })
    t.equal(posted.status, 201, posted.text)
    const retried = await step('retry it', 'POST', '/v1/decisions', {
      scope: 'decisions:write',
      body: decision,
      headers: { 'idempotency-key': 'prism-decision-1' }
    })
    t.equal(retried.headers.get('idempotent-replayed'), 'true')
    const read = await step('read it back (withdrawal: null)', 'GET', `/v1/decisions/${JSON.parse(posted.text).id}`, {
      scope: 'read'
    })
    t.equal(JSON.parse(read.text).withdrawal, null)
    await step('list decisions, a page with Link', 'GET', `/v1/decisions?period_id=${period}&limit=5`, {
      scope: 'read'
    })

    // The BI tool: uptake as JSON and CSV, then polling.
    const uptake = await step('uptake', 'GET', `/v1/recommendation-periods/${period}/uptake?as_of=2019-12-31`, {
      scope: 'read'
    })
    t.match(JSON.parse(uptake.text).municipalities, { total: 290, adopted: 261 })
    const csv = await step('uptake as CSV', 'GET', `/v1/recommendation-periods/${period}/uptake?as_of=2019-12-31`, {
      scope: 'read',
      headers: { accept: 'text/csv' }
    })
    t.match(csv.headers.get('content-type'), /^text\/csv/)
    const polled = await step('poll uptake', 'GET', `/v1/recommendation-periods/${period}/uptake?as_of=2019-12-31`, {
      scope: 'read',
      headers: { 'if-none-match': uptake.headers.get('etag')! }
    })
    t.equal(polled.status, 304)

    // The finance system: shares before and after invoicing, an invoice and its payment.
    const before = await step(
      'cost shares of 2020 (invoice: null)',
      'GET',
      `/v1/recommendation-periods/${period}/cost-shares/2020`,
      { scope: 'read' }
    )
    t.equal(JSON.parse(before.text).invoicing, null)
    await step("the period's years", 'GET', `/v1/recommendation-periods/${period}/cost-shares`, { scope: 'read' })
    const invoiced = await step('invoice 2020', 'POST', `/v1/recommendation-periods/${period}/invoiced-years`, {
      scope: 'finance:write',
      body: { year: 2020, invoice_date: '2020-02-15', substitute_population: SUBSTITUTES_ACCEPTED },
      headers: { 'idempotency-key': 'prism-invoice-2020' }
    })
    t.equal(invoiced.status, 201, invoiced.text)
    await step('cost shares of 2020, invoiced', 'GET', `/v1/recommendation-periods/${period}/cost-shares/2020`, {
      scope: 'read'
    })
    await step("the period's years, one invoiced", 'GET', `/v1/recommendation-periods/${period}/cost-shares`, {
      scope: 'read'
    })
    const invoices = await step(
      "Tyresö's invoice",
      'GET',
      `/v1/invoices?period_id=${period}&year=2020&municipality_code=0138`,
      { scope: 'read' }
    )
    const invoice = JSON.parse(invoices.text).items[0]
    t.equal(invoice.payment, null)
    const paid = await step('record its payment', 'POST', `/v1/invoices/${invoice.id}/payment`, {
      scope: 'finance:write',
      body: { paid_on: '2020-03-16', payment_reference: 'BG 2020-03-16 0042' }
    })
    t.equal(paid.status, 201, paid.text)
    t.equal(JSON.parse(paid.text).payment.payment_reference, 'BG 2020-03-16 0042')
    await step('Tyresö across the years', 'GET', `/v1/municipalities/0138/cost-shares?period_id=${period}`, {
      scope: 'read'
    })
    await step('the quality registers (payee: null)', 'GET', '/v1/quality-registers', { scope: 'read' })
    await step(
      'the payout report (allocation: null)',
      'GET',
      `/v1/recommendation-periods/${period}/payout-report/2020`,
      { scope: 'read' }
    )

    t.same(
      exchanges.filter(e => e.violations.length > 0),
      [],
      `Prism checked ${exchanges.length} answers`
    )
    // A 500 is documented for every operation, so Prism would pass one: each step must have done its work.
    t.same(
      exchanges.filter(e => e.status >= 400),
      [],
      'every step succeeded'
    )
    t.equal(exchanges.length, 17)
  }
)
