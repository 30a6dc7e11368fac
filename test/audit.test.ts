import { sql } from 'kysely'
import t from 'tap'
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
