import { setImmediate, setTimeout } from 'node:timers/promises'
import { sql } from 'kysely'
import t from 'tap'
import { parse, value, violationsOfDocument } from './e-invoice-rules.ts'
import { importNovember2019, periodIdOf, SUBSTITUTES_ACCEPTED } from './fixtures.ts'
import { testApp } from './helpers.ts'

// Issue 22's scenario: invoice 2020, withdraw one adoption, correct one population figure, settle. The credit note and
// the supplementary invoice reference their originals and the sums hold; every e-invoice of 2020 is served as UBL.

const context = await testApp(t)
const { app, db, bearer } = context
const picture = await importNovember2019(context)
const period = await periodIdOf(db, '18/00295')
const post = (url: string, payload: unknown, scope: Parameters<typeof bearer>[0] = 'finance:write', key?: string) =>
  app.inject({
    method: 'POST',
    url,
    payload: payload as object,
    headers: { ...bearer(scope), ...(key !== undefined && { 'idempotency-key': key }) }
  })
const get = (url: string) => app.inject({ url, headers: bearer('read') })
const settlements = `/v1/recommendation-periods/${period}/invoiced-years/2020/settlements`
const settle = (key?: string) =>
  post(settlements, { invoice_date: '2020-10-15', substitute_population: SUBSTITUTES_ACCEPTED }, 'finance:write', key)

const invoiced = await post(`/v1/recommendation-periods/${period}/invoiced-years`, {
  year: 2020,
  invoice_date: '2020-02-15',
  substitute_population: SUBSTITUTES_ACCEPTED
})
if (invoiced.statusCode !== 201) throw new Error(`the fixture did not invoice 2020: ${invoiced.body}`)
const invoiceOf = async (code: string) =>
  (await get(`/v1/invoices?period_id=${period}&year=2020&municipality_code=${code}`)).json().items[0]
const withdrawn = picture.adopters[0]!
const withdrawnInvoice = await invoiceOf(withdrawn)
const tyresoInvoice = await invoiceOf('0138')

t.test('nothing to settle right after invoicing: 409, and nothing is written', async t => {
  const response = await settle()
  t.equal(response.statusCode, 409)
  t.match(response.json().detail, /Nothing to settle/)
  t.equal((await get('/v1/adjustments')).json().total_items, 0)
})

t.test('a year not yet invoiced has nothing to settle: 404', async t => {
  const response = await post(`/v1/recommendation-periods/${period}/invoiced-years/2021/settlements`, {
    invoice_date: '2021-10-15'
  })
  t.equal(response.statusCode, 404)
  t.match(response.json().detail, /2021 of 18\/00295 has not been invoiced/)
})

t.test(
  'settling after a withdrawal and a population correction issues a credit note and a supplementary invoice',
  async t => {
    const decision = (await get(`/v1/decisions?period_id=${period}&municipality_code=${withdrawn}`)).json().items[0]
    t.equal(
      (
        await post(
          `/v1/decisions/${decision.id}/withdrawal`,
          { reason: 'Registrerat i fel ärende.' },
          'decisions:write'
        )
      ).statusCode,
      201
    )
    // Tyresö's 30 November 2018 figure corrected from 48,009 to 48,109: 100 × 1.95 = 195.00 more.
    t.equal(
      (
        await post(
          '/v1/population-figures',
          [{ municipality_code: '0138', reference_date: '2018-11-30', population: 48109 }],
          'admin'
        )
      ).statusCode,
      200
    )
    const before = (await get(`/v1/recommendation-periods/${period}/cost-shares/2020`)).json()
    t.equal(before.invoicing.open_differences, 2, 'two differences are open')
    t.equal(
      before.invoicing.difference_to_settle,
      (19500n - BigInt(withdrawnInvoice.amount.replace('.', ''))).toString().replace(/(\d\d)$/, '.$1'),
      'debit 195.00 less the credit of the whole withdrawn invoice'
    )

    const response = await settle('settle-2020-first')
    t.equal(response.statusCode, 201)
    const settlement = response.json()
    t.equal(response.headers.location, `/v1/settlements/${settlement.id}`)
    t.equal(settlement.adjustments.length, 2)
    const [credit, debit] = settlement.adjustments
    t.match(credit, {
      kind: 'credit_note',
      municipality_code: withdrawn,
      invoice_id: withdrawnInvoice.id,
      invoice_reference: withdrawnInvoice.reference,
      reference: `${withdrawnInvoice.reference}-1`,
      amount: withdrawnInvoice.amount,
      previously_invoiced: withdrawnInvoice.amount,
      share_amount: '0.00',
      decision_id: null,
      status: 'outstanding'
    })
    t.match(debit, {
      kind: 'supplementary_invoice',
      municipality_code: '0138',
      invoice_id: tyresoInvoice.id,
      reference: '18/00295-2020-0138-1',
      sequence: 1,
      amount: '195.00',
      exact_amount: '195.00',
      previously_invoiced: '93618.00',
      previously_invoiced_exact: '93617.55',
      share_amount: '93813.00',
      share_exact_amount: '93812.55',
      population: 48109,
      population_date: '2018-11-30',
      population_basis: 'reference_date',
      rate_per_inhabitant: '1.95'
    })
    t.equal(settlement.credited, withdrawnInvoice.amount)
    t.equal(settlement.debited, '195.00')
    t.same((await get(`/v1/settlements/${settlement.id}`)).json(), settlement, 'the settlement reads back the same')

    const replay = await settle('settle-2020-first')
    t.equal(replay.statusCode, 201)
    t.equal(replay.headers['idempotent-replayed'], 'true')
    t.same(replay.json(), settlement, 'a retry with its Idempotency-Key replays, issuing nothing twice')
  }
)

t.test(
  'settled differences stop showing as open; the sums hold in cost shares, invoices and payout report',
  async t => {
    const year = (await get(`/v1/recommendation-periods/${period}/cost-shares/2020`)).json()
    t.equal(year.invoicing.open_differences, 0)
    t.equal(year.invoicing.difference_to_settle, '0.00')
    t.ok(year.shares.every((s: { difference: string; settlement: string }) => s.difference === '0.00'))
    t.equal(year.invoicing.adjustment_count, 2)
    t.equal(year.invoicing.debited, '195.00')
    t.equal(year.invoicing.credited, withdrawnInvoice.amount)
    t.equal(year.invoicing.invoiced_total, year.totals.collected, 'what was invoiced in all is what is collected')
    const tyreso = year.shares.find((s: { municipality_code: string }) => s.municipality_code === '0138')
    t.equal(tyreso.invoiced_total, '93813.00')
    t.same(
      tyreso.adjustments.map((a: { reference: string; kind: string }) => [a.reference, a.kind]),
      [['18/00295-2020-0138-1', 'supplementary_invoice']]
    )
    const invoice = (await get(`/v1/invoices/${tyresoInvoice.id}`)).json()
    t.equal(invoice.amount, '93618.00', 'the invoice itself never changes')
    t.equal(invoice.invoiced_total, '93813.00')
    t.equal(invoice.adjustments[0].reference, '18/00295-2020-0138-1')
    t.match(invoice, { difference: '0.00', settlement: 'none' }, 'nothing is left open on the invoice')
    const csv = await get(`/v1/invoices?period_id=${period}&municipality_code=0138&format=csv`)
    t.match(csv.body, /,unpaid,,,93813\.00,1,0\.00,none\r\n$/)
    const payouts = (await get(`/v1/recommendation-periods/${period}/payout-report/2020`)).json()
    t.equal(payouts.collected, year.invoicing.invoiced_total)
    t.equal(payouts.collected_basis, 'invoiced')
    t.same(payouts.settlement, {
      credited: withdrawnInvoice.amount,
      debited: '195.00',
      difference_to_settle: '0.00',
      open_differences: 0
    })
  }
)

t.test('a later change opens a new difference, settled by the next adjustment numbered after the first', async t => {
  await post(
    '/v1/population-figures',
    [{ municipality_code: '0138', reference_date: '2018-11-30', population: 48009 }],
    'admin'
  )
  const year = (await get(`/v1/recommendation-periods/${period}/cost-shares/2020`)).json()
  t.equal(year.invoicing.open_differences, 1)
  const tyreso = year.shares.find((s: { municipality_code: string }) => s.municipality_code === '0138')
  t.match(tyreso, { difference: '-195.00', settlement: 'credit' })
  // Finance sees the same open difference on the invoice, in the list and in its CSV.
  const listed = await get(`/v1/invoices?period_id=${period}&municipality_code=0138`)
  t.match(listed.json().items, [
    { id: tyresoInvoice.id, invoiced_total: '93813.00', difference: '-195.00', settlement: 'credit' }
  ])
  const csv = await get(`/v1/invoices?period_id=${period}&municipality_code=0138&format=csv`)
  t.match(csv.body, /,93813\.00,1,-195\.00,credit\r\n$/)
  const response = await settle()
  t.equal(response.statusCode, 201)
  t.match(response.json().adjustments, [
    {
      reference: '18/00295-2020-0138-2',
      sequence: 2,
      kind: 'credit_note',
      amount: '195.00',
      previously_invoiced: '93813.00',
      share_amount: '93618.00'
    }
  ])
  t.match((await get(`/v1/invoices/${tyresoInvoice.id}`)).json(), { invoiced_total: '93618.00', difference: '0.00' })
})

t.test('two settlements at once issue each adjustment once: the second finds nothing left', async t => {
  await post(
    '/v1/population-figures',
    [{ municipality_code: '0138', reference_date: '2018-11-30', population: 48010 }],
    'admin'
  )
  const statuses = (await Promise.all([settle('concurrent-a'), settle('concurrent-b')])).map(r => r.statusCode)
  t.same(statuses.sort(), [201, 409])
  t.equal((await get('/v1/adjustments?municipality_code=0138')).json().total_items, 3)
})

t.test('adjustments are paid or refunded like invoices: once, not before their date', async t => {
  const [credit] = (await get(`/v1/adjustments?kind=credit_note&municipality_code=${withdrawn}`)).json().items
  const early = await post(`/v1/adjustments/${credit.id}/payment`, { paid_on: '2020-10-01' })
  t.equal(early.statusCode, 422)
  t.same(early.json().errors, [
    { pointer: '/paid_on', detail: `paid on 2020-10-01, before the adjustment's date ${credit.invoice_date}` }
  ])
  const refunded = await post(`/v1/adjustments/${credit.id}/payment`, {
    paid_on: '2020-11-02',
    payment_reference: 'BG 2020-11-02 0007'
  })
  t.equal(refunded.statusCode, 201)
  t.match(refunded.json(), { status: 'refunded', payment: { paid_on: '2020-11-02' } })
  const twice = await post(`/v1/adjustments/${credit.id}/payment`, { paid_on: '2020-11-03' })
  t.equal(twice.statusCode, 409)
  t.equal(twice.json().detail, `Adjustment ${credit.reference} was marked refunded on 2020-11-02 already.`)
  t.equal((await get('/v1/adjustments?status=refunded')).json().total_items, 1)
  const outstanding = (await get('/v1/adjustments?status=outstanding')).json()
  t.equal(outstanding.total_items, 3)
})

t.test('the record is append-only: the database refuses to change or delete a settlement or adjustment', async t => {
  await t.rejects(sql`UPDATE adjustments SET amount = 1`.execute(db), /append-only/)
  await t.rejects(sql`DELETE FROM settlements`.execute(db), /append-only/)
  await t.rejects(sql`DELETE FROM adjustment_payments`.execute(db), /append-only/)
})

t.test('a municipality key settles nothing and pays only its own adjustments', async t => {
  const [own] = (await get('/v1/adjustments?municipality_code=0138')).json().items
  const { create } = await import('../src/db/api-keys.ts')
  const other = { authorization: `Bearer ${await create(db, 'vasby', ['finance:write'], withdrawn)}` }
  const settled = await app.inject({
    method: 'POST',
    url: settlements,
    headers: other,
    payload: { invoice_date: '2020-10-15' }
  })
  t.equal(settled.statusCode, 403)
  const paid = await app.inject({
    method: 'POST',
    url: `/v1/adjustments/${own.id}/payment`,
    headers: other,
    payload: { paid_on: '2020-11-01' }
  })
  t.equal(paid.statusCode, 403)
})

t.test('every e-invoice of 2020 parses as UBL 2.1 and keeps every rule encoded (test/e-invoice-rules.ts)', async t => {
  // Page by page, as a finance system follows `Link: rel="next"`.
  const items = []
  let total_items = 0
  for (let page = 1, pages = 1; page <= pages; page++) {
    const batch = await get(
      `/v1/recommendation-periods/${period}/invoiced-years/2020/e-invoices?page=${page}&limit=100`
    )
    t.equal(batch.statusCode, 200)
    const body = batch.json()
    items.push(...body.items)
    pages = body.total_pages
    total_items = body.total_items
  }
  const adjustments = (await get('/v1/adjustments?limit=500')).json()
  const invoices = (await get(`/v1/invoices?period_id=${period}&year=2020&limit=500`)).json()
  t.equal(total_items, invoices.total_items + adjustments.total_items, "the year's invoices and adjustments, all")
  t.equal(items.length, total_items, 'each once')
  t.equal(new Set(items.map((item: { url: string }) => item.url)).size, total_items)
  // One document at a time, yielding between them: checking them all at once would hold the event loop the service
  // shares with this test for longer than its load shedding allows (MAX_EVENT_LOOP_DELAY_MS).
  const broken: string[] = []
  for (const item of items as Array<{ number: string; document: string }>) {
    broken.push(...violationsOfDocument(item.document).map(violation => `${item.number}: ${violation}`))
    await setImmediate()
  }
  t.same(broken.slice(0, 20), [], `${broken.length} violations in ${items.length} documents`)
  t.same([...new Set(items.map((item: { document_type: string }) => item.document_type))].sort(), [
    'credit_note',
    'invoice',
    'supplementary_invoice'
  ])
  // Served alone, each is the batch's document byte for byte.
  const credit = items.find((item: { document_type: string }) => item.document_type === 'credit_note')
  const alone = await get(credit.url)
  t.equal(alone.headers['content-type'], 'application/xml; charset=utf-8')
  t.equal(alone.body, credit.document)
  const root = parse(alone.body).documentElement!
  t.equal(root.localName, 'CreditNote')
  t.equal(value(root, 'cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID'), withdrawnInvoice.reference)
  t.equal(value(root, 'cac:BillingReference/cac:InvoiceDocumentReference/cbc:IssueDate'), '2020-02-15')
  t.equal(value(root, 'cbc:BuyerReference'), withdrawnInvoice.reference)
})

t.test(
  "Tyresö's invoice: 93,617.55 on the line, 0.45 rounding, 93,618.00 payable, to 0007:2120000092, from SKR",
  async t => {
    const response = await get(`/v1/invoices/${tyresoInvoice.id}/e-invoice`)
    t.equal(response.statusCode, 200, response.body.slice(0, 300))
    t.same(violationsOfDocument(response.body), [])
    const root = parse(response.body).documentElement!
    const of = (expression: string) => value(root, expression)
    t.equal(of('cbc:ID'), '18/00295-2020-0138')
    t.equal(of('cbc:InvoiceTypeCode'), '380')
    t.equal(of('cbc:IssueDate'), '2020-02-15')
    t.equal(of('cbc:DueDate'), '2020-03-16', '30 days, the shipped terms')
    t.equal(of('cbc:BuyerReference'), '18/00295-2020-0138')
    t.equal(of('cac:InvoiceLine/cbc:LineExtensionAmount'), '93617.55')
    t.equal(of('cac:LegalMonetaryTotal/cbc:PayableRoundingAmount'), '0.45')
    t.equal(of('cac:LegalMonetaryTotal/cbc:PayableAmount'), '93618.00')
    t.equal(of('cac:AccountingCustomerParty/cac:Party/cbc:EndpointID'), '2120000092')
    t.equal(of('cac:AccountingCustomerParty/cac:Party/cbc:EndpointID/@schemeID'), '0007')
    t.equal(of('cac:AccountingSupplierParty/cac:Party/cbc:EndpointID'), '2220000315')
    t.equal(
      of('cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName'),
      'Sveriges Kommuner och Regioner'
    )
    t.equal(of('cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID'), 'O', 'not subject to VAT, the shipped category')
  }
)

t.test(
  'an e-invoice to a municipality without an organisation number is a 409, not a document Peppol cannot route',
  async t => {
    // Behind the service's back, as an admin's SQL would: the service hears of it within milliseconds.
    await sql`UPDATE municipalities SET organisation_number = NULL WHERE code = '0138'`.execute(db)
    t.teardown(() => sql`UPDATE municipalities SET organisation_number = '212000-0092' WHERE code = '0138'`.execute(db))
    let response = await get(`/v1/invoices/${tyresoInvoice.id}/e-invoice`)
    for (let tries = 0; response.statusCode === 200 && tries < 100; tries++) {
      await setTimeout(20)
      response = await get(`/v1/invoices/${tyresoInvoice.id}/e-invoice`)
    }
    t.equal(response.statusCode, 409)
    t.match(response.json().detail, /Tyresö \(0138\) has no organisation number/)
  }
)
