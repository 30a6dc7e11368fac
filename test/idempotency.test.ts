import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import t from 'tap'
import Type from 'typebox'
import * as apiKeys from '../src/db/api-keys.ts'
import { requireScope } from '../src/plugins/auth.ts'
import { IdempotencyHeaders, purgeExpiredIdempotencyKeys, write } from '../src/http/write.ts'
import { injectOutsideTheContract } from './contract.ts'
import { heard, testApp } from './helpers.ts'

const { app, db, bearer } = await testApp(t)
const admin = bearer('admin')

// A write that adds a row every time it runs, slow enough that parallel duplicates overlap in the database.
app.post(
  '/test-insert',
  {
    schema: {
      ...requireScope('admin'),
      headers: IdempotencyHeaders,
      response: {
        201: {
          description: 'A key was created.',
          content: { 'application/json': { schema: Type.Object({ name: Type.String() }) } }
        }
      }
    }
  },
  async (request, reply) =>
    write(request, reply, { status: 201, event: null }, async trx => {
      const name = `race-${randomUUID()}`
      await sql`SELECT pg_sleep(0.05)`.execute(trx)
      await apiKeys.create(trx, name, ['read'])
      return { body: { name }, headers: { location: `/test-insert/${name}` } }
    })
)

const importFigures = (key: string, payload: object[], headers = admin) =>
  app.inject({
    method: 'POST',
    url: '/v1/population-figures',
    headers: { ...headers, 'idempotency-key': key },
    payload
  })

const figure = (municipality_code: string, reference_date: string) =>
  db
    .selectFrom('population_figures')
    .select(['population', 'updated_at'])
    .where('municipality_code', '=', municipality_code)
    .where('reference_date', '=', reference_date)
    .executeTakeFirst()

const storedKeys = (key: string) =>
  db.selectFrom('idempotency_keys').select('api_key_id').where('key', '=', key).execute()

t.test(
  'a replay returns the original status and byte-identical body, marked as a replay, and writes nothing',
  async t => {
    const key = randomUUID()
    const payload = [{ municipality_code: '0114', reference_date: '2020-11-30', population: 45000 }]
    const first = await importFigures(key, payload)
    t.equal(first.statusCode, 200)
    t.equal(first.body, '{"received":1,"inserted":1,"updated":0,"warnings":[]}')
    t.equal(first.headers['idempotent-replayed'], undefined, 'the first response is no replay')
    const written = await figure('0114', '2020-11-30')

    const replay = await importFigures(key, payload)
    t.equal(replay.statusCode, 200)
    t.equal(replay.body, first.body, 'not {"updated":1}: the import did not run again')
    t.equal(replay.headers['idempotent-replayed'], 'true')
    t.equal(replay.headers['content-type'], 'application/json; charset=utf-8')
    t.same(await figure('0114', '2020-11-30'), written, 'updated_at is unchanged')
  }
)

t.test('the same key with a different body is a 422 naming the idempotency-key header, and writes nothing', async t => {
  const key = randomUUID()
  t.equal(
    (await importFigures(key, [{ municipality_code: '0115', reference_date: '2020-11-30', population: 1 }])).statusCode,
    200
  )

  const other = await importFigures(key, [{ municipality_code: '0117', reference_date: '2020-11-30', population: 2 }])
  t.equal(other.statusCode, 422)
  t.match(other.headers['content-type'], /^application\/problem\+json/)
  t.match(other.json(), { type: '/problems/unprocessable', status: 422, errors: [{ parameter: 'idempotency-key' }] })
  t.equal(await figure('0117', '2020-11-30'), undefined)
  t.equal((await figure('0115', '2020-11-30'))?.population, 1)
})

t.test('bodies that differ only in the order of their fields are the same request', async t => {
  const key = randomUUID()
  await importFigures(key, [{ municipality_code: '0120', reference_date: '2020-11-30', population: 3 }])
  const reordered = await importFigures(key, [
    { population: 3, reference_date: '2020-11-30', municipality_code: '0120' }
  ])
  t.equal(reordered.statusCode, 200)
  t.equal(reordered.headers['idempotent-replayed'], 'true')
})

t.test('the same key sent by two API keys is two different keys', async t => {
  const secondAdmin = { authorization: `Bearer ${await apiKeys.create(db, 'second-admin', ['admin'])}` }
  const key = randomUUID()
  const mine = await importFigures(key, [{ municipality_code: '0123', reference_date: '2020-11-30', population: 4 }])
  const theirs = await importFigures(
    key,
    [{ municipality_code: '0125', reference_date: '2020-11-30', population: 5 }],
    secondAdmin
  )
  t.equal(mine.statusCode, 200)
  t.equal(theirs.statusCode, 200)
  t.equal(theirs.headers['idempotent-replayed'], undefined)
  t.equal((await figure('0125', '2020-11-30'))?.population, 5)
  t.equal((await storedKeys(key)).length, 2)
})

t.test('a failed request keeps no key, so the corrected request can use it', async t => {
  const key = randomUUID()
  const failed = await importFigures(key, [{ municipality_code: '9999', reference_date: '2020-11-30', population: 6 }])
  t.equal(failed.statusCode, 422)
  t.same(await storedKeys(key), [])

  const corrected = await importFigures(key, [
    { municipality_code: '0126', reference_date: '2020-11-30', population: 6 }
  ])
  t.equal(corrected.statusCode, 200)
  t.equal(corrected.headers['idempotent-replayed'], undefined)
  t.equal((await figure('0126', '2020-11-30'))?.population, 6)
})

t.test('a malformed key is a 400 naming the header, even when the body is malformed too', async t => {
  for (const [problem, key] of Object.entries({ 'too long': 'x'.repeat(256), 'a space': 'two words', empty: '' })) {
    const response = await importFigures(key, [
      { municipality_code: '0127', reference_date: '2020-11-30', population: 7 }
    ])
    t.equal(response.statusCode, 400, problem)
    t.match(response.json(), { errors: [{ parameter: 'idempotency-key' }] })
  }
  const both = await importFigures('x'.repeat(256), [
    { municipality_code: '127', reference_date: '2020-11-30', population: 7 }
  ])
  t.equal(both.statusCode, 400)
  t.match(both.json(), { errors: [{ parameter: 'idempotency-key' }] })
  t.equal(await figure('0127', '2020-11-30'), undefined)
})

t.test('a key older than 24 hours is forgotten, and the purge removes expired keys only', async t => {
  const old = randomUUID()
  const fresh = randomUUID()
  await importFigures(old, [{ municipality_code: '0128', reference_date: '2020-11-30', population: 8 }])
  await importFigures(fresh, [{ municipality_code: '0136', reference_date: '2020-11-30', population: 9 }])
  await sql`UPDATE idempotency_keys SET created_at = now() - interval '24 hours 1 minute' WHERE key = ${old}`.execute(
    db
  )

  const reused = await importFigures(old, [{ municipality_code: '0128', reference_date: '2020-11-30', population: 10 }])
  t.equal(reused.statusCode, 200, 'not a 422: the old body is forgotten')
  t.equal(reused.headers['idempotent-replayed'], undefined)
  t.equal((await figure('0128', '2020-11-30'))?.population, 10)

  await sql`UPDATE idempotency_keys SET created_at = now() - interval '24 hours 1 minute' WHERE key = ${old}`.execute(
    db
  )
  await sql`UPDATE idempotency_keys SET created_at = now() - interval '23 hours 59 minutes' WHERE key = ${fresh}`.execute(
    db
  )
  t.equal(await purgeExpiredIdempotencyKeys(db), 1)
  t.same(await storedKeys(old), [])
  t.equal((await storedKeys(fresh)).length, 1)
})

t.test('concurrent duplicates never create two records: 50 at once write once and all get the same answer', async t => {
  const parallel = 50
  const countKeys = async () =>
    (
      await db
        .selectFrom('api_keys')
        .select(eb => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n
  const before = await countKeys()
  const key = randomUUID()
  const responses = await Promise.all(
    Array.from({ length: parallel }, () =>
      injectOutsideTheContract(app, {
        method: 'POST',
        url: '/test-insert',
        headers: { ...admin, 'idempotency-key': key },
        payload: {}
      })
    )
  )

  t.equal(await countKeys(), before + 1, 'exactly one row was written')
  t.same(new Set(responses.map(r => r.statusCode)), new Set([201]))
  t.equal(new Set(responses.map(r => r.body)).size, 1, 'every body is the same')
  t.equal(new Set(responses.map(r => r.headers.location)).size, 1, 'every location is the same')
  t.equal(
    responses.filter(r => r.headers['idempotent-replayed'] === undefined).length,
    1,
    'one original, the rest replays'
  )
  const { name } = responses[0]!.json()
  t.equal(responses[0]!.headers.location, `/test-insert/${name}`)
  t.ok(
    await db.selectFrom('api_keys').where('name', '=', name).executeTakeFirst(),
    'the one row is the one every response names'
  )
})

t.test('concurrent duplicate imports run once: one original answer, the rest replays of it', async t => {
  const parallel = 50
  const key = randomUUID()
  const payload = [{ municipality_code: '0138', reference_date: '2020-11-30', population: 48000 }]
  const responses = await Promise.all(Array.from({ length: parallel }, () => importFigures(key, payload)))

  t.same(new Set(responses.map(r => r.statusCode)), new Set([200]))
  t.same(
    new Set(responses.map(r => r.body)),
    new Set(['{"received":1,"inserted":1,"updated":0,"warnings":[]}']),
    'none of them says "updated": the import ran once'
  )
  t.equal(responses.filter(r => r.headers['idempotent-replayed'] === undefined).length, 1)
  t.equal((await figure('0138', '2020-11-30'))?.population, 48000)
})

/** A registrar's adoption by this municipality, posted with this token and Idempotency-Key. */
const decisionOf = (municipalityCode: string, token: string, idempotencyKey: string) =>
  app.inject({
    method: 'POST',
    url: '/v1/decisions',
    headers: { authorization: `Bearer ${token}`, 'idempotency-key': idempotencyKey },
    payload: {
      municipality_code: municipalityCode,
      period_case_number: '18/00295',
      outcome: 'adopted',
      decided_on: '2019-06-03',
      decided_by: 'Kommunstyrelsen',
      received_on: '2019-06-04'
    }
  })

t.test(
  'a retry after the key was rotated replays: Idempotency-Keys belong to the client, not to one token',
  async t => {
    const old = await apiKeys.create(db, 'rotating-registrar', ['decisions:write'])
    const send = (token: string) => decisionOf('0160', token, 'diarie-2019-0160')
    const first = await send(old)
    t.equal(first.statusCode, 201)
    const rotation = heard(app, 'keys')
    const rotated = (await apiKeys.rotate(db, 'rotating-registrar'))!
    await rotation
    t.equal((await send(old)).statusCode, 401, 'the old token is refused')
    const retry = await send(rotated)
    t.equal(retry.statusCode, 201)
    t.equal(retry.headers['idempotent-replayed'], 'true')
    t.equal(retry.body, first.body)
    t.equal(
      (await db.selectFrom('decisions').select('id').where('municipality_code', '=', '0160').execute()).length,
      1,
      'recorded once'
    )
    const other = await apiKeys.create(db, 'another-registrar', ['decisions:write'])
    t.equal((await send(other)).headers['idempotent-replayed'], undefined, "another client's same key is its own")
  }
)

t.test(
  "a key created anew under a revoked key's name is a new client: it inherits none of the old answers",
  async t => {
    const first = await apiKeys.create(db, 'reused-name', ['decisions:write'])
    const send = (token: string) => decisionOf('0162', token, 'reused-key')
    t.equal((await send(first)).statusCode, 201)
    t.equal(await apiKeys.revoke(db, 'reused-name'), true)
    const second = await apiKeys.create(db, 'reused-name', ['decisions:write'])
    const answer = await send(second)
    t.equal(answer.statusCode, 201)
    t.equal(
      answer.headers['idempotent-replayed'],
      undefined,
      'recorded for the new client, not replayed from the old one'
    )
  }
)
