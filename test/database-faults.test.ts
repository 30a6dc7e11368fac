import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import t from 'tap'
import { build } from '../src/app.ts'
import { validateEveryResponse } from './contract.ts'
import * as apiKeys from '../src/db/api-keys.ts'
import { connect } from '../src/db/connection.ts'
import { startEmbedded, type EmbeddedServer } from '../src/db/embedded.ts'
import { prepareDatabase } from '../src/db/prepare.ts'

// A PostgreSQL of this test's own, stopped under traffic and started again on the same port, as a restart or a
// failover would look to the service.
const dataDir = await mkdtemp(join(tmpdir(), 'database-faults-'))
await chmod(dataDir, 0o755) // the embedded server may run as the `postgres` user
let server: EmbeddedServer = await startEmbedded(dataDir)
const port = Number(new URL(server.url).port)
const db = connect(server.url)
await prepareDatabase(db)
const token = await apiKeys.create(db, 'registrar', ['decisions:write'])
const app = await build({ db })
validateEveryResponse(app)
t.teardown(async () => {
  await app.close()
  await db.destroy()
  await server.stop()
  await rm(dataDir, { recursive: true, force: true })
})
const codes = (await db.selectFrom('municipalities').select('code').orderBy('code').execute()).map(m => m.code)

const WORKERS = 8
const MAX_REQUEST_MS = 7000 // a bound well below any client's patience: the pool gives up connecting after 5 s
const acknowledged = new Map<string, number>() // idempotency key → decision id
const statuses = new Map<number, number>()
let slowest = 0
let stopping = false

/** A registrar system: posts decisions one after another, each under its own key, retrying a 503 with the same key. */
async function registrar(worker: number) {
  for (let n = 0; !stopping; n++) {
    const key = `worker-${worker}-decision-${n}`
    const code = codes[(worker * 37 + n) % codes.length]!
    for (;;) {
      const started = performance.now()
      const response = await app.inject({
        method: 'POST',
        url: '/v1/decisions',
        headers: { authorization: `Bearer ${token}`, 'idempotency-key': key },
        payload: {
          municipality_code: code,
          period_case_number: '18/00295',
          outcome: 'adopted',
          decided_on: '2019-05-02',
          decided_by: 'Kommunfullmäktige',
          received_on: '2019-05-02'
        }
      })
      slowest = Math.max(slowest, performance.now() - started)
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1)
      if (response.statusCode === 201) {
        acknowledged.set(key, response.json().id)
        break
      }
      if (response.statusCode !== 503) throw new Error(`unexpected ${response.statusCode}: ${response.body}`)
      await sleep(100)
    }
  }
}

/** Waits until `count` writes are acknowledged, or 30 s (the assertions then say what was missing). */
async function acknowledgedAtLeast(count: number) {
  for (let waited = 0; acknowledged.size < count && waited < 30_000; waited += 100) await sleep(100)
}

t.test(
  'when PostgreSQL goes away mid-traffic, requests fail fast with 503, readiness says so, and the service recovers ' +
    'by itself',
  async t => {
    const traffic = Promise.all(Array.from({ length: WORKERS }, (_, worker) => registrar(worker)))
    // Mid-traffic: the fault comes once writes are flowing (on a busy machine the first take a while).
    await acknowledgedAtLeast(20)
    const beforeFault = acknowledged.size
    await server.stop()
    const down = await app.inject({ url: '/health/ready' })
    t.equal(down.statusCode, 503, 'readiness reports not ready while the database is away')
    await sleep(2000)
    const during = await app.inject({
      method: 'POST',
      url: '/v1/decisions',
      headers: { authorization: `Bearer ${token}` },
      payload: {}
    })
    t.equal(during.statusCode, 503, 'a write while the database is away is a 503 problem')
    t.match(during.json(), {
      status: 503,
      title: 'Service Unavailable',
      detail: /Retry shortly with the same Idempotency-Key/
    })
    t.equal(during.headers['retry-after'], '5')
    t.notMatch(during.body, /ECONNREFUSED|127\.0\.0\.1|postgres/i, 'nothing of the internals leaks')

    server = await startEmbedded(dataDir, { port })
    for (
      let waited = 0;
      (await app.inject({ url: '/health/ready' })).statusCode !== 200 && waited < 15_000;
      waited += 250
    )
      await sleep(250)
    t.equal((await app.inject({ url: '/health/ready' })).statusCode, 200, 'ready again without a restart')
    const afterRecovery = acknowledged.size
    await acknowledgedAtLeast(afterRecovery + 20)
    stopping = true
    await traffic
    t.ok(beforeFault >= 20, `writes were flowing when the fault came: ${beforeFault} acknowledged`)
    t.ok(acknowledged.size >= afterRecovery + 20, 'writes succeed again after recovery')

    const refused = statuses.get(503) ?? 0
    t.ok(refused > 0, 'the fault was felt: some requests were refused with 503')
    t.ok(slowest < MAX_REQUEST_MS, `no request hung: the slowest took ${Math.round(slowest)} ms`)
    t.comment(
      `${WORKERS} registrars, 1 fault (PostgreSQL stopped for about 2 s and restarted): ${acknowledged.size} decisions acknowledged ` +
        `(${beforeFault} before the fault), ${refused} answers 503, statuses ${JSON.stringify(Object.fromEntries(statuses))}, slowest ${Math.round(slowest)} ms`
    )

    // Every acknowledged write is there, exactly once: retries under the same key never wrote twice.
    const rows = await db.selectFrom('decisions').select('id').execute()
    const ids = new Set(rows.map(row => row.id))
    t.equal(rows.length, acknowledged.size, 'as many decisions as were acknowledged: none lost, none written twice')
    t.ok(
      [...acknowledged.values()].every(id => ids.has(id)),
      'every acknowledged decision is present'
    )
    const keys = await sql<{ n: number }>`SELECT count(*)::int AS n FROM idempotency_keys`.execute(db)
    t.equal(keys.rows[0]!.n, acknowledged.size, 'one stored outcome per key')
  }
)
