import { sql } from 'kysely'
import t from 'tap'
import { contract } from './contract.ts'
import { importNovember2019, periodIdOf, SUBSTITUTES_ACCEPTED } from './fixtures.ts'
import { testApp } from './helpers.ts'

const { app, db, bearer } = await testApp(t)
const events = async (query = '') =>
  (await app.inject({ url: `/v1/audit-events${query}`, headers: bearer('admin') })).json()
const decision = {
  municipality_code: '0138',
  period_case_number: '18/00295',
  outcome: 'adopted',
  decided_on: '2019-04-24',
  decided_by: 'Kommunfullmäktige',
  received_on: '2019-05-02'
}
const post = (payload: object, key: string) =>
  app.inject({
    method: 'POST',
    url: '/v1/decisions',
    payload,
    headers: { ...bearer('decisions:write'), 'idempotency-key': key, 'x-request-id': `req-${key}` }
  })

t.test('a write leaves exactly one audit event: who, when, what and the request id', async t => {
  const before = Date.now()
  const written = await post(decision, 'tyreso-1')
  t.equal(written.statusCode, 201)
  const { items, total_items } = await events()
  t.equal(total_items, 1)
  t.match(items[0], {
    api_key_name: 'decisions-write',
    municipality_code: null,
    request_id: 'req-tyreso-1',
    operation_id: 'recordDecision',
    method: 'POST',
    path: '/v1/decisions',
    status: 201,
    request_sha256: /^[0-9a-f]{64}$/
  })
  t.ok(Date.parse(items[0].occurred_at) >= before - 1000, 'when: now')
})

t.test('a replay, a refused write and a read are not events: they wrote nothing', async t => {
  t.equal((await post(decision, 'tyreso-1')).headers['idempotent-replayed'], 'true')
  t.equal((await post({ ...decision, municipality_code: '9999' }, 'bad-1')).statusCode, 422)
  await app.inject({ url: '/v1/decisions', headers: bearer('read') })
  t.equal((await events()).total_items, 1)
})

t.test('updates are events too, and the trail filters by key, operation and time, and comes as CSV', async t => {
  const register = await app.inject({ url: '/v1/quality-registers/bpsd', headers: bearer('read') })
  const put = await app.inject({
    method: 'PUT',
    url: '/v1/quality-registers/bpsd',
    headers: { ...bearer('admin'), 'if-match': register.headers.etag as string },
    payload: { name: register.json().name, short_name: 'BPSD', notes: 'Payee to be confirmed' }
  })
  t.equal(put.statusCode, 200)
  const all = await events()
  t.same(
    all.items.map((e: { operation_id: string }) => e.operation_id),
    ['recordDecision', 'putQualityRegister']
  )
  const adminKey = all.items[1].api_key_id
  t.same(
    (await events(`?key_id=${adminKey}`)).items.map((e: { method: string }) => e.method),
    ['PUT']
  )
  t.equal((await events('?operation_id=recordDecision')).total_items, 1)
  t.equal((await events(`?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).total_items, 0)
  const csv = await app.inject({ url: '/v1/audit-events?format=csv', headers: bearer('admin') })
  t.match(
    csv.body,
    /^id,occurred_at,api_key_id,api_key_name,municipality_code,request_id,operation_id,method,path,status,request_sha256\r\n/
  )
})

t.test('the trail is append-only, and only admins read it', async t => {
  await t.rejects(sql`DELETE FROM audit_events`.execute(db), /append-only/)
  await t.rejects(sql`UPDATE audit_events SET status = 200`.execute(db), /append-only/)
  t.equal((await app.inject({ url: '/v1/audit-events', headers: bearer('read') })).statusCode, 403)
})

// The one write path (src/http/write.ts) records the audit event of every write: walked here over every operation of
// the contract that writes, each with a request that succeeds and one that is refused. An operation added without an
// entry in `requests` fails this test, so none can write without being checked.
t.test(
  'every mutating operation of the contract leaves one audit event per successful write and none for a refused one',
  async t => {
    // The endpoint this test makes is on loopback (where nothing listens), which the shipped settings refuse.
    const context = await testApp(t, { settings: { allowPrivateWebhookUrls: true } })
    const { app, db, bearer } = context
    await importNovember2019(context)
    const period = await db
      .selectFrom('recommendation_periods')
      .selectAll()
      .where('case_number', '=', '18/00295')
      .executeTakeFirstOrThrow()
    const support = await periodIdOf(db, '16/02966')
    const get = (url: string) => app.inject({ url, headers: bearer('read') })
    const decisionId = async () =>
      (await db.selectFrom('decisions').select('id').where('municipality_code', '=', '0114').executeTakeFirstOrThrow())
        .id
    const invoiceId = async () =>
      (await db.selectFrom('invoices').select('id').where('municipality_code', '=', '0115').executeTakeFirstOrThrow())
        .id
    const adjustmentId = async () =>
      (await db.selectFrom('adjustments').select('id').orderBy('id').executeTakeFirstOrThrow()).id
    let reactivated = 0
    const endpointId = async () =>
      (await db.selectFrom('webhook_endpoints').select('id').orderBy('id').executeTakeFirstOrThrow()).id
    const payoutId = async () =>
      (await db.selectFrom('register_payouts').select('id').orderBy('id').executeTakeFirstOrThrow()).id
    const periodInput = async () => {
      const read = (await get(`/v1/recommendation-periods/${period.id}`)).json()
      const { id: _id, version: _v, created_at: _c, updated_at: _u, years, ...fields } = read
      return { ...fields, years: years.map(({ last_day_to_join: _l, ...year }: Record<string, unknown>) => year) }
    }
    const decision = (code: string) => ({
      municipality_code: code,
      period_id: period.id,
      outcome: 'adopted',
      decided_on: '2020-04-20',
      decided_by: 'Kommunstyrelsen',
      received_on: '2020-05-04'
    })

    type Sent = { url: string; payload?: unknown; headers?: Record<string, string> }
    // Per operation: a request that writes, and one refused (400, 404, 409, 412, 422 or 428). They run in this order.
    const requests: Record<string, { ok: () => Promise<Sent>; refused: () => Promise<Sent> }> = {
      importPopulationFigures: {
        ok: async () => ({
          url: '/v1/population-figures',
          payload: [{ municipality_code: '0114', reference_date: '2019-11-30', population: 47000 }]
        }),
        refused: async () => ({
          url: '/v1/population-figures',
          payload: [{ municipality_code: '9999', reference_date: '2019-11-30', population: 1 }]
        })
      },
      importPopulationFiguresCsv: {
        ok: async () => ({
          url: '/v1/population-figures.csv',
          payload: 'municipality_code,reference_date,population\r\n0115,2019-11-30,47000\r\n',
          headers: { 'content-type': 'text/csv' }
        }),
        refused: async () => ({
          url: '/v1/population-figures.csv',
          payload: 'municipality_code,reference_date,population\r\n0115,2019-11-30,-1\r\n',
          headers: { 'content-type': 'text/csv' }
        })
      },
      createRecommendationPeriod: {
        ok: async () => ({
          url: '/v1/recommendation-periods',
          payload: {
            case_number: '26/00001',
            title: 'Prov',
            first_year: 2027,
            last_year: 2028,
            annual_budget: '1000.00',
            cost_model: 'weighted_total',
            rounding_unit: 'krona',
            rounding_mode: 'half_away_from_zero'
          }
        }),
        refused: async () => ({
          url: '/v1/recommendation-periods',
          payload: {
            case_number: '26/00002',
            title: 'Prov',
            first_year: 2028,
            last_year: 2027,
            annual_budget: '1000.00',
            cost_model: 'weighted_total',
            rounding_unit: 'krona',
            rounding_mode: 'half_away_from_zero'
          }
        })
      },
      replaceRecommendationPeriod: {
        ok: async () => ({
          url: `/v1/recommendation-periods/${period.id}`,
          payload: await periodInput(),
          headers: { 'if-match': (await get(`/v1/recommendation-periods/${period.id}`)).headers.etag as string }
        }),
        refused: async () => ({
          url: `/v1/recommendation-periods/${period.id}`,
          payload: await periodInput(),
          headers: { 'if-match': '"period-0-v1"' }
        })
      },
      recordDecision: {
        ok: async () => ({ url: '/v1/decisions', payload: decision('0125') }),
        refused: async () => ({ url: '/v1/decisions', payload: { ...decision('0125'), received_on: '2020-01-01' } })
      },
      withdrawDecision: {
        ok: async () => ({
          url: `/v1/decisions/${await decisionId()}/withdrawal`,
          payload: { reason: 'Registrerat i fel ärende.' }
        }),
        refused: async () => ({
          url: `/v1/decisions/${await decisionId()}/withdrawal`,
          payload: { reason: 'En gång till.' }
        })
      },
      importDecisions: {
        ok: async () => ({ url: '/v1/decision-imports', payload: [decision('0117'), decision('0120')] }),
        refused: async () => ({ url: '/v1/decision-imports', payload: [decision('0117'), decision('9999')] })
      },
      importDecisionsCsv: {
        ok: async () => ({
          url: '/v1/decision-imports.csv',
          payload: `municipality_code,period_id,outcome,decided_on,decided_by,received_on\r\n0123,${period.id},declined,2020-04-20,KS,2020-05-04\r\n`,
          headers: { 'content-type': 'text/csv' }
        }),
        refused: async () => ({
          url: '/v1/decision-imports.csv',
          payload: `municipality_code,period_id,outcome,decided_on,decided_by,received_on\r\n0123,${period.id},declined,2020-05-20,KS,2020-05-04\r\n`,
          headers: { 'content-type': 'text/csv' }
        })
      },
      importCostWeights: {
        // 16/02966 computes its weights by the membership fee: an import replaces them whole.
        ok: async () => ({
          url: `/v1/recommendation-periods/${support}/cost-weights`,
          payload: (await db.selectFrom('municipalities').select('code').execute()).map(m => ({
            municipality_code: m.code,
            weight: '42'
          }))
        }),
        refused: async () => ({
          url: `/v1/recommendation-periods/${period.id}/cost-weights`,
          payload: [{ municipality_code: '0114', weight: '42' }]
        })
      },
      importCostWeightsCsv: {
        ok: async () => ({
          url: `/v1/recommendation-periods/${support}/cost-weights.csv`,
          payload: 'municipality_code,weight\r\n0115,43\r\n',
          headers: { 'content-type': 'text/csv' }
        }),
        refused: async () => ({
          url: `/v1/recommendation-periods/${support}/cost-weights.csv`,
          payload: 'municipality_code,weight\r\n9999,43\r\n',
          headers: { 'content-type': 'text/csv' }
        })
      },
      invoiceYear: {
        ok: async () => ({
          url: `/v1/recommendation-periods/${period.id}/invoiced-years`,
          payload: { year: 2020, invoice_date: '2020-02-15', substitute_population: SUBSTITUTES_ACCEPTED }
        }),
        refused: async () => ({
          url: `/v1/recommendation-periods/${period.id}/invoiced-years`,
          payload: { year: 2020, invoice_date: '2020-02-15', substitute_population: SUBSTITUTES_ACCEPTED }
        })
      },
      recordInvoicePayment: {
        ok: async () => ({ url: `/v1/invoices/${await invoiceId()}/payment`, payload: { paid_on: '2020-03-01' } }),
        refused: async () => ({ url: `/v1/invoices/${await invoiceId()}/payment`, payload: { paid_on: '2020-03-02' } })
      },
      settleInvoicedYear: {
        ok: async () => {
          // A population correction by hand (no API write, so no audit event of its own) opens a difference.
          await sql`UPDATE population_figures SET population = population + 100 WHERE municipality_code = '0115'`.execute(
            db
          )
          return {
            url: `/v1/recommendation-periods/${period.id}/invoiced-years/2020/settlements`,
            payload: { invoice_date: '2020-10-15', substitute_population: SUBSTITUTES_ACCEPTED }
          }
        },
        // Settled: nothing is left to settle.
        refused: async () => ({
          url: `/v1/recommendation-periods/${period.id}/invoiced-years/2020/settlements`,
          payload: { invoice_date: '2020-10-15', substitute_population: SUBSTITUTES_ACCEPTED }
        })
      },
      recordAdjustmentPayment: {
        ok: async () => ({
          url: `/v1/adjustments/${await adjustmentId()}/payment`,
          payload: { paid_on: '2020-11-01' }
        }),
        refused: async () => ({
          url: `/v1/adjustments/${await adjustmentId()}/payment`,
          payload: { paid_on: '2020-11-02' }
        })
      },
      recordCostAllocation: {
        ok: async () => ({
          url: '/v1/municipalities/0138/cost-allocations',
          payload: { period_id: period.id, areas: [{ area: 'Äldreomsorg', percent: '100' }] }
        }),
        refused: async () => ({
          url: '/v1/municipalities/0138/cost-allocations',
          payload: { period_id: period.id, areas: [{ area: 'Äldreomsorg', percent: '60' }] }
        })
      },
      putQualityRegister: {
        ok: async () => ({
          url: '/v1/quality-registers/bpsd',
          payload: {
            name: 'BPSD',
            short_name: 'BPSD',
            payee: { name: 'Region Skåne', organisation_number: '232100-0255', bankgiro: '5050-1055', plusgiro: null }
          },
          headers: { 'if-match': (await get('/v1/quality-registers/bpsd')).headers.etag as string }
        }),
        refused: async () => ({ url: '/v1/quality-registers/bpsd', payload: { name: 'BPSD', short_name: 'BPSD' } })
      },
      recordAllocationPlan: {
        ok: async () => ({
          url: `/v1/recommendation-periods/${period.id}/register-allocations`,
          payload: {
            year: 2020,
            basis: 'fixed_amount',
            scaled_to_collected: false,
            registers: [{ register_code: 'bpsd', amount: '1000.00' }]
          }
        }),
        refused: async () => ({
          url: `/v1/recommendation-periods/${period.id}/register-allocations`,
          payload: {
            year: 2019,
            basis: 'fixed_amount',
            scaled_to_collected: false,
            registers: [{ register_code: 'bpsd', amount: '1000.00' }]
          }
        })
      },
      planPayout: {
        ok: async () => ({
          url: '/v1/register-payouts',
          payload: { period_id: period.id, year: 2020, register_code: 'bpsd', amount: '100.00' }
        }),
        refused: async () => ({
          url: '/v1/register-payouts',
          payload: { period_id: period.id, year: 2020, register_code: 'bpsd', amount: '100000.00' }
        })
      },
      createWebhookEndpoint: {
        ok: async () => ({
          url: '/v1/webhook-endpoints',
          payload: { url: 'http://127.0.0.1:9/hooks', event_types: ['*'] }
        }),
        refused: async () => ({
          url: '/v1/webhook-endpoints',
          payload: { url: 'http://127.0.0.1:9/hooks', event_types: ['no.such'] }
        })
      },
      reactivateWebhookEndpoint: {
        // After the deletion above (the contract lists it first): an endpoint of its own, disabled as the worker
        // disables one that has failed for days.
        ok: async () => {
          const created = await app.inject({
            method: 'POST',
            url: '/v1/webhook-endpoints',
            headers: bearer('admin'),
            payload: { url: 'http://127.0.0.1:9/hooks', event_types: ['*'] }
          })
          reactivated = created.json().id
          await sql`UPDATE webhook_endpoints SET disabled_at = now(), disabled_reason = 'failing' WHERE id = ${reactivated}`.execute(
            db
          )
          return { url: `/v1/webhook-endpoints/${reactivated}/reactivation` }
        },
        refused: async () => ({ url: `/v1/webhook-endpoints/${reactivated}/reactivation` })
      },
      deleteWebhookEndpoint: {
        ok: async () => ({ url: `/v1/webhook-endpoints/${await endpointId()}` }),
        refused: async () => ({ url: `/v1/webhook-endpoints/${await endpointId()}` })
      },
      changePayoutStatus: {
        ok: async () => ({
          url: `/v1/register-payouts/${await payoutId()}/status-changes`,
          payload: { status: 'approved' }
        }),
        refused: async () => ({
          url: `/v1/register-payouts/${await payoutId()}/status-changes`,
          payload: { status: 'planned' }
        })
      }
    }

    const count = async (operationId: string) =>
      (
        await db
          .selectFrom('audit_events')
          .select(eb => eb.fn.countAll<number>().as('n'))
          .where('operation_id', '=', operationId)
          .executeTakeFirstOrThrow()
      ).n
    // Configuration is audited but is no event of the feed: an endpoint's answer holds its secret.
    const configuration = ['createWebhookEndpoint', 'reactivateWebhookEndpoint', 'deleteWebhookEndpoint']
    const announced = async (operationId: string) =>
      (
        await db
          .selectFrom('events as e')
          .innerJoin('audit_events as a', 'a.id', 'e.audit_event_id')
          .select(eb => eb.fn.countAll<number>().as('n'))
          .where('a.operation_id', '=', operationId)
          .executeTakeFirstOrThrow()
      ).n
    const writing = Object.values(contract.paths as Record<string, Record<string, any>>).flatMap(methods =>
      Object.entries(methods)
        .filter(([method]) => method !== 'get')
        .map(([method, operation]) => ({ method: method.toUpperCase() as 'POST' | 'PUT' | 'DELETE', operation }))
    )
    t.ok(writing.length >= 17, `${writing.length} operations write`)
    for (const { method, operation } of writing) {
      const id: string = operation.operationId
      const entry = requests[id]
      if (entry === undefined) {
        t.fail(`${id}: add a request that writes and one refused to this test`)
        continue
      }
      const headers = bearer(operation['x-required-scopes'][0])
      const before = await count(id)
      const eventsBefore = Number(await announced(id))
      const ok = await entry.ok()
      const written = await app.inject({
        method,
        url: ok.url,
        payload: ok.payload as string,
        headers: { ...headers, 'idempotency-key': `audit-${id}`, ...ok.headers }
      })
      t.ok(
        written.statusCode >= 200 && written.statusCode < 300,
        `${id} writes (${written.statusCode} ${written.body.slice(0, 300)})`
      )
      t.equal(await count(id), before + 1, `${id}: one audit event for the write`)
      const expected = eventsBefore + (configuration.includes(id) ? 0 : 1)
      t.equal(Number(await announced(id)), expected, `${id}: ${expected - eventsBefore} event(s) in the feed`)
      const replay = await app.inject({
        method,
        url: ok.url,
        payload: ok.payload as string,
        headers: { ...headers, 'idempotency-key': `audit-${id}`, ...ok.headers }
      })
      // A POST sent again with its Idempotency-Key is a replay; a PUT sent again names a version that is gone.
      if (method === 'POST') {
        t.equal(replay.headers['idempotent-replayed'], 'true', `${id}: the same request again is a replay`)
        t.equal(replay.body, written.body, `${id}: with the same answer`)
      } else if (method === 'PUT')
        t.equal(replay.statusCode, 412, `${id}: the same update again is refused (${replay.statusCode})`)
      else t.equal(replay.statusCode, 404, `${id}: what is deleted cannot be deleted again (${replay.statusCode})`)
      t.equal(await count(id), before + 1, `${id}: none for the repetition`)
      const no = await entry.refused()
      const refused = await app.inject({
        method,
        url: no.url,
        payload: no.payload as string,
        headers: { ...headers, ...no.headers }
      })
      t.ok(
        refused.statusCode >= 400 && refused.statusCode < 500,
        `${id} refuses (${refused.statusCode} ${refused.body.slice(0, 200)})`
      )
      t.equal(await count(id), before + 1, `${id}: none for a refused write`)
      t.equal(Number(await announced(id)), expected, `${id}: and no event for it`)
    }
  }
)
