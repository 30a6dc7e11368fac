import { readFile } from 'node:fs/promises'
import { parse } from 'csv-parse/sync'
import t from 'tap'
import { todayInSweden } from '../src/clock.ts'
import { toCsv } from '../src/plugins/csv.ts'
import { importNovember2019, periodIdOf, SUBSTITUTES_ACCEPTED } from './fixtures.ts'
import { testApp } from './helpers.ts'

t.test('CSV output follows RFC 4180: CRLF rows, quotes only where needed, doubled quotes inside', async t => {
  const rows = [
    { code: '0138', name: 'Tyresö', note: null },
    { code: '0180', name: 'Stockholm, "huvudstad"', note: 'rad 1\nrad 2' }
  ]
  t.equal(
    toCsv(['code', 'name', 'note'], rows),
    'code,name,note\r\n0138,Tyresö,\r\n0180,"Stockholm, ""huvudstad""","rad 1\nrad 2"\r\n'
  )
  t.equal(toCsv(['code'], []), 'code\r\n', 'an empty list still has its header')
})

t.test(
  'a cell that would run as a formula gets an apostrophe; plain numbers, negative ones too, stay numbers',
  async t => {
    const csv = toCsv(
      ['text', 'amount'],
      [
        { text: '=HYPERLINK("http://evil.example","klicka")', amount: '-177.00' },
        { text: '+46 8 452 70 00', amount: '93618.00' },
        { text: '-1+1', amount: '-1' },
        { text: '@SUM(A1)', amount: '0.45' },
        { text: '\tflik', amount: null },
        { text: '\rvagnretur', amount: null },
        { text: 'Kommunstyrelsen', amount: null }
      ]
    )
    t.same(parse(csv, { columns: true }), [
      { text: '\'=HYPERLINK("http://evil.example","klicka")', amount: '-177.00' },
      { text: "'+46 8 452 70 00", amount: '93618.00' },
      { text: "'-1+1", amount: '-1' },
      { text: "'@SUM(A1)", amount: '0.45' },
      { text: "'\tflik", amount: '' },
      { text: "'\rvagnretur", amount: '' },
      { text: 'Kommunstyrelsen', amount: '' }
    ])
  }
)

// Every CSV the contract declares, fetched after callers wrote formula text into every text field the service echoes:
// no cell reaches a spreadsheet as a formula, and the hostile texts are there, neutralised (so the check saw them).
t.test(
  'no CSV the service sends carries a formula from text a caller wrote, on every CSV-producing operation',
  async t => {
    const context = await testApp(t)
    const { app, db, bearer } = context
    await importNovember2019(context)
    const send = (
      method: 'POST' | 'PUT',
      url: string,
      payload: object,
      scope: 'admin' | 'decisions:write' | 'finance:write' | 'allocations:write',
      headers = {}
    ) => app.inject({ method, url, payload, headers: { ...bearer(scope), ...headers } })
    const hostile = (field: string) => `=HYPERLINK("http://evil.example/${field}","${field}")`
    const written: string[] = []
    const expectOk = async (response: Promise<{ statusCode: number; body: string }>, what: string) => {
      const answer = await response
      if (answer.statusCode >= 300) throw new Error(`${what}: ${answer.statusCode} ${answer.body}`)
    }
    const periodId = await periodIdOf(db, '18/00295')

    const fields = {
      decided_by: '+decided_by',
      municipal_case_number: '-2+3',
      minute_paragraph: '@minute_paragraph',
      conditions: '\tconditions'
    }
    const decision = await app.inject({
      method: 'POST',
      url: '/v1/decisions',
      headers: bearer('decisions:write'),
      payload: {
        municipality_code: '0138',
        period_id: periodId,
        outcome: 'adopted',
        decided_on: '2019-05-20',
        received_on: '2019-05-21',
        ...fields
      }
    })
    t.equal(decision.statusCode, 201, decision.body)
    written.push(...Object.values(fields))
    const mistaken = await app.inject({
      method: 'POST',
      url: '/v1/decisions',
      headers: bearer('decisions:write'),
      payload: {
        municipality_code: '0180',
        period_id: periodId,
        outcome: 'declined',
        decided_on: '2019-05-20',
        received_on: '2019-05-21',
        decided_by: 'Kommunstyrelsen'
      }
    })
    await expectOk(
      send(
        'POST',
        `/v1/decisions/${mistaken.json().id}/withdrawal`,
        { reason: hostile('withdrawal_reason') },
        'decisions:write'
      ),
      'withdrawal'
    )
    written.push(hostile('withdrawal_reason'))

    await expectOk(
      send(
        'POST',
        `/v1/recommendation-periods/${periodId}/invoiced-years`,
        { year: 2020, invoice_date: '2020-02-15', substitute_population: SUBSTITUTES_ACCEPTED },
        'finance:write'
      ),
      'invoicing'
    )
    const invoice = await db
      .selectFrom('invoices')
      .select('id')
      .where('municipality_code', '=', '0114')
      .executeTakeFirstOrThrow()
    await expectOk(
      send(
        'POST',
        `/v1/invoices/${invoice.id}/payment`,
        { paid_on: '2020-03-01', payment_reference: hostile('payment_reference') },
        'finance:write'
      ),
      'payment'
    )
    written.push(hostile('payment_reference'))
    // An invoiced adoption withdrawn: its share of 2020 becomes a credit, a negative amount in the CSV.
    const credited = await db
      .selectFrom('decisions')
      .select('id')
      .where('municipality_code', '=', '0115')
      .executeTakeFirstOrThrow()
    await expectOk(
      send(
        'POST',
        `/v1/decisions/${credited.id}/withdrawal`,
        { reason: 'Registrerat i fel ärende.' },
        'decisions:write'
      ),
      'withdrawal after invoicing'
    )

    await expectOk(
      send(
        'POST',
        '/v1/municipalities/0138/cost-allocations',
        {
          period_id: periodId,
          areas: [{ area: hostile('area'), committee: hostile('committee'), percent: '100' }]
        },
        'allocations:write'
      ),
      'cost allocation'
    )
    written.push(hostile('area'), hostile('committee'))

    const register = await app.inject({ url: '/v1/quality-registers/bpsd', headers: bearer('read') })
    await expectOk(
      send(
        'PUT',
        '/v1/quality-registers/bpsd',
        {
          name: hostile('register_name'),
          short_name: '=BPSD',
          organisation: hostile('organisation'),
          notes: hostile('notes'),
          payee: {
            name: hostile('payee_name'),
            organisation_number: '232100-0057',
            bankgiro: '5050-1055',
            plusgiro: null
          }
        },
        'admin',
        { 'if-match': register.headers.etag }
      ),
      'register'
    )
    written.push(hostile('register_name'), '=BPSD', hostile('organisation'), hostile('notes'), hostile('payee_name'))

    await expectOk(
      send(
        'POST',
        `/v1/recommendation-periods/${periodId}/register-allocations`,
        {
          year: 2020,
          basis: 'fixed_amount',
          scaled_to_collected: false,
          registers: [{ register_code: 'bpsd', amount: '1000.00' }]
        },
        'finance:write'
      ),
      'register allocation'
    )
    const payout = await send(
      'POST',
      '/v1/register-payouts',
      { period_id: periodId, year: 2020, register_code: 'bpsd', amount: '100.00', note: hostile('payout_note') },
      'finance:write'
    )
    t.equal(payout.statusCode, 201, payout.body)
    written.push(hostile('payout_note'))
    await expectOk(
      send('POST', `/v1/register-payouts/${payout.json().id}/status-changes`, { status: 'approved' }, 'finance:write'),
      'approval'
    )
    await expectOk(
      send(
        'POST',
        `/v1/register-payouts/${payout.json().id}/status-changes`,
        { status: 'paid', paid_on: todayInSweden(), payment_reference: hostile('payout_reference') },
        'finance:write'
      ),
      'payout paid'
    )
    written.push(hostile('payout_reference'))

    const contract = JSON.parse(await readFile(new URL('../openapi/openapi.json', import.meta.url), 'utf8'))
    const parameters: Record<string, string> = { id: String(periodId), year: '2020', code: '0138' }
    const csvOperations = Object.entries(contract.paths as Record<string, Record<string, any>>).flatMap(
      ([path, methods]) =>
        Object.entries(methods)
          .filter(
            ([method, operation]) => method === 'get' && operation.responses['200']?.content?.['text/csv'] !== undefined
          )
          .map(([, operation]) => ({ path, operation }))
    )
    const cells = new Set<string>()
    for (const { path, operation } of csvOperations) {
      const takes = new Set((operation.parameters ?? []).map((p: { name: string }) => p.name))
      let url = path.replace(/\{(\w+)\}/g, (_, name: string) => parameters[name]!)
      const query = new URLSearchParams({
        ...(takes.has('limit') && { limit: '500' }),
        ...(takes.has('format') && { format: 'csv' })
      })
      url = `${url}${query.size > 0 ? `?${query}` : ''}`
      const answer = await app.inject({ url, headers: bearer(operation['x-required-scopes'][0]) })
      t.equal(answer.statusCode, 200, `${operation.operationId}: ${url}`)
      t.match(answer.headers['content-type'], /^text\/csv/, `${operation.operationId} answers CSV`)
      const rows = parse(answer.body, { relax_column_count: false }) as string[][]
      const formulas = rows.flat().filter(cell => /^[=+\-@\t\r]/.test(cell) && !/^-?[0-9]+(\.[0-9]+)?$/.test(cell))
      t.same(formulas, [], `${operation.operationId}: no formula cells`)
      for (const cell of rows.flat()) cells.add(cell)
    }
    t.ok(csvOperations.length >= 30, `${csvOperations.length} CSV operations checked`)
    t.same(
      written.filter(text => !cells.has(`'${text}`)),
      [],
      'every hostile text came back, neutralised, in some CSV'
    )
    t.ok(
      [...cells].some(cell => /^-[0-9]+\.[0-9]{2}$/.test(cell)),
      "negative amounts (the withdrawn decision's credit) stay plain numbers"
    )
  }
)

t.test('a CSV header naming a field twice, or thousands of fields, is a 400; Accept: text/* gets CSV', async t => {
  const { app, bearer } = await testApp(t)
  const send = (payload: string) =>
    app.inject({
      method: 'POST',
      url: '/v1/population-figures',
      headers: { ...bearer('admin'), 'content-type': 'text/csv' },
      payload
    })
  const twice = await send('municipality_code,reference_date,population,population\r\n0114,2018-11-30,1,2\r\n')
  t.equal(twice.statusCode, 400)
  t.match(twice.json().detail, /names the field "population" twice/)
  const wide = await send(`${Array.from({ length: 1001 }, (_, i) => `f${i}`).join(',')}\r\n${'1,'.repeat(1000)}1\r\n`)
  t.equal(wide.statusCode, 400)
  t.match(wide.json().detail, /more than 1000 fields/)
  const text = await app.inject({ url: '/v1/counties', headers: { ...bearer('read'), accept: 'text/*' } })
  t.match(text.headers['content-type'], /^text\/csv/, 'text/* covers CSV, not JSON')
  const either = await app.inject({ url: '/v1/counties', headers: { ...bearer('read'), accept: '*/*' } })
  t.match(either.headers['content-type'], /^application\/json/, '*/* gets the default, JSON')
})
