import { execFile } from 'node:child_process'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Middleware } from 'openapi-fetch'
import t from 'tap'
import { createApiClient, json, verifyWebhook, type components } from '../client/index.ts'
import { todayInSweden } from '../src/clock.ts'
import * as apiKeys from '../src/db/api-keys.ts'
import type { Scope } from '../src/db/api-keys.ts'
import { checkResponse } from './contract.ts'
import { testApp } from './helpers.ts'
import { SUBSTITUTES_ACCEPTED } from './fixtures.ts'

// The generated client against the running service, doing what each kind of user does. Only the client talks
// to the service: a change to the contract that breaks these calls fails the type check (tsc) before it runs.
const { app, db } = await testApp(t)
const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' })
/** Every answer the clients get over HTTP keeps the contract, as a strict OpenAPI 3.0.3 validator reads it. */
const keepsTheContract: Middleware = {
  async onResponse({ request, response }) {
    checkResponse({
      method: request.method,
      url: request.url,
      statusCode: response.status,
      headers: Object.fromEntries(response.headers),
      body: await response.clone().text()
    })
  }
}
/** Each system gets a key with the scopes its work needs, as an admin would issue them. */
const systemWith = async (name: string, scopes: Scope[]) => {
  const client = createApiClient(baseUrl, await apiKeys.create(db, name, scopes))
  client.use(keepsTheContract)
  return client
}
const admin = await systemWith('admin-console', ['read', 'admin'])
const registrar = await systemWith('registrar', ['decisions:write'])
const bi = await systemWith('bi-tool', ['read'])
const finance = await systemWith('finance-system', ['read', 'finance:write'])

const periods = await bi.GET('/v1/recommendation-periods', { params: { query: { case_number: '18/00295' } } })
const periodId = json(periods.data).items[0]!.id
// Tyresö's population at the period's reference date (seed 002), which SCB's year-end figures do not hold.
await admin.POST('/v1/population-figures', {
  body: [{ municipality_code: '0138', reference_date: '2018-11-30', population: 48009 }]
})

t.test('a registrar posts decisions with idempotency keys, and a retry is the same decision', async t => {
  const decision = (municipality_code: string, received_on: string) => ({
    municipality_code,
    period_case_number: '18/00295',
    outcome: 'adopted' as const,
    decided_on: received_on,
    decided_by: 'Kommunfullmäktige',
    received_on
  })
  const first = await registrar.POST('/v1/decisions', {
    params: { header: { 'idempotency-key': 'tyreso-2019-05-02' } },
    body: decision('0138', '2019-05-02')
  })
  t.equal(first.response.status, 201)
  t.equal(first.data!.municipality_name, 'Tyresö')
  const retry = await registrar.POST('/v1/decisions', {
    params: { header: { 'idempotency-key': 'tyreso-2019-05-02' } },
    body: decision('0138', '2019-05-02')
  })
  t.equal(retry.response.headers.get('idempotent-replayed'), 'true')
  t.equal(retry.data!.id, first.data!.id, 'the retry did not record a second decision')
  for (const [code, day] of [
    ['0114', '2019-06-10'],
    ['0115', '2019-09-30']
  ] as const) {
    const posted = await registrar.POST('/v1/decisions', {
      params: { header: { 'idempotency-key': `${code}-${day}` } },
      body: decision(code, day)
    })
    t.equal(posted.response.status, 201)
  }
})

t.test('a BI tool pulls uptake as JSON and CSV, and polls with If-None-Match', async t => {
  const query = { as_of: '2019-12-31' }
  const uptake = await bi.GET('/v1/recommendation-periods/{id}/uptake', { params: { path: { id: periodId }, query } })
  t.match(json(uptake.data).municipalities, { total: 290, adopted: 3, no_answer: 287 })
  const etag = uptake.response.headers.get('etag')!
  const unchanged = await bi.GET('/v1/recommendation-periods/{id}/uptake', {
    params: { path: { id: periodId }, query, header: { 'If-None-Match': etag } }
  })
  t.equal(unchanged.response.status, 304)
  const csv = await bi.GET('/v1/recommendation-periods/{id}/participation', {
    params: { path: { id: periodId }, query: { ...query, format: 'csv' } },
    parseAs: 'text'
  })
  t.match(csv.response.headers.get('content-type'), /^text\/csv/)
  const rows = csv.data!.trim().split('\r\n')
  t.equal(rows.length, 291, 'a header and one row per municipality')
  t.match(
    rows.find(row => row.startsWith('0138,')),
    /adopted/
  )
})

t.test(
  'CSV through the generated client: the .csv twins are typed as text, answers and uploads alike, with no cast',
  async t => {
    const csv = await bi.GET('/v1/recommendation-periods/{id}/uptake.csv', {
      params: { path: { id: periodId }, query: { as_of: '2019-12-31' } },
      parseAs: 'text'
    })
    const text: string = csv.data!
    t.match(
      csv.response.headers.get('content-disposition'),
      /^attachment; filename="recommendation-periods-\d+-uptake\.csv"$/
    )
    t.match(text.split('\r\n')[1], /^country,,,290,3,0,287,/)
    const figures = 'municipality_code,reference_date,population\r\n0138,2018-11-30,48009\r\n'
    const upload = await admin.POST('/v1/population-figures.csv', { body: figures })
    t.equal(upload.response.status, 200)
    t.same(
      upload.data,
      { received: 1, inserted: 0, updated: 1, warnings: [] },
      "the string went as text/csv, and Tyresö's figure was read from it"
    )
  }
)

t.test("a finance system reads a year's cost shares, invoices the year and records a payment", async t => {
  const year = await finance.GET('/v1/recommendation-periods/{id}/cost-shares/{year}', {
    params: { path: { id: periodId, year: 2020 } }
  })
  const tyreso = json(year.data).shares.find(share => share.municipality_code === '0138')!
  t.match(
    tyreso,
    { participating: true, population: 48009, exact_amount: /^93617\.55/, amount: '93618.00' },
    '48,009 × 1.95 SEK, rounded to whole kronor'
  )
  const invoiced = await finance.POST('/v1/recommendation-periods/{id}/invoiced-years', {
    params: { path: { id: periodId }, header: { 'idempotency-key': 'invoice-2020' } },
    body: { year: 2020, invoice_date: '2020-02-15', substitute_population: SUBSTITUTES_ACCEPTED }
  })
  t.equal(invoiced.response.status, 201)
  t.equal(invoiced.data!.invoice_count, 3)
  const invoices = await finance.GET('/v1/invoices', {
    params: { query: { period_id: periodId, year: 2020, municipality_code: '0138' } }
  })
  const invoice = json(invoices.data).items[0]!
  t.equal(invoice.amount, tyreso.amount, 'the invoice is the share, to the öre')
  const paid = await finance.POST('/v1/invoices/{id}/payment', {
    params: { path: { id: invoice.id } },
    body: { paid_on: '2020-03-16', payment_reference: 'BG 2020-03-16 0042' }
  })
  t.equal(paid.data!.status, 'paid')
})

t.test('after a correction finance settles 2020 and fetches the supplementary e-invoice as Peppol UBL', async t => {
  await admin.POST('/v1/population-figures', {
    body: [{ municipality_code: '0138', reference_date: '2018-11-30', population: 48109 }]
  })
  const settled = await finance.POST('/v1/recommendation-periods/{id}/invoiced-years/{year}/settlements', {
    params: { path: { id: periodId, year: 2020 }, header: { 'idempotency-key': 'settle-2020' } },
    body: { invoice_date: '2020-10-15', substitute_population: SUBSTITUTES_ACCEPTED }
  })
  t.equal(settled.response.status, 201)
  const [debit] = settled.data!.adjustments
  t.match(debit, { kind: 'supplementary_invoice', reference: '18/00295-2020-0138-1', amount: '195.00' })
  const document = await finance.GET('/v1/adjustments/{id}/e-invoice', {
    params: { path: { id: debit!.id } },
    parseAs: 'text'
  })
  t.equal(document.response.headers.get('content-type'), 'application/xml; charset=utf-8')
  t.match(document.data, /<cbc:PayableAmount currencyID="SEK">195\.00<\/cbc:PayableAmount>/)
  t.match(document.data, /<cac:InvoiceDocumentReference>\s*<cbc:ID>18\/00295-2020-0138<\/cbc:ID>/)
  const batch = await finance.GET('/v1/recommendation-periods/{id}/invoiced-years/{year}/e-invoices', {
    params: { path: { id: periodId, year: 2020 } }
  })
  t.same(
    batch.data!.items.map(item => [item.document_type, item.number]),
    [
      ['invoice', '18/00295-2020-0114'],
      ['invoice', '18/00295-2020-0115'],
      ['invoice', '18/00295-2020-0138'],
      ['supplementary_invoice', '18/00295-2020-0138-1']
    ],
    "the year's three invoices, then its adjustment"
  )
})

t.test('finance allocates the register money and pays a register, planned → approved → paid', async t => {
  const register = await admin.GET('/v1/quality-registers/{code}', { params: { path: { code: 'senior-alert' } } })
  const payee = {
    name: 'Region Jönköpings län',
    organisation_number: '232100-0057',
    bankgiro: '5050-1055',
    plusgiro: null
  }
  const updated = await admin.PUT('/v1/quality-registers/{code}', {
    params: { path: { code: 'senior-alert' }, header: { 'if-match': register.response.headers.get('etag')! } },
    body: { name: register.data!.name, short_name: register.data!.short_name, payee }
  })
  t.equal(updated.response.status, 200)
  const plan = await finance.POST('/v1/recommendation-periods/{id}/register-allocations', {
    params: { path: { id: periodId } },
    body: {
      year: 2020,
      basis: 'fixed_amount',
      scaled_to_collected: false,
      registers: [{ register_code: 'senior-alert', amount: '100000.00' }]
    }
  })
  t.equal(plan.data!.total, '100000.00')
  const planned = await finance.POST('/v1/register-payouts', {
    params: { header: { 'idempotency-key': 'senior-alert-2020-1' } },
    body: {
      period_id: periodId,
      year: 2020,
      register_code: 'senior-alert',
      amount: '60000.00',
      note: 'First half of 2020'
    }
  })
  const id = planned.data!.id
  await finance.POST('/v1/register-payouts/{id}/status-changes', {
    params: { path: { id } },
    body: { status: 'approved' }
  })
  const paid = await finance.POST('/v1/register-payouts/{id}/status-changes', {
    params: { path: { id } },
    body: { status: 'paid', paid_on: todayInSweden(), payment_reference: 'LB 0017' }
  })
  t.same(
    paid.data!.history.map(event => event.status),
    ['planned', 'approved', 'paid']
  )
  const over = await finance.POST('/v1/register-payouts', {
    body: { period_id: periodId, year: 2020, register_code: 'senior-alert', amount: '40000.01' }
  })
  t.equal(over.response.status, 422)
  t.equal(over.error!.errors![0]!.pointer, '/amount', 'the problem names the field')
  const report = await finance.GET('/v1/recommendation-periods/{id}/payout-report/{year}', {
    params: { path: { id: periodId, year: 2020 } }
  })
  const yearReport = json(report.data)
  const funds = yearReport.registers.find(r => r.register_code === 'senior-alert')!
  t.match(funds, { allocated: '100000.00', paid: '60000.00' })
  const shares = await finance.GET('/v1/recommendation-periods/{id}/cost-shares/{year}', {
    params: { path: { id: periodId, year: 2020 } }
  })
  t.equal(
    yearReport.collected,
    json(shares.data).invoicing!.invoiced_total,
    'collected is what was invoiced, the settlement of the correction included'
  )
})

// Compile-time (npm test runs tsc first): a nullable reference is typed "the component or null", and tsc fails
// otherwise.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
type Schemas = components['schemas']
void ([true, true, true, true] satisfies [
  Same<Schemas['Decision']['withdrawal'], Schemas['Withdrawal'] | null>,
  Same<Schemas['Invoice']['payment'], Schemas['Payment'] | null>,
  Same<Schemas['QualityRegister']['payee'], Schemas['Payee'] | null>,
  Same<Schemas['CostShare']['invoice'], Schemas['InvoiceSummary'] | null>
])

t.test(
  'a finance system subscribes to invoicing by webhook, verifies each delivery with the client, and reads the feed',
  async t => {
    // Its own service, whose webhooks may go to this test's receiver on loopback (WEBHOOK_ALLOW_PRIVATE_URLS).
    const own = await testApp(t, { settings: { allowPrivateWebhookUrls: true } })
    const ownUrl = await own.app.listen({ port: 0, host: '127.0.0.1' })
    const client = async (name: string, scopes: Scope[]) => {
      const made = createApiClient(ownUrl, await apiKeys.create(own.db, name, scopes))
      made.use(keepsTheContract)
      return made
    }
    const ownAdmin = await client('admin-console', ['admin'])
    const ownFinance = await client('finance-system', ['read', 'finance:write'])
    const ownBi = await client('bi-tool', ['read'])
    const deliveries: Array<{ body: string; headers: Record<string, string | string[] | undefined> }> = []
    const receiver = createServer((request, response) => {
      let body = ''
      request.on('data', chunk => {
        body += chunk
      })
      request.on('end', () => {
        deliveries.push({ body, headers: request.headers })
        response.writeHead(204).end()
      })
    })
    await new Promise<void>(resolve => receiver.listen(0, '127.0.0.1', resolve))
    t.teardown(() => new Promise(resolve => receiver.close(resolve)))
    const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/invoicing`

    const endpoint = await ownAdmin.POST('/v1/webhook-endpoints', {
      body: { url: hookUrl, event_types: ['year.invoiced', 'invoice.paid'], description: 'Ekonomisystemet' }
    })
    t.equal(endpoint.response.status, 201)
    const { secret } = endpoint.data!
    const ownPeriods = await ownBi.GET('/v1/recommendation-periods', { params: { query: { case_number: '18/00295' } } })
    const ownPeriod = json(ownPeriods.data).items[0]!.id
    const invoiced = await ownFinance.POST('/v1/recommendation-periods/{id}/invoiced-years', {
      params: { path: { id: ownPeriod } },
      body: { year: 2020, invoice_date: '2020-02-15', substitute_population: SUBSTITUTES_ACCEPTED }
    })
    t.equal(invoiced.response.status, 201)
    for (let waited = 0; deliveries.length === 0 && waited < 200; waited++) await sleep(50)
    const event = verifyWebhook(secret, deliveries[0]!.body, deliveries[0]!.headers)
    t.equal(event.type, 'year.invoiced')
    if (event.type === 'year.invoiced') t.equal(event.data.year, 2020, 'typed: the invoiced year')
    t.throws(
      () => verifyWebhook(secret, deliveries[0]!.body.replace('2020', '2021'), deliveries[0]!.headers),
      'a changed body fails'
    )

    const feed = await ownBi.GET('/v1/events', { params: { query: { limit: 10 } } })
    t.same(
      json(feed.data).items.map(item => item.id),
      [event.id],
      'the feed holds the same event'
    )
    const log = await ownAdmin.GET('/v1/webhook-endpoints/{id}/deliveries', {
      params: { path: { id: endpoint.data!.id } }
    })
    t.match(log.data!.items, [{ event_id: event.id, attempt: 1, response_status: 204, delivered: true }])
  }
)

t.test('the committed client types are what `npm run client` generates from the committed contract', async t => {
  const root = join(import.meta.dirname, '..')
  const dir = await mkdtemp(join(tmpdir(), 'client-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await promisify(execFile)(
    join(root, 'client/node_modules/.bin/openapi-typescript'),
    ['openapi/openapi.json', '--output', join(dir, 'schema.d.ts')],
    { cwd: root }
  )
  t.equal(await readFile(join(dir, 'schema.d.ts'), 'utf8'), await readFile(join(root, 'client/schema.d.ts'), 'utf8'))
})
