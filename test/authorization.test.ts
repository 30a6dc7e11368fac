import { sql } from 'kysely'
import { readFile } from 'node:fs/promises'
import t from 'tap'
import * as apiKeys from '../src/db/api-keys.ts'
import { importNovember2019, periodIdOf, SUBSTITUTES_ACCEPTED } from './fixtures.ts'
import { heard, testApp } from './helpers.ts'

// Every operation of the contract against every scope: the authorization matrix, read from the contract itself
// so that a new operation is covered the day it is added.
const contract = JSON.parse(await readFile(new URL('../openapi/openapi.json', import.meta.url), 'utf8'))
const context = await testApp(t)
const { app, db, keys, bearer } = context
const EXAMPLE_PARAMETERS: Record<string, string> = { id: '1', code: '0138', year: '2020' }
const operations = Object.entries(
  contract.paths as Record<
    string,
    Record<string, { operationId: string; 'x-required-scopes'?: string[]; 'x-municipality-keys'?: string }>
  >
).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({
    method: method.toUpperCase() as 'GET' | 'POST' | 'PUT',
    url: path.replace(/\{(\w+)\}/g, (_, name: string) => EXAMPLE_PARAMETERS[name] ?? '1'),
    operationId: operation.operationId,
    scope: operation['x-required-scopes']?.[0],
    municipalityKeys: operation['x-municipality-keys']
  }))
)
const send = (operation: (typeof operations)[number], token?: string, headers: Record<string, string> = {}) =>
  app.inject({
    method: operation.method,
    url: operation.url,
    headers: {
      ...(token !== undefined && { authorization: `Bearer ${token}` }),
      ...(operation.method === 'PUT' && { 'if-match': '*' }),
      ...headers
    },
    ...(operation.method !== 'GET' && { payload: {} })
  })

t.test(
  'every operation that needs a scope refuses a request without a key (401) and a key without its scope (403)',
  async t => {
    let checked = 0
    for (const operation of operations.filter(o => o.scope !== undefined)) {
      const name = `${operation.method} ${operation.url}`
      const anonymous = await send(operation)
      t.equal(anonymous.statusCode, 401, `${name} without a key`)
      t.match(anonymous.headers['www-authenticate'], /^Bearer/)
      for (const scope of apiKeys.SCOPES.filter(scope => scope !== operation.scope)) {
        const refused = await send(operation, keys[scope])
        t.equal(refused.statusCode, 403, `${name} with only ${scope}`)
        t.match(refused.json(), {
          type: '/problems/forbidden',
          detail: new RegExp(`needs the scope "${operation.scope}"`)
        })
        checked++
      }
      const allowed = await send(operation, keys[operation.scope as apiKeys.Scope])
      t.not(allowed.statusCode, 401, `${name} with its scope gets past authentication`)
      t.not(allowed.statusCode, 403, `${name} with its scope is authorized`)
    }
    t.ok(checked >= 4 * 40, `${checked} refusals checked`)
  }
)

t.test('the operations without a scope are exactly the probes and api-info', async t => {
  t.same(
    operations
      .filter(o => o.scope === undefined)
      .map(o => o.url)
      .sort(),
    ['/health/live', '/health/ready', '/v1/api-info']
  )
})

// The service hears of a revocation (by the CLI, another process) through the database's change notification.
t.test('a revoked key is refused as soon as the service hears of the revocation, for every scope', async t => {
  for (const scope of apiKeys.SCOPES) {
    const name = `soon-revoked-${scope.replace(':', '-')}`
    const token = await apiKeys.create(db, name, [scope])
    const operation = operations.find(o => o.scope === scope)!
    t.not((await send(operation, token)).statusCode, 401, `${scope}: accepted before`)
    const revocation = heard(app, 'keys')
    t.equal(await apiKeys.revoke(db, name), true)
    await revocation
    const after = await send(operation, token)
    t.equal(after.statusCode, 401, `${scope}: refused right after revocation`)
    t.match(after.json(), { detail: 'The API key is unknown or has been revoked.' })
  }
})

// Keys issued to one municipality (README, "API keys"): every operation of the contract says how it treats them, and
// each kind is tried here. Such a key is made directly, with every scope, admin too (which the CLI refuses to issue),
// so that only the operation's own rule can stop it.
t.test(
  'a key issued to a municipality acts on its own records only and on no country-wide operation, on every operation',
  async t => {
    const picture = await importNovember2019(context)
    const periodId = await periodIdOf(db, '18/00295')
    const invoiced = await app.inject({
      method: 'POST',
      url: `/v1/recommendation-periods/${periodId}/invoiced-years`,
      headers: bearer('finance:write'),
      payload: { year: 2020, invoice_date: '2020-02-15', substitute_population: SUBSTITUTES_ACCEPTED }
    })
    t.equal(invoiced.statusCode, 201, 'the fixture invoices 2020')
    const own = '0138'
    const other = picture.adopters.find(code => code !== own)!
    const decisionOf = async (code: string) =>
      (await db.selectFrom('decisions').select('id').where('municipality_code', '=', code).executeTakeFirstOrThrow()).id
    const invoiceOf = async (code: string) =>
      (await db.selectFrom('invoices').select('id').where('municipality_code', '=', code).executeTakeFirstOrThrow()).id
    // A correction of both municipalities' population after invoicing, settled: each gets an adjustment to pay.
    await sql`UPDATE population_figures SET population = population + 100 WHERE municipality_code IN (${own}, ${other})`.execute(
      db
    )
    const settled = await app.inject({
      method: 'POST',
      url: `/v1/recommendation-periods/${periodId}/invoiced-years/2020/settlements`,
      headers: bearer('finance:write'),
      payload: { invoice_date: '2020-10-15', substitute_population: SUBSTITUTES_ACCEPTED }
    })
    t.equal(settled.statusCode, 201, 'the fixture settles 2020')
    const adjustmentOf = async (code: string) =>
      (await db.selectFrom('adjustments').select('id').where('municipality_code', '=', code).executeTakeFirstOrThrow())
        .id
    const bound = { authorization: `Bearer ${await apiKeys.create(db, 'tyreso-all-scopes', [...apiKeys.SCOPES], own)}` }
    const unbound = { authorization: `Bearer ${await apiKeys.create(db, 'skr-all-scopes', [...apiKeys.SCOPES])}` }

    const decision = (code: string) => ({
      municipality_code: code,
      period_id: periodId,
      outcome: 'adopted',
      decided_on: '2020-04-20',
      decided_by: 'Kommunstyrelsen',
      received_on: '2020-05-04'
    })
    const csvOf = (row: Record<string, unknown>) =>
      `${Object.keys(row).join(',')}\r\n${Object.values(row).join(',')}\r\n`
    // For each operation that acts for a municipality: a request acting for the key's own and one acting for another.
    type Request = { url: string; payload: unknown; headers?: Record<string, string> }
    const actingFor: Record<string, (code: string) => Promise<Request>> = {
      recordDecision: async code => ({ url: '/v1/decisions', payload: decision(code) }),
      importDecisions: async code => ({ url: '/v1/decision-imports', payload: [decision(own), decision(code)] }),
      importDecisionsCsv: async code => ({
        url: '/v1/decision-imports.csv',
        payload: csvOf(decision(code)),
        headers: { 'content-type': 'text/csv' }
      }),
      withdrawDecision: async code => ({
        url: `/v1/decisions/${await decisionOf(code)}/withdrawal`,
        payload: { reason: 'Registrerat i fel ärende.' }
      }),
      recordInvoicePayment: async code => ({
        url: `/v1/invoices/${await invoiceOf(code)}/payment`,
        payload: { paid_on: '2020-03-01' }
      }),
      recordAdjustmentPayment: async code => ({
        url: `/v1/adjustments/${await adjustmentOf(code)}/payment`,
        payload: { paid_on: '2020-11-01' }
      }),
      recordCostAllocation: async code => ({
        url: `/v1/municipalities/${code}/cost-allocations`,
        payload: { period_id: periodId, areas: [{ area: 'Äldreomsorg', percent: '100' }] }
      })
    }

    const decisionsOf = async (code: string) =>
      (
        await db
          .selectFrom('decisions')
          .select(eb => eb.fn.countAll<number>().as('n'))
          .where('municipality_code', '=', code)
          .executeTakeFirstOrThrow()
      ).n
    const othersBefore = await decisionsOf(other)
    const counted = { any: 0, own: 0, refused: 0 }
    for (const operation of operations.filter(o => o.scope !== undefined)) {
      const rule = operation.municipalityKeys
      const name = `${operation.method} ${operation.url} (${operation.operationId}, x-municipality-keys: ${rule})`
      if (!['any', 'own', 'refused'].includes(rule ?? '')) {
        t.fail(`${name} does not say how it treats keys issued to a municipality`)
        continue
      }
      counted[rule as keyof typeof counted]++
      if (rule === 'any') {
        t.not((await send(operation, undefined, bound)).statusCode, 403, `${name}: open to a municipality's key`)
      } else if (rule === 'refused') {
        const refused = await send(operation, undefined, bound)
        t.equal(refused.statusCode, 403, `${name}: refused to a municipality's key`)
        t.match(refused.json(), {
          detail: /issued to municipality 0138, and this operation acts for the whole country/
        })
        t.not(
          (await send(operation, undefined, unbound)).statusCode,
          403,
          `${name}: open to a key of every scope issued to no municipality`
        )
      } else {
        const make = actingFor[operation.operationId]
        if (make === undefined) {
          t.fail(`${name}: add a request acting for a municipality to this test`)
          continue
        }
        const forOther = await make(other)
        const refused = await app.inject({
          method: operation.method,
          url: forOther.url,
          payload: forOther.payload as string,
          headers: { ...bound, ...forOther.headers }
        })
        t.equal(refused.statusCode, 403, `${name}: refused when acting for ${other}`)
        t.match(refused.json(), {
          detail: new RegExp(`acts for municipality 0138 only; this request acts for ${other}`)
        })
        const forOwn = await make(own)
        const allowed = await app.inject({
          method: operation.method,
          url: forOwn.url,
          payload: forOwn.payload as string,
          headers: { ...bound, ...forOwn.headers }
        })
        t.ok(
          allowed.statusCode < 300,
          `${name}: done when acting for ${own} itself (${allowed.statusCode} ${allowed.body.slice(0, 200)})`
        )
      }
    }
    t.ok(counted.refused >= 10 && counted.own === Object.keys(actingFor).length, `checked ${JSON.stringify(counted)}`)
    t.equal(await decisionsOf(other), othersBefore, `nothing was written for ${other}`)
  }
)
